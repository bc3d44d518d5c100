"""BSPM against its definition: the Euler steps of blurring and sharpening applied to the
history one by one, here in float64 with numpy's dense SVD."""

from __future__ import annotations

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.eval.metrics import top_k_items
from recpilot.models.base import history_matrix
from recpilot.models.bspm import BSPM, BSPMConfig
from recpilot.models.gfcf import GFCF, GFCFConfig
from recpilot.testing.models import random_interactions


def random_data(seed: int = 0) -> InteractionData:
    return random_interactions(40, 25, 0.25, seed)  # item 24 never seen


def stepped(data: InteractionData, h: np.ndarray, c: BSPMConfig) -> np.ndarray:
    """The process run on the history row ``h`` step by step, as the paper writes it."""
    x = data.matrix().toarray().astype(np.float64)
    du, di = x.sum(axis=1), x.sum(axis=0)
    inv_u = np.divide(1.0, np.sqrt(du), out=np.zeros_like(du), where=du > 0)
    inv_i = np.divide(1.0, np.sqrt(di), out=np.zeros_like(di), where=di > 0)
    r = inv_u[:, None] * x * inv_i[None, :]
    p = r.T @ r
    _, _, vt = np.linalg.svd(r, full_matrices=False)
    v = vt[: c.k]
    ideal = h @ ((inv_i[:, None] * v.T) @ (v * np.sqrt(di)[None, :]))
    blurred = h.copy()
    for _ in range(c.blur_steps):  # dr/dt = rP - r
        blurred = blurred + (c.blur_time / c.blur_steps) * (blurred @ p - blurred)
    state, states = blurred + c.beta * ideal, [blurred]
    for _ in range(c.sharpen_steps):  # dr/dt = -rP
        state = state - (c.sharpen_time / c.sharpen_steps) * (state @ p)
        states.append(state)
    out = np.mean(states, axis=0) if c.combine_steps else state
    return np.asarray(out + c.beta * ideal)


@pytest.mark.parametrize(
    "settings",
    [
        {"k": 5, "beta": 0.3},  # the defaults' steps, truncated SVD
        {"k": 5, "beta": 0.2, "blur_steps": 3, "blur_time": 1.5, "combine_steps": False},
        {"k": 30, "beta": 0.1, "sharpen_steps": 4, "sharpen_time": 2.5},  # dense SVD route
    ],
)
def test_matches_the_stepped_process(settings: dict[str, float]) -> None:
    data = random_data()
    config = BSPMConfig(**settings)
    model = BSPM(config).fit(data)
    h = np.zeros((3, 25))
    h[0, [0, 3, 7]] = 1.0
    h[1, [1]] = 1.0
    h[2, [5, 6, 8, 9, 10]] = 1.0
    expected = np.stack([stepped(data, row, config) for row in h])
    got = model.score([np.flatnonzero(row) for row in h])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_no_sharpening_is_the_plain_gfcf_filter() -> None:
    """No sharpening and one blur step of length 1 leave the linear filter plus the ideal
    filter counted twice (once into the sharpening start, once at the end)."""
    data = random_data(seed=1)
    plain = BSPM(BSPMConfig(k=5, beta=0.25, sharpen_time=0.0)).fit(data).weights
    gfcf = GFCF(GFCFConfig(k=5, alpha=0.5)).fit(data).weights
    np.testing.assert_allclose(plain, gfcf, atol=1e-5)
    linear = BSPM(BSPMConfig(beta=0.0, sharpen_time=0.0)).fit(data).weights
    np.testing.assert_allclose(linear, GFCF(GFCFConfig(alpha=0.0)).fit(data).weights, atol=1e-6)


def test_sharpening_changes_the_ranking_and_cold_items_stay_zero() -> None:
    data = random_data(seed=2)
    plain = BSPM(BSPMConfig(k=5, sharpen_time=0.0)).fit(data)
    sharp = BSPM(BSPMConfig(k=5, sharpen_time=2.0)).fit(data)
    histories = [np.array([0, 1, 2]), np.array([4, 9]), np.array([13, 17, 20, 22])]
    assert not np.allclose(plain.score(histories), sharp.score(histories))
    assert not sharp.weights[24].any() and not sharp.weights[:, 24].any()


def test_seen_items_are_masked_in_a_ranking_like_any_model() -> None:
    """Sharpening can leave a history's own items with the highest raw scores; the ranking
    that evaluation takes excludes them as it does for every model."""
    data = random_data(seed=3)
    model = BSPM(BSPMConfig(k=5)).fit(data)
    histories = [np.array([0, 1, 2]), np.array([4, 9, 11])]
    scores = model.score(histories)
    top = top_k_items(scores, 10, history_matrix(histories, 25))
    for history, row in zip(histories, top, strict=True):
        assert not set(history.tolist()) & set(row.tolist())
        assert len(row) == 10
