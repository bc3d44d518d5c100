"""SLIM (Ning & Karypis 2011): a sparse item-item linear model learned by elastic net.

Column ``j`` of ``W`` solves, over the binary user × item matrix ``X``,

    min_w  1/(2·users) ‖X_j − X w‖² + reg · l1_ratio · ‖w‖₁ + reg · (1 − l1_ratio)/2 · ‖w‖²
    subject to  w ≥ 0,  w_j = 0

(scikit-learn's ``ElasticNet`` objective, ``positive=True``; ``w_j = 0`` by zeroing item
``j``'s column and its row and column of the shared Gram matrix ``XᵀX`` for that fit). A
history ``h`` scores ``h · W``, like EASE, which is the same regression with an L2 penalty
only, no sign constraint, and a closed form.

One coordinate-descent fit per item over a dense ``items × items`` Gram matrix, so the model
refuses catalogs above ``max_items`` with advice. Coordinates are visited in an order drawn
from ``seed``: the same seed gives the same weights.
"""

from __future__ import annotations

import warnings
from typing import Self

import numpy as np
from pydantic import Field
from threadpoolctl import threadpool_limits

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig
from .linear import DenseItemItem, check_dense_size
from .progress import EpochProgress


class SLIMConfig(ModelConfig):
    # Defaults tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    reg: float = Field(0.2, gt=0.0, description="Elastic-net strength (scikit-learn's alpha).")
    l1_ratio: float = Field(0.01, ge=0.0, le=1.0, description="Share of the L1 penalty.")
    max_iter: int = Field(100, ge=1, description="Coordinate-descent sweeps per item at most.")
    tol: float = Field(1e-4, gt=0.0, description="Coordinate-descent stopping tolerance.")
    seed: int = 42
    max_items: int = Field(20_000, ge=1, description="Largest catalog SLIM will fit.")


class SLIM(EpochProgress, DenseItemItem):
    """Sparse linear method: one non-negative elastic-net regression per item.

    Each item's fit reports as an "epoch" to progress bars.
    """

    name = "slim"
    config_class = SLIMConfig
    config: SLIMConfig

    def total_epochs(self) -> int:
        return self.n_items

    def fit(self, data: InteractionData) -> Self:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import ElasticNet

        c = self.config
        n = data.n_items
        check_dense_size(self.name, n, c.max_items)
        self.n_items = n
        x = np.ascontiguousarray(data.matrix().astype(np.float64).toarray(), dtype=np.float64)
        x = np.asfortranarray(x)  # column access for the per-item target and zeroing
        weights = np.zeros((n, n), dtype=np.float32)
        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            # a few items stop at max_iter short of tol: their weights are still usable
            warnings.simplefilter("ignore", ConvergenceWarning)
            gram = x.T @ x
            model = ElasticNet(
                alpha=c.reg,
                l1_ratio=c.l1_ratio,
                positive=True,
                fit_intercept=False,
                copy_X=False,
                max_iter=c.max_iter,
                tol=c.tol,
                selection="random",
                random_state=c.seed,
            )
            for j in range(n):
                target = x[:, j].copy()
                if target.any():
                    row = gram[j].copy()
                    x[:, j] = 0.0
                    gram[j, :] = 0.0
                    gram[:, j] = 0.0
                    model.set_params(precompute=gram)
                    model.fit(x, target)
                    weights[:, j] = model.coef_
                    x[:, j] = target
                    gram[j, :] = row
                    gram[:, j] = row
                self._epoch_done(j)
        self.weights = weights
        self.fitted = True
        return self
