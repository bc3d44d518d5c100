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

import itertools
from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig, Recommender, history_matrix
from .progress import EpochProgress


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


BLOCK_PRODUCTS = 20_000_000
"""Co-occurrence products computed per block of items: bounds fitting memory at any size."""


def _blocks(xt: sp.csr_matrix, x: sp.csr_matrix) -> list[tuple[int, int]]:
    """Item ranges whose co-occurrence rows take about :data:`BLOCK_PRODUCTS` products each
    (an item's products: the summed history lengths of its users)."""
    work = np.asarray(xt @ np.diff(x.indptr).astype(np.float64)).ravel()
    cuts = np.searchsorted(np.cumsum(work), np.arange(BLOCK_PRODUCTS, work.sum(), BLOCK_PRODUCTS))
    edges = [0, *sorted({int(c) + 1 for c in cuts if 0 < c + 1 < len(work)}), len(work)]
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def _keep_top_k(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int], k: int
) -> sp.csr_matrix:
    """CSR of each row's ``k`` largest entries (ties: lower column first), from COO arrays
    in (row, column) order with positive float32 values."""
    n_rows = shape[0]
    counts = np.bincount(rows, minlength=n_rows)
    crowded = counts[rows] > k  # rows with more than k entries need sorting
    if crowded.any():
        r, c, v = rows[crowded], cols[crowded], vals[crowded]
        # One stable sort on (row, value descending): a positive float32's bits order like
        # its value, and equal values keep their (ascending) column order.
        descending = np.uint64(0xFFFFFFFF) - v.view(np.uint32).astype(np.uint64)
        order = np.argsort((r.astype(np.uint64) << np.uint64(32)) | descending, kind="stable")
        r, c, v = r[order], c[order], v[order]
        starts = np.searchsorted(r, r)  # first position of each entry's row
        keep = np.arange(len(r)) - starts < k
        rows = np.concatenate([rows[~crowded], r[keep]])
        cols = np.concatenate([cols[~crowded], c[keep]])
        vals = np.concatenate([vals[~crowded], v[keep]])
    order = np.argsort((rows.astype(np.uint64) << np.uint64(32)) | cols.astype(np.uint64))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
    return sp.csr_matrix((vals[order], cols[order].astype(np.int32), indptr), shape=shape)


class ItemKNN(EpochProgress, Recommender):
    """Sparse item-item neighbourhood model (cosine or shrunk PMI).

    Fitting works through blocks of items (co-occurrences, similarity, top-k), so memory
    stays bounded at a million items; each block reports as an "epoch" to progress bars.
    """

    name = "itemknn"
    supports_weights = True
    config_class = ItemKNNConfig
    config: ItemKNNConfig

    def __init__(self, config: ItemKNNConfig | None = None) -> None:
        super().__init__(config)
        self.weights = sp.csr_matrix((0, 0), dtype=np.float32)
        self._n_blocks = 1

    def total_epochs(self) -> int:
        return self._n_blocks

    def fit(self, data: InteractionData) -> Self:
        x = data.matrix().astype(np.float32)
        xt = x.T.tocsr()
        n = data.n_items
        counts = np.asarray(x.sum(axis=0), dtype=np.float64).ravel()
        users = float(np.count_nonzero(np.diff(x.indptr)))
        norms = np.sqrt(np.asarray(x.sum(axis=0)).ravel())
        blocks = _blocks(xt, x)
        self._n_blocks = len(blocks)
        parts: list[sp.csr_matrix] = []
        for step, (a, b) in enumerate(blocks):
            product = xt[a:b] @ x
            product.sort_indices()  # (row, column) order, which _keep_top_k's ties rely on
            co = product.tocoo()
            rows, cols = co.row.astype(np.int64), co.col.astype(np.int64)
            c = co.data.astype(np.float64)
            off_diagonal = (cols != rows + a) & (c > 0)
            rows, cols, c = rows[off_diagonal], cols[off_diagonal], c[off_diagonal]
            if self.config.similarity == "pmi":
                sim = np.log(c * users / (counts[rows + a] * counts[cols]))
                sim *= c / (c + self.config.shrink)
            else:  # in float32, as the neighbour ties were always broken
                sim = c.astype(np.float32) / (norms[rows + a] * norms[cols] + self.config.shrink)
            # pmi keeps positive associations only; cosine keeps every co-occurring pair
            keep = sim > 0 if self.config.similarity == "pmi" else np.ones(len(sim), bool)
            values = sim[keep].astype(np.float32)
            parts.append(_keep_top_k(rows[keep], cols[keep], values, (b - a, n), self.config.k))
            self._epoch_done(step)
        self.weights = (
            sp.vstack(parts, format="csr") if parts else sp.csr_matrix((n, n), dtype=np.float32)
        )
        self.n_items = n
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
