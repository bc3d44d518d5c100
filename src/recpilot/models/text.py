"""Content-based recommender over item text embeddings, with FAISS retrieval.

Each item's text (``InteractionData.item_texts``: title and attributes) is embedded once at
``fit``; interactions are not used, so every catalog item can be scored (cold start). A
history scores items by the cosine between the mean of its item vectors and each item.
:meth:`TextEmbedding.search_text` retrieves items for free text ("space adventure with
aliens"). Retrieval is exact up to ``ivf_threshold`` items and a FAISS IVF index above
(``models/ann.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
from pydantic import Field

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .ann import AnnSettings, VectorIndex
from .base import ModelConfig, Recommender
from .embedders import Embedder, HashingEmbedder, MiniLMEmbedder, normalize_rows
from .progress import EpochProgress

log = logging.getLogger(__name__)


class TextEmbeddingConfig(ModelConfig):
    embedder: Literal["minilm", "hashing"] = "minilm"
    embedding_size: int = Field(256, ge=8, description="Width of the hashing embedder.")
    batch_size: int = Field(64, ge=1, description="Texts per encoder batch.")
    cache: bool = Field(True, description="Cache MiniLM item vectors under data_home().")
    ivf_threshold: int = Field(50_000, ge=1, description="Items above which FAISS uses IVF.")
    nprobe: int = Field(16, ge=1, description="IVF lists searched per query.")


def make_embedder(config: TextEmbeddingConfig) -> Embedder:
    """The embedder a :class:`TextEmbeddingConfig` names."""
    if config.embedder == "hashing":
        return HashingEmbedder(config.embedding_size)
    return MiniLMEmbedder(batch_size=config.batch_size, cache=config.cache)


FIT_CHUNK = 50_000  # texts per encoder call for big catalogs; each chunk reports progress


class TextEmbedding(EpochProgress, Recommender):
    """Cosine similarity of text embeddings; ``search_text`` for semantic retrieval."""

    name = "text"
    config_class = TextEmbeddingConfig
    config: TextEmbeddingConfig

    def __init__(
        self, config: TextEmbeddingConfig | None = None, *, embedder: Embedder | None = None
    ) -> None:
        super().__init__(config)
        self._embedder = embedder
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        self._index: VectorIndex | None = None
        self._chunks = 1

    def total_epochs(self) -> int:
        return self._chunks

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.config)
        return self._embedder

    def fit(self, data: InteractionData) -> Self:
        if data.item_texts is None:
            raise ModelError(
                "the text model needs item texts; build InteractionData with item_texts=... "
                "(a catalog's interactions() provides them)"
            )
        texts = list(data.item_texts)
        # A small catalog is encoded in one call (one embedding-cache entry); a big one in
        # chunks, each reported to a progress bar.
        starts = range(0, len(texts), FIT_CHUNK) if len(texts) > FIT_CHUNK else range(1)
        self._chunks = len(starts)
        parts = []
        for step, start in enumerate(starts):
            chunk = texts[start : start + FIT_CHUNK] if self._chunks > 1 else texts
            parts.append(normalize_rows(self.embedder.encode(chunk)))
            self._epoch_done(step)
        self.vectors = np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
        self.n_items = data.n_items
        self._index = None
        self.fitted = True
        return self

    def query_vectors(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """The normalised mean item vector of each history (zeros for an empty one)."""
        out = np.zeros((len(histories), self.vectors.shape[1]), dtype=np.float32)
        for row, h in enumerate(histories):
            if len(h):
                out[row] = self.vectors[np.asarray(h)].mean(axis=0)
        return normalize_rows(out)

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return self.query_vectors(histories) @ self.vectors.T

    # -- retrieval ----------------------------------------------------------------------
    def vector_index(self) -> VectorIndex:
        """Search over the item vectors: exact up to ``ivf_threshold`` items, FAISS IVF above
        (built on first use; :meth:`VectorIndex.load_or_build` keeps it beside the artifact)."""
        self._check_fitted()
        if self._index is None:
            settings = AnnSettings(threshold=self.config.ivf_threshold, nprobe=self.config.nprobe)
            self._index = VectorIndex(self.vectors, settings)
        return self._index

    def _search(
        self, query: np.ndarray, k: int, exclude: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        if self.n_items == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.vector_index().nearest(query, k, exclude)

    def similar(
        self, seeds: Sequence[int] | np.ndarray, k: int = 10
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest items to the seed set's mean vector through FAISS (seeds excluded)."""
        self._check_fitted()
        seeds_arr = self._clean(seeds)
        if len(seeds_arr) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self._search(self.query_vectors([seeds_arr])[0], k, np.unique(seeds_arr))

    def search_text(self, query: str, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` items whose text is nearest to free text ``query``: (indices, cosines)."""
        self._check_fitted()
        vector = normalize_rows(self.embedder.encode([query]))[0]
        return self._search(vector, k, np.zeros(0, dtype=np.int64))

    def seed_scores(self, seeds: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Exact cosines between the seeds' mean vector and the given item indices."""
        self._check_fitted()
        query = self.query_vectors([self._clean(seeds)])[0]
        return np.asarray(self.vectors[np.asarray(items, dtype=np.int64)] @ query, np.float32)

    def text_scores(self, query: str, items: np.ndarray) -> np.ndarray:
        """Exact cosines between free text ``query`` and the given item indices."""
        self._check_fitted()
        vector = normalize_rows(self.embedder.encode([query]))[0]
        return np.asarray(self.vectors[np.asarray(items, dtype=np.int64)] @ vector, np.float32)

    # -- persistence ----------------------------------------------------------------------
    def _state(self) -> dict[str, np.ndarray]:
        return {"vectors": self.vectors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.vectors = arrays["vectors"].astype(np.float32)
        self._index = None
