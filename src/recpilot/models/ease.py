"""EASE (Steck 2019): a closed-form item-item linear autoencoder.

``B = I - P · diag(1 / diag(P))`` with ``P = (XᵀX + λI)⁻¹`` and a zero diagonal; a history
``h`` (binary row) scores ``h · B``.

Fitting needs ``P`` only up to a scale, so it takes the cheaper of two exact routes, in
float32 (as RecBole's EASE):

* **primal** (``users ≥ items``): Cholesky inverse of the ``items × items`` matrix
  ``XᵀX + λI`` — half the work of a general inverse;
* **dual** (``users < items``, the Woodbury identity):
  ``λ·P = I - Xᵀ (λI + XXᵀ)⁻¹ X`` — a Cholesky inverse of the smaller ``users × users``
  matrix, and two sparse-times-dense products.

Dense ``n_items²`` memory, so the model refuses catalogs above ``max_items`` with advice
instead of exhausting memory.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .base import ModelConfig
from .linear import DenseItemItem, check_dense_size, dense_gram, spd_inverse


class EASEConfig(ModelConfig):
    reg: float = Field(500.0, gt=0.0, description="L2 penalty λ (tuned on ML-100K validation).")
    max_items: int = Field(20_000, ge=1, description="Largest catalog EASE will invert.")


def scaled_inverse(x: sp.csr_matrix, reg: float) -> np.ndarray:
    """``λ·(XᵀX + λI)⁻¹`` (items × items, float32) by the primal or the dual route,
    whichever inverts the smaller matrix."""
    n_users, n_items = x.shape
    x32 = sp.csr_matrix(x, dtype=np.float32)
    if n_users >= n_items:
        gram = dense_gram(x32)
        gram[np.diag_indices(n_items)] += reg
        p = spd_inverse(gram)
        p *= reg
        return p
    dense = x32.toarray()
    kernel = np.asarray(x32 @ dense.T, dtype=np.float32)  # XXᵀ, users × users
    kernel[np.diag_indices(n_users)] += reg
    k_inv = spd_inverse(kernel)
    k_inv_x = np.asarray(x32.T @ k_inv).T  # (Xᵀ K⁻¹)ᵀ = K⁻¹ X, users × items
    p = np.asarray(x32.T @ k_inv_x, dtype=np.float32)  # Xᵀ K⁻¹ X
    p *= -1.0
    p[np.diag_indices(n_items)] += 1.0
    return p


class EASE(DenseItemItem):
    """Embarrassingly shallow autoencoder."""

    name = "ease"
    config_class = EASEConfig
    config: EASEConfig

    def fit(self, data: InteractionData) -> Self:
        n = data.n_items
        check_dense_size(self.name, n, self.config.max_items)
        try:
            b = scaled_inverse(data.matrix(), self.config.reg)
        except ModelError as exc:
            raise ModelError(
                f"EASE cannot invert XᵀX + λI with reg={self.config.reg}: {exc}; "
                f"a larger reg makes it better conditioned"
            ) from exc
        diag = np.diag(b).copy()
        b /= -diag  # column j divided by -P_jj
        b[np.diag_indices(n)] = 0.0
        self.weights = np.ascontiguousarray(b, dtype=np.float32)
        self.n_items = n
        self.fitted = True
        return self
