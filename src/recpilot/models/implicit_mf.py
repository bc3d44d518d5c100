"""Matrix factorisation through the ``implicit`` library (CPU): ALS and BPR.

Both train on the binary user × item matrix. They score an arbitrary history (not only a
training user) from the item factors alone:

* **ALS** solves the user factor exactly, as implicit's ``recalculate_user`` does:
  ``x = (YᵀY + λI + (α-1)·Y_hᵀY_h)⁻¹ · α·Σ_h y_i`` (confidence ``α`` for observed items).
* **BPR** uses the mean of the history's item factors as the user factor (a cheap fold-in;
  BPR has no closed form), plus implicit's learned item bias.

Determinism: factors are initialised from ``seed``. ALS solves each user/item independently
and is reproducible with any ``num_threads``; BPR's multi-threaded SGD is Hogwild (racy), so
only ``num_threads=1`` (the default for both) gives bit-identical factors for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from pydantic import Field
from threadpoolctl import threadpool_limits

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig, Recommender
from .progress import EpochProgress


class ALSConfig(ModelConfig):
    # Small, quick defaults from a first grid on ML-100K's validation part. A wider grid
    # (bench/recbole_side_by_side/tuned.json: 128 factors, reg 35, alpha 4) scores higher
    # there (0.2622 vs 0.2375) and is what the side-by-side bench uses.
    embedding_size: int = Field(32, ge=1, description="Latent factors.")
    reg: float = Field(1.0, ge=0.0, description="L2 penalty λ.")
    alpha: float = Field(1.0, gt=0.0, description="Confidence of an observed interaction.")
    epochs: int = Field(15, ge=1)
    seed: int = 42
    num_threads: int = Field(1, ge=0, description="implicit's threads; 0 = all cores.")


class BPRConfig(ModelConfig):
    embedding_size: int = Field(64, ge=1, description="Latent factors.")
    learning_rate: float = Field(0.01, gt=0.0)  # tuned on ML-100K validation
    reg: float = Field(0.01, ge=0.0, description="L2 penalty.")
    epochs: int = Field(300, ge=1)
    seed: int = 42
    num_threads: int = Field(1, ge=0, description="1 for reproducible factors; 0 = all cores.")


class _ImplicitModel(EpochProgress, Recommender):
    """What ALS and BPR share: fitting an ``implicit`` model and keeping its item factors."""

    item_factors: np.ndarray

    def _fit_implicit(self, model: Any, data: InteractionData) -> Self:
        model.fit(data.matrix(), show_progress=False, callback=self._callback)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _callback(self, iteration: int, *_: Any) -> None:
        self._epoch_done(iteration)


class ALS(_ImplicitModel):
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) via ``implicit``."""

    name = "als"
    config_class = ALSConfig
    config: ALSConfig

    def __init__(self, config: ALSConfig | None = None) -> None:
        super().__init__(config)
        self.item_factors = np.zeros((0, 0), dtype=np.float32)
        self._base: np.ndarray | None = None

    def fit(self, data: InteractionData) -> Self:
        from implicit.cpu.als import AlternatingLeastSquares

        c = self.config
        self._base = None
        with threadpool_limits(1, "blas"):  # implicit warns about (and is slowed by) BLAS threads
            model = AlternatingLeastSquares(
                factors=c.embedding_size,
                regularization=c.reg,
                alpha=c.alpha,
                iterations=c.epochs,
                calculate_training_loss=False,
                num_threads=c.num_threads,
                random_state=c.seed,
            )
            return self._fit_implicit(model, data)

    def user_factors(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """The least-squares user factor of each history (zeros for an empty one)."""
        y = self.item_factors
        f = y.shape[1]
        if self._base is None:  # YᵀY + λI: one pass over every item, kept for later calls
            with threadpool_limits(1, "blas"):  # a 32×32 result: threads only contend
                y64 = y.astype(np.float64)
                self._base = y64.T @ y64 + self.config.reg * np.eye(f)
        base = self._base
        alpha = self.config.alpha
        out = np.zeros((len(histories), f), dtype=np.float64)
        for row, h in enumerate(histories):
            items = np.unique(h)
            if len(items) == 0:
                continue
            yh = y[items].astype(np.float64)
            a = base + (alpha - 1.0) * (yh.T @ yh)
            out[row] = np.linalg.solve(a, alpha * yh.sum(axis=0))
        return out.astype(np.float32)

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return self.user_factors(histories) @ self.item_factors.T

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.item_factors = arrays["item_factors"].astype(np.float32)
        self._base = None


class BPR(_ImplicitModel):
    """Bayesian personalised ranking via ``implicit``; histories fold in as mean factors."""

    name = "bpr"
    config_class = BPRConfig
    config: BPRConfig

    def __init__(self, config: BPRConfig | None = None) -> None:
        super().__init__(config)
        # implicit's layout: (n_items, embedding_size + 1), the last column is the item bias
        self.item_factors = np.zeros((0, 0), dtype=np.float32)

    def fit(self, data: InteractionData) -> Self:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        c = self.config
        with threadpool_limits(1, "blas"):
            model = BayesianPersonalizedRanking(
                factors=c.embedding_size,
                learning_rate=c.learning_rate,
                regularization=c.reg,
                iterations=c.epochs,
                verify_negative_samples=True,
                num_threads=c.num_threads,
                random_state=c.seed,
            )
            return self._fit_implicit(model, data)

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        vectors = self.item_factors[:, :-1]
        bias = self.item_factors[:, -1]
        users = np.zeros((len(histories), vectors.shape[1]), dtype=np.float32)
        for row, h in enumerate(histories):
            if len(h):
                users[row] = vectors[np.unique(h)].mean(axis=0)
        return users @ vectors.T + bias[None, :]

    def _state(self) -> dict[str, np.ndarray]:
        return {"item_factors": self.item_factors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.item_factors = arrays["item_factors"].astype(np.float32)
