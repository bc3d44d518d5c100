"""BSPM (Choi et al., SIGIR 2023, "Blurring-Sharpening Process Models for Collaborative
Filtering"): a training-free blur-then-sharpen process over the item-item graph, in the
closed form of its Euler steps.

With ``R = D_U^{-1/2} X D_I^{-1/2}`` and ``P = RᵀR`` (GF-CF's linear filter, see
:mod:`recpilot.models.gfcf`), a history row ``h`` goes through:

* **blurring**, ``dr/dt = r·P − r`` for ``blur_time`` in ``blur_steps`` Euler steps:
  ``b = h·(I + τ_b (P − I))^{K_b}`` (one step of size 1 is the linear filter ``h·P``);
* **sharpening**, ``dr/dt = −r·P`` for ``sharpen_time`` in ``sharpen_steps`` Euler steps,
  started from ``s_0 = b + beta·h·ideal``: ``s_j = s_{j−1}·(I − τ_s P)``;
* the output is ``s_K`` (or, with ``combine_steps``, the mean of ``b, s_1, …, s_K``, the
  paper's "time-point combination") plus ``beta·h·ideal``, where ``ideal`` is GF-CF's ideal
  low-pass filter over the top ``k`` singular vectors.

Every step is linear in ``h``, so fitting multiplies the steps into one dense item-item
matrix ``W`` and a history scores ``h · W`` like EASE and GF-CF. With ``sharpen_time = 0``
and ``blur_steps = blur_time = 1`` BSPM is GF-CF with ``alpha = 2·beta``.
"""

from __future__ import annotations

from typing import Self

import numpy as np
from pydantic import Field

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig
from .gfcf import ideal_filter, normalized_graph
from .linear import DenseItemItem, check_dense_size


class BSPMConfig(ModelConfig):
    # Defaults tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    k: int = Field(64, ge=1, description="Singular vectors in the ideal low-pass filter.")
    beta: float = Field(0.1, ge=0.0, description="Weight of the ideal low-pass filter.")
    blur_time: float = Field(1.0, ge=0.0, description="Length of the blurring process.")
    blur_steps: int = Field(1, ge=1, description="Euler steps of the blurring process.")
    sharpen_time: float = Field(2.0, ge=0.0, description="Length of the sharpening process.")
    sharpen_steps: int = Field(2, ge=1, description="Euler steps of the sharpening process.")
    combine_steps: bool = Field(
        True, description="Average the blurred state and every sharpening step's state."
    )
    seed: int = Field(42, description="Start vector of the truncated SVD.")
    max_items: int = Field(20_000, ge=1, description="Largest catalog BSPM will filter.")


def bspm_filter(p: np.ndarray, ideal: np.ndarray | None, c: BSPMConfig) -> np.ndarray:
    """The item-item matrix of the whole process for linear filter ``p`` (float64)."""
    n = p.shape[0]
    identity = np.eye(n)
    blur_step = identity + (c.blur_time / c.blur_steps) * (p - identity)
    blurred = np.linalg.matrix_power(blur_step, c.blur_steps)
    low_pass = c.beta * ideal if ideal is not None else np.zeros_like(p)
    state = blurred + low_pass
    total = blurred.copy()
    if c.sharpen_time > 0:
        sharpen_step = identity - (c.sharpen_time / c.sharpen_steps) * p
        for _ in range(c.sharpen_steps):
            state = state @ sharpen_step
            total += state
    out = total / (c.sharpen_steps + 1) if c.combine_steps and c.sharpen_time > 0 else state
    return np.asarray(out + low_pass)


class BSPM(DenseItemItem):
    """Blur with the linear graph filter, sharpen with its negative, add the low-pass term."""

    name = "bspm"
    config_class = BSPMConfig
    config: BSPMConfig

    def fit(self, data: InteractionData) -> Self:
        c = self.config
        n = data.n_items
        check_dense_size(self.name, n, c.max_items)
        r, item_scale, item_degree = normalized_graph(data.matrix())
        p = np.asarray((r.T @ r).toarray(), dtype=np.float64)
        ideal = ideal_filter(r, item_scale, item_degree, c.k, c.seed) if c.beta > 0 else None
        self.weights = np.ascontiguousarray(bspm_filter(p, ideal, c), dtype=np.float32)
        self.n_items = n
        self.fitted = True
        return self
