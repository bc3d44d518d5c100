"""The ensemble: standardised member scores summed with weights."""

from __future__ import annotations

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.models.ensemble import Ensemble, EnsembleConfig, EnsembleMember, standardise
from recpilot.models.registry import make_model

HISTORIES = [np.array([0, 1, 2]), np.array([12]), np.array([], dtype=np.int64)]


def test_standardise_by_hand() -> None:
    scores = np.array([[10.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0]])
    out = standardise(scores, [np.array([0]), np.array([], dtype=np.int64)])
    # row 0: mean and spread of items 1..3 (item 0 is the history): mean 2, std sqrt(2/3)
    np.testing.assert_allclose(out[0], (scores[0] - 2.0) / np.sqrt(2.0 / 3.0))
    np.testing.assert_array_equal(out[1], 0.0)  # no spread: zeros, not NaN


def test_scores_are_the_weighted_sum_of_standardised_members(blocks: InteractionData) -> None:
    config = EnsembleConfig(
        members=(
            EnsembleMember(model="ease", weight=1.0, settings={"reg": 50.0}),
            EnsembleMember(model="pop", weight=0.3),
        )
    )
    model = Ensemble(config).fit(blocks)
    ease = make_model("ease", reg=50.0).fit(blocks).score(HISTORIES)
    pop = make_model("pop").fit(blocks).score(HISTORIES)
    expected = standardise(ease, HISTORIES) + 0.3 * standardise(pop, HISTORIES)
    np.testing.assert_allclose(model.score(HISTORIES), expected, rtol=1e-5, atol=1e-5)


def test_a_heavy_weight_decides_the_ranking(blocks: InteractionData) -> None:
    """EASE ranks the history's own block first; with popularity weighted 100 times more, the
    ensemble's top item is the most popular unseen one, whatever its block."""
    pop = make_model("pop").fit(blocks)
    ease = make_model("ease", reg=50.0).fit(blocks)
    members = (
        EnsembleMember(model="ease", weight=0.01, settings={"reg": 50.0}),
        EnsembleMember(model="pop", weight=1.0),
    )
    model = Ensemble.from_fitted(EnsembleConfig(members=members), [ease, pop])
    history = [0, 1, 2]
    top = model.similar(history, k=1)[0][0]
    assert top == pop.similar(history, k=1)[0][0]
    flipped = (
        members[0].model_copy(update={"weight": 1.0}),
        members[1].model_copy(update={"weight": 0.01}),
    )
    top_ease = Ensemble.from_fitted(EnsembleConfig(members=flipped), [ease, pop]).similar(
        history, k=1
    )[0][0]
    assert top_ease == ease.similar(history, k=1)[0][0]


def test_bad_members_are_refused(blocks: InteractionData) -> None:
    with pytest.raises(ConfigError, match="members: pop, itemknn"):
        make_model("ensemble", members=[{"model": "sasrec", "weight": 1.0}])
    with pytest.raises(ConfigError, match="weight"):
        make_model("ensemble", members=[{"model": "ease", "weight": 0.0}])
    with pytest.raises(ConfigError, match="members"):
        make_model("ensemble", members=[])
    ease = make_model("ease").fit(blocks)
    config = EnsembleConfig(members=(EnsembleMember(model="pop", weight=1.0),))
    with pytest.raises(ConfigError, match="do not match"):
        Ensemble.from_fitted(config, [ease])
