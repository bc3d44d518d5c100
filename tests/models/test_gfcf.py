"""GF-CF against its formula, computed here with numpy's dense SVD in float64."""

from __future__ import annotations

import numpy as np

from recpilot.catalog.interactions import InteractionData
from recpilot.models.gfcf import GFCF, GFCFConfig
from recpilot.testing.models import BLOCK_A, BLOCK_B, COLD, random_interactions


def random_data(seed: int = 0) -> InteractionData:
    return random_interactions(40, 25, 0.25, seed)  # item 24 never seen


def reference(data: InteractionData, k: int, alpha: float) -> np.ndarray:
    x = data.matrix().toarray().astype(np.float64)
    du, di = x.sum(axis=1), x.sum(axis=0)
    inv_u = np.divide(1.0, np.sqrt(du), out=np.zeros_like(du), where=du > 0)
    inv_i = np.divide(1.0, np.sqrt(di), out=np.zeros_like(di), where=di > 0)
    r = inv_u[:, None] * x * inv_i[None, :]
    _, _, vt = np.linalg.svd(r, full_matrices=False)
    v = vt[:k]
    return r.T @ r + alpha * (inv_i[:, None] * v.T) @ (v * np.sqrt(di)[None, :])


def test_matches_the_formula_on_the_truncated_svd_route() -> None:
    data = random_data()
    model = GFCF(GFCFConfig(k=5, alpha=0.7)).fit(data)  # 5 < min(40, 25) - 1: svds
    np.testing.assert_allclose(model.weights, reference(data, 5, 0.7), atol=1e-5)


def test_alpha_zero_is_the_normalised_cooccurrence_and_unseen_items_score_zero() -> None:
    data = random_data(seed=1)
    model = GFCF(GFCFConfig(alpha=0.0)).fit(data)
    np.testing.assert_allclose(model.weights, reference(data, 0, 0.0), atol=1e-6)
    assert not model.weights[24].any() and not model.weights[:, 24].any()


def test_full_rank_ideal_filter_is_the_identity_on_seen_items(blocks: InteractionData) -> None:
    """With every singular vector kept, ``D^{-1/2} V Vᵀ D^{1/2}`` projects onto the whole row
    space: the identity on the items anyone saw (the 20 block items here), zero on cold ones."""
    linear = GFCF(GFCFConfig(alpha=0.0)).fit(blocks).weights
    full = GFCF(GFCFConfig(alpha=1.0, k=100)).fit(blocks).weights
    seen = np.zeros(len(linear))
    seen[BLOCK_A + BLOCK_B] = 1.0
    np.testing.assert_allclose(full - linear, np.diag(seen), atol=1e-5)
    assert not full[COLD].any()
