"""What the dense item-item linear models share: a history scores ``h · W`` for one dense
``n_items × n_items`` matrix ``W`` (EASE's ``B``, GF-CF's filter), and the Gram matrices and
symmetric positive-definite inverse that fitting them needs.

Dense ``n_items²`` memory, so such models refuse catalogs above ``max_items`` with advice
(:func:`check_dense_size`) instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from recpilot.errors import ModelError

from .base import ModelConfig, Recommender, history_matrix

SMALL_BATCH = 8


def check_dense_size(model: str, n: int, max_items: int) -> None:
    """ModelError with advice when an ``n × n`` dense matrix exceeds ``max_items``."""
    if n > max_items:
        gib = n * n * 4 / 2**30
        raise ModelError(
            f"{model} needs a dense {n}×{n} matrix (~{gib:.1f} GiB) for {n} items, above "
            f"max_items={max_items}; use itemknn or als for this catalog, or raise the limit "
            f"with --set {model}.max_items={n} if the memory is there"
        )


def dense_gram(x: sp.csr_matrix) -> np.ndarray:
    """``XᵀX`` as a dense float32 array, from the sparse side (``Xᵀ · dense X``, no densified
    sparse product)."""
    x32 = sp.csr_matrix(x, dtype=np.float32)
    return np.asarray(x32.T @ x32.toarray(), dtype=np.float32)


def spd_inverse(a: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive-definite matrix, overwriting ``a`` (float32 or
    float64): Cholesky factor and inverse from it (LAPACK ``potrf`` + ``potri``), half the
    work of a general LU inverse. ModelError if ``a`` is not positive definite."""
    potrf, potri = (
        (lapack.spotrf, lapack.spotri) if a.dtype == np.float32 else (lapack.dpotrf, lapack.dpotri)
    )
    factor, info = potrf(a, lower=True, overwrite_a=True, clean=False)
    if info != 0:
        raise ModelError(f"matrix is not positive definite (LAPACK potrf info={info})")
    inverse, info = potri(factor, lower=True, overwrite_c=True)
    if info != 0:
        raise ModelError(f"cannot invert the Cholesky factor (LAPACK potri info={info})")
    upper = np.triu_indices(a.shape[0], 1)
    inverse[upper] = inverse.T[upper]  # potri fills the lower triangle only
    return np.asarray(inverse)


class DenseItemItem(Recommender):
    """A linear model ``score(h) = h · W`` with a dense float32 ``W`` (``self.weights``);
    subclasses fit ``W``. Histories count each item once; given weights, each item counts
    its weight (repeats add up)."""

    supports_weights = True

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__(config)
        self.weights = np.zeros((0, 0), dtype=np.float32)

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        uniques = [np.unique(h) for h in histories]
        return self._score_weighted(uniques, [np.ones(len(h), np.float32) for h in uniques])

    def _score_weighted(
        self, histories: Sequence[np.ndarray], weights: Sequence[np.ndarray]
    ) -> np.ndarray:
        if len(histories) <= SMALL_BATCH:
            # A few histories: sum the history items' rows (reads |h| rows, not the matrix).
            rows = [
                w @ self.weights[np.asarray(h, dtype=np.int64)]
                if len(h)
                else np.zeros(self.n_items, np.float32)
                for h, w in zip(histories, weights, strict=True)
            ]
            return np.asarray(rows, dtype=np.float32).reshape(len(histories), self.n_items)
        # Many histories (evaluation): sparse history rows times the weights.
        h = history_matrix(histories, self.n_items, weights)
        return np.asarray(h @ self.weights, dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
