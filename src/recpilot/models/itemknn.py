"""Item-based k-nearest-neighbours over co-occurrence cosine similarity.

``sim(i, j) = |U_i ∩ U_j| / (sqrt(|U_i|·|U_j|) + shrink)`` from the binary user × item
matrix; each item keeps its ``k`` most similar neighbours. A history scores item ``j`` with
the sum of ``sim(i, j)`` over its items ``i`` that have ``j`` among their neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig, Recommender, history_matrix


class ItemKNNConfig(ModelConfig):
    # Defaults tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    k: int = Field(20, ge=1, description="Neighbours kept per item.")
    shrink: float = Field(10.0, ge=0.0, description="Added to the cosine denominator.")


def _keep_top_k(sim: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """Each row's ``k`` largest entries (ties: lower column first)."""
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for row in range(sim.shape[0]):
        start, end = sim.indptr[row], sim.indptr[row + 1]
        cols, vals = sim.indices[start:end], sim.data[start:end]
        if len(vals) > k:
            keep = np.lexsort((cols, -vals))[:k]
            cols, vals = cols[keep], vals[keep]
        order = np.argsort(cols)
        indices.append(cols[order])
        data.append(vals[order])
        indptr.append(indptr[-1] + len(cols))
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=sim.shape,
    )


class ItemKNN(Recommender):
    """Sparse item-item cosine neighbourhood model."""

    name = "itemknn"
    supports_weights = True
    config_class = ItemKNNConfig
    config: ItemKNNConfig

    def __init__(self, config: ItemKNNConfig | None = None) -> None:
        super().__init__(config)
        self.weights = sp.csr_matrix((0, 0), dtype=np.float32)

    def fit(self, data: InteractionData) -> Self:
        x = data.matrix().astype(np.float32)
        co = (x.T @ x).tocsr()
        co.setdiag(0.0)
        co.eliminate_zeros()
        norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        coo = co.tocoo()
        denom = norms[coo.row] * norms[coo.col] + self.config.shrink
        sim = sp.csr_matrix(
            ((coo.data / denom).astype(np.float32), (coo.row, coo.col)), shape=co.shape
        )
        self.weights = _keep_top_k(sim, self.config.k)
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        h = history_matrix(histories, self.n_items)
        return np.asarray((h @ self.weights).todense(), dtype=np.float32)

    def _score_weighted(
        self, histories: Sequence[np.ndarray], weights: Sequence[np.ndarray]
    ) -> np.ndarray:
        h = history_matrix(histories, self.n_items, weights)
        return np.asarray((h @ self.weights).todense(), dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        w = self.weights
        return {"data": w.data, "indices": w.indices, "indptr": w.indptr}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=(self.n_items, self.n_items),
        )
