"""Per-item history weights (a profile's decayed weights) for the linear item-item models."""

from __future__ import annotations

import numpy as np
import pytest
from modeldata import BLOCK_A, BLOCK_B, block_data

from recpilot.errors import ModelError
from recpilot.models.registry import make_model


@pytest.mark.parametrize("name", ["ease", "itemknn"])
def test_uniform_weights_equal_unweighted(name: str) -> None:
    model = make_model(name).fit(block_data())
    history = [BLOCK_A[0], BLOCK_B[0]]
    plain = model.score([history])
    weighted = model.score([history], weights=[[1.0, 1.0]])
    np.testing.assert_allclose(weighted, plain, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["ease", "itemknn"])
def test_heavier_item_pulls_its_block_up(name: str) -> None:
    """A mixed history: weighting the block-B item up (as a recent interaction would be)
    puts block B above block A, and the reverse weighting does the opposite."""
    model = make_model(name).fit(block_data())
    history = [BLOCK_A[0], BLOCK_B[0]]
    towards_b = model.score([history], weights=[[0.1, 1.0]])[0]
    towards_a = model.score([history], weights=[[1.0, 0.1]])[0]
    others_a, others_b = BLOCK_A[1:], BLOCK_B[1:]
    assert towards_b[others_b].min() > towards_b[others_a].max()
    assert towards_a[others_a].min() > towards_a[others_b].max()


def test_models_without_weight_support_ignore_them() -> None:
    model = make_model("pop").fit(block_data())
    np.testing.assert_array_equal(
        model.score([[1, 2]], weights=[[5.0, 0.1]]), model.score([[1, 2]])
    )


def test_misaligned_weights_are_an_error() -> None:
    model = make_model("ease").fit(block_data())
    with pytest.raises(ModelError, match="2 weights for a history of 3 items"):
        model.score([[1, 2, 3]], weights=[[1.0, 1.0]])


def test_ease_small_and_large_batches_agree() -> None:
    """EASE sums rows for a few histories and multiplies matrices for many: same scores."""
    from recpilot.models.linear import SMALL_BATCH

    model = make_model("ease").fit(block_data())
    histories = [[k % 20, (3 * k) % 20, (7 * k + 1) % 20] for k in range(SMALL_BATCH * 3)]
    weights = [[1.0, 0.5, 0.25] for _ in histories]
    batch = model.score(histories)
    single = np.vstack([model.score([h]) for h in histories])
    np.testing.assert_allclose(batch, single, rtol=1e-5, atol=1e-6)
    batch_w = model.score(histories, weights=weights)
    single_w = np.vstack(
        [model.score([h], weights=[w]) for h, w in zip(histories, weights, strict=True)]
    )
    np.testing.assert_allclose(batch_w, single_w, rtol=1e-5, atol=1e-6)
