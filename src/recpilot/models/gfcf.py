"""GF-CF (Shen et al., CIKM 2021, "How Powerful is Graph Convolution for Recommendation?"):
a training-free graph filter over the item-item graph.

With the binary user × item matrix ``X``, user degrees ``D_U`` and item degrees ``D_I``:

* normalised interactions ``R = D_U^{-1/2} X D_I^{-1/2}``;
* **linear filter** ``P = RᵀR`` (the normalised item-item co-occurrence graph);
* **ideal low-pass filter** ``D_I^{-1/2} V_kᵀ V_k D_I^{1/2}``, with ``V_k`` the top ``k``
  right singular vectors of ``R`` (the graph's ``k`` smoothest signals);
* ``W = P + alpha · ideal``; a history ``h`` scores ``h · W``.

Items nobody interacted with have zero degree and score 0. Fitting is one sparse Gram
product and a truncated SVD (``scipy.sparse.linalg.svds``, started from a seeded vector so
a seed gives the same model); a ``k`` at or above the matrix's smaller side takes a full
dense SVD instead. Dense ``n_items²`` memory, refused above ``max_items``.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from scipy.sparse.linalg import svds

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig
from .linear import DenseItemItem, check_dense_size, dense_gram


class GFCFConfig(ModelConfig):
    # Defaults tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    k: int = Field(64, ge=1, description="Singular vectors in the ideal low-pass filter.")
    alpha: float = Field(0.5, ge=0.0, description="Weight of the ideal low-pass filter.")
    seed: int = Field(42, description="Start vector of the truncated SVD.")
    max_items: int = Field(20_000, ge=1, description="Largest catalog GF-CF will filter.")


def _inverse_sqrt(degrees: np.ndarray) -> np.ndarray:
    out = np.zeros(len(degrees), dtype=np.float64)
    seen = degrees > 0
    out[seen] = degrees[seen] ** -0.5
    return out


def normalized_graph(x: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """``R = D_U^{-1/2} X D_I^{-1/2}`` (float64), with ``D_I^{-1/2}`` and the item degrees."""
    x = x.astype(np.float64)
    user_scale = _inverse_sqrt(np.asarray(x.sum(axis=1)).ravel())
    item_degree = np.asarray(x.sum(axis=0)).ravel()
    item_scale = _inverse_sqrt(item_degree)
    r = sp.csr_matrix(sp.diags(user_scale) @ x @ sp.diags(item_scale))
    return r, item_scale, item_degree


def ideal_filter(
    r: sp.csr_matrix, item_scale: np.ndarray, item_degree: np.ndarray, k: int, seed: int
) -> np.ndarray:
    """The ideal low-pass filter ``D_I^{-1/2} V_kᵀ V_k D_I^{1/2}`` over ``R``'s top ``k``
    right singular vectors."""
    vt = top_right_singular_vectors(r, k, seed)
    return (item_scale[:, None] * vt.T) @ (vt * np.sqrt(item_degree)[None, :])


def top_right_singular_vectors(r: sp.csr_matrix, k: int, seed: int) -> np.ndarray:
    """The ``k`` leading right singular vectors of ``r`` as rows (``k × n_cols``)."""
    smaller = min(r.shape)
    if k >= smaller - 1:
        _, _, vt = np.linalg.svd(r.toarray(), full_matrices=False)
        return np.asarray(vt[: min(k, smaller)])
    start = np.random.default_rng(seed).standard_normal(smaller)
    _, _, vt = svds(r, k=k, v0=start)
    return np.asarray(vt)


class GFCF(DenseItemItem):
    """Linear plus ideal low-pass graph filter over the item-item graph."""

    name = "gfcf"
    config_class = GFCFConfig
    config: GFCFConfig

    def fit(self, data: InteractionData) -> Self:
        n = data.n_items
        check_dense_size(self.name, n, self.config.max_items)
        r, item_scale, item_degree = normalized_graph(data.matrix())
        w = dense_gram(r)
        if self.config.alpha > 0:
            ideal = ideal_filter(r, item_scale, item_degree, self.config.k, self.config.seed)
            w += (self.config.alpha * ideal).astype(np.float32)
        self.weights = np.ascontiguousarray(w, dtype=np.float32)
        self.n_items = n
        self.fitted = True
        return self
