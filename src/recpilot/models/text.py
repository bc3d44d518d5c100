"""Content-based recommender over item text embeddings, with FAISS retrieval.

Each item's text (``InteractionData.item_texts``: title and attributes) is embedded once at
``fit``; interactions are not used, so every catalog item can be scored (cold start). A
history scores items by the cosine between the mean of its item vectors and each item.
:meth:`TextEmbedding.search_text` retrieves items for free text ("space adventure with
aliens"). Retrieval uses an exact FAISS inner-product index, or an IVF index above
``ivf_threshold`` items.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal, Self

import numpy as np
from pydantic import Field

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .base import ModelConfig, Recommender
from .embedders import Embedder, HashingEmbedder, MiniLMEmbedder, normalize_rows

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


class TextEmbedding(Recommender):
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
        self._index: Any = None

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
        self.vectors = normalize_rows(self.embedder.encode(list(data.item_texts)))
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
    def index(self) -> Any:
        """The FAISS index over the item vectors (built on first use)."""
        self._check_fitted()
        if self._index is None:
            import faiss

            n, d = self.vectors.shape
            index: Any
            if n > self.config.ivf_threshold:
                nlist = max(1, int(np.sqrt(n)))
                quantizer = faiss.IndexFlatIP(d)
                index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
                index.train(self.vectors)
                index.nprobe = self.config.nprobe
            else:
                index = faiss.IndexFlatIP(d)
            index.add(self.vectors)
            self._index = index
        return self._index

    def _search(
        self, query: np.ndarray, k: int, exclude: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        if k <= 0 or self.n_items == 0 or not np.any(query):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        want = min(self.n_items, k + len(exclude))
        scores, ids = self.index().search(query.reshape(1, -1).astype(np.float32), want)
        keep = (ids[0] >= 0) & ~np.isin(ids[0], exclude)
        return ids[0][keep][:k].astype(np.int64), scores[0][keep][:k].astype(np.float32)

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

    # -- persistence ----------------------------------------------------------------------
    def _state(self) -> dict[str, np.ndarray]:
        return {"vectors": self.vectors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.vectors = arrays["vectors"].astype(np.float32)
        self._index = None
