"""EASE's two exact fitting routes (primal Cholesky inverse, dual Woodbury) against the
closed form computed in float64."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recpilot.catalog.interactions import InteractionData
from recpilot.models.ease import EASE, EASEConfig, scaled_inverse


def random_data(n_users: int, n_items: int, seed: int = 0) -> InteractionData:
    rng = np.random.default_rng(seed)
    dense = rng.random((n_users, n_items)) < 0.3
    dense[np.arange(n_users), rng.integers(0, n_items, n_users)] = True  # nobody empty
    users, items = np.nonzero(dense)
    return InteractionData.from_ids(
        [f"u{u}" for u in users],
        [f"i{i}" for i in items],
        item_vocab=[f"i{i}" for i in range(n_items)],
    )


def closed_form(data: InteractionData, reg: float) -> np.ndarray:
    x = data.matrix().toarray().astype(np.float64)
    p = np.linalg.inv(x.T @ x + reg * np.eye(x.shape[1]))
    b = p / -np.diag(p)
    np.fill_diagonal(b, 0.0)
    return b


def test_dual_route_matches_closed_form() -> None:
    data = random_data(n_users=12, n_items=40)  # fewer users than items: the dual route
    model = EASE(EASEConfig(reg=3.0)).fit(data)
    np.testing.assert_allclose(model.weights, closed_form(data, 3.0), atol=2e-5)


def test_primal_route_matches_closed_form() -> None:
    data = random_data(n_users=60, n_items=15)
    model = EASE(EASEConfig(reg=3.0)).fit(data)
    np.testing.assert_allclose(model.weights, closed_form(data, 3.0), atol=2e-5)


def test_both_routes_give_the_same_scaled_inverse() -> None:
    x = random_data(n_users=20, n_items=30, seed=4).matrix()
    dual = scaled_inverse(x, 2.0)  # 20 users < 30 items
    # the same XᵀX from a matrix with more rows than columns: X stacked on an empty block
    padded = sp.vstack([x, sp.csr_matrix((15, 30), dtype=np.float32)]).tocsr()
    primal = scaled_inverse(padded, 2.0)  # 35 users >= 30 items
    np.testing.assert_allclose(dual, primal, atol=1e-5)
    np.testing.assert_allclose(dual, dual.T, atol=1e-6)
