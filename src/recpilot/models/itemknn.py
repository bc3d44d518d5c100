"""Item-based k-nearest-neighbours over a co-occurrence similarity.

From the binary user × item matrix, with ``c = |U_i ∩ U_j|``, ``n_i = |U_i|`` and ``N`` the
number of users with any interaction, ``similarity`` picks:

* ``cosine`` — ``c / (sqrt(n_i·n_j) + shrink)``. Popular items co-occur with everything, so
  they top most items' neighbour lists.
* ``pmi`` — shrunk positive pointwise mutual information,
  ``log(c·N / (n_i·n_j)) · c / (c + shrink)``, kept where positive: how much more often two
  items co-occur than their popularity alone predicts, trusted in proportion to the evidence.
  Neighbours are items *specific* to the seed rather than blockbusters
  (``bench/similar_items.py``, ``docs/similar-items.md``).

Each item keeps its ``k`` most similar neighbours. A history scores item ``j`` with the sum
of ``sim(i, j)`` over its items ``i`` that have ``j`` among their neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig, Recommender, history_matrix


class ItemKNNConfig(ModelConfig):
    # Defaults tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    k: int = Field(20, ge=1, description="Neighbours kept per item.")
    shrink: float = Field(
        10.0,
        ge=0.0,
        description="Shrinkage of low-evidence pairs: added to the cosine denominator; for "
        "pmi, the c/(c + shrink) confidence weight (100 measured best on ML-100K).",
    )
    similarity: Literal["cosine", "pmi"] = Field(
        "cosine", description="cosine (popularity-led) or pmi (popularity-debiased)."
    )


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
    """Sparse item-item neighbourhood model (cosine or shrunk PMI)."""

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
        coo = co.tocoo()
        if self.config.similarity == "pmi":
            sim = self._pmi(coo, x)
        else:
            norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
            denom = norms[coo.row] * norms[coo.col] + self.config.shrink
            sim = sp.csr_matrix(
                ((coo.data / denom).astype(np.float32), (coo.row, coo.col)), shape=co.shape
            )
        self.weights = _keep_top_k(sim, self.config.k)
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _pmi(self, co: sp.coo_matrix, x: sp.csr_matrix) -> sp.csr_matrix:
        """Shrunk positive PMI over the co-occurrence pairs ``co`` of the user × item ``x``."""
        counts = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()
        users = float(np.count_nonzero(x.getnnz(axis=1)))
        c = co.data.astype(np.float64)
        values = (
            np.log(c * users / (counts[co.row] * counts[co.col])) * c / (c + self.config.shrink)
        )
        keep = values > 0
        return sp.csr_matrix(
            (values[keep].astype(np.float32), (co.row[keep], co.col[keep])), shape=co.shape
        )

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
