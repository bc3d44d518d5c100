"""SLIM against its definition: each column of ``W`` is a non-negative elastic-net fit of
that item's column from the other items' columns (checked through the optimality
conditions, not by calling scikit-learn again)."""

from __future__ import annotations

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.eval.metrics import top_k_items
from recpilot.models.base import history_matrix
from recpilot.models.registry import make_model
from recpilot.models.slim import SLIM, SLIMConfig
from recpilot.testing.models import random_interactions


def random_data(seed: int = 0) -> InteractionData:
    return random_interactions(60, 20, 0.3, seed)  # item 19 never seen


@pytest.mark.parametrize(("reg", "l1_ratio"), [(0.01, 0.1), (0.05, 0.5), (0.02, 0.0)])
def test_columns_satisfy_the_elastic_net_conditions(reg: float, l1_ratio: float) -> None:
    data = random_data()
    model = SLIM(SLIMConfig(reg=reg, l1_ratio=l1_ratio, max_iter=5000, tol=1e-10)).fit(data)
    x = data.matrix().toarray().astype(np.float64)
    w = model.weights.astype(np.float64)
    n_users = x.shape[0]
    assert (w >= 0).all()
    assert np.count_nonzero(w) > 0
    for j in range(x.shape[1]):
        # gradient of the smooth part of column j's objective, over the other items
        grad = x.T @ (x @ w[:, j] - x[:, j]) / n_users + reg * (1 - l1_ratio) * w[:, j]
        others = np.arange(x.shape[1]) != j
        active = others & (w[:, j] > 0)
        inactive = others & (w[:, j] == 0)
        np.testing.assert_allclose(grad[active], -reg * l1_ratio, atol=1e-4)
        assert (grad[inactive] >= -reg * l1_ratio - 1e-4).all(), j


def test_no_item_predicts_itself_and_an_unseen_item_predicts_nothing() -> None:
    model = SLIM(SLIMConfig(reg=0.01, l1_ratio=0.1)).fit(random_data())
    assert (np.diag(model.weights) == 0).all()
    assert (model.weights[:, 19] == 0).all() and (model.weights[19] == 0).all()


def test_scores_are_history_times_weights_and_seen_items_are_masked() -> None:
    data = random_data()
    model = SLIM(SLIMConfig(reg=0.01, l1_ratio=0.1)).fit(data)
    histories = [np.array([0, 3, 5]), np.array([7]), np.array([], dtype=np.int64)]
    scores = model.score(histories)
    assert scores.shape == (3, 20) and scores.dtype == np.float32
    expected = history_matrix(histories, 20).toarray() @ model.weights
    np.testing.assert_allclose(scores, expected, rtol=1e-6)
    top = top_k_items(scores, 5, history_matrix(histories, 20).tocsr())
    for row, history in zip(top, histories, strict=True):
        assert not set(row.tolist()) & set(history.tolist())


def test_same_seed_same_weights_and_the_seed_is_used() -> None:
    data = random_data(1)
    settings = {"reg": 0.01, "l1_ratio": 0.1, "max_iter": 3, "tol": 1e-12}
    first = make_model("slim", seed=5, **settings).fit(data)
    second = make_model("slim", seed=5, **settings).fit(data)
    third = make_model("slim", seed=6, **settings).fit(data)
    np.testing.assert_array_equal(first.weights, second.weights)
    # three random-order sweeps stop short of the optimum, where the order shows
    assert not np.array_equal(first.weights, third.weights)


def test_too_many_items_is_refused_with_advice() -> None:
    from recpilot.errors import ModelError

    with pytest.raises(ModelError, match="max_items"):
        SLIM(SLIMConfig(max_items=10)).fit(random_data())
