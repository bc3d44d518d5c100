"""The MMR re-ranker on planted buses: setting 0 is the bus order, setting 1 spreads the
categories, the picked items are shown in bus order, and nothing outside the bus is ever
recommended."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.models.registry import make_model
from recpilot.tools.bus import CandidateBus
from recpilot.tools.diversify import (
    DiversifyConfig,
    check_diversity,
    diversify,
    mmr,
    popularity_percentile,
    select,
)
from recpilot.tools.suite import ModelSuite

# 12 items in three categories; the bus ranks all of category A first.
CATEGORY = {f"a{k}": 0 for k in range(6)} | {f"b{k}": 1 for k in range(3)} | {f"c{k}": 2 for k in range(3)}  # fmt: skip
ORDER = [*(f"a{k}" for k in range(6)), *(f"b{k}" for k in range(3)), *(f"c{k}" for k in range(3))]


@pytest.fixture(scope="module")
def suite() -> ModelSuite:
    ids = [*ORDER, "outside"]
    data = InteractionData.from_ids(["u1", "u2", "u2"], ["a0", "a0", "b0"], item_vocab=ids)
    pop = make_model("pop").fit(data)
    categories = np.zeros((len(ids), 3), dtype=np.float32)
    for k, item in enumerate(ORDER):
        categories[k, CATEGORY[item]] = 1.0
    categories[-1, 2] = 1.0
    return ModelSuite(
        item_ids=ids,
        personal=pop,
        similar=pop,
        popularity=np.array([50, 40, 30, 20, 10, 5, 3, 2, 1, 3, 2, 1, 0], dtype=np.float64),
        categories=categories,
    )


def _bus() -> CandidateBus:
    bus = CandidateBus()
    bus.fill(ORDER, [1.0 - k * 0.01 for k in range(len(ORDER))], "planted")
    return bus


def test_setting_zero_leaves_the_bus_order_exactly(suite: ModelSuite) -> None:
    bus = _bus()
    assert diversify(bus, suite, 5, DiversifyConfig(diversity=0.0)) == ""
    assert bus.ids() == ORDER[:5]
    assert all(c.evidence == ["planted"] for c in bus.candidates)
    assert list(mmr(np.linspace(1, 0, 8), lambda j: np.zeros(8), np.ones(8), 0.0, 5)) == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_setting_one_picks_every_category_first(suite: ModelSuite) -> None:
    bus = _bus()
    how = diversify(bus, suite, 3, DiversifyConfig(diversity=1.0))
    assert "by category" in how
    assert sorted(CATEGORY[i] for i in bus.ids()) == [0, 1, 2]
    plain = _bus()
    diversify(plain, suite, 3, DiversifyConfig(diversity=0.0))
    assert {CATEGORY[i] for i in plain.ids()} == {0}


def test_a_middle_setting_keeps_the_best_item_first_and_marks_what_moved_up(
    suite: ModelSuite,
) -> None:
    bus = _bus()
    diversify(bus, suite, 4, DiversifyConfig(diversity=0.6))
    assert bus.ids()[0] == "a0"
    assert len({CATEGORY[i] for i in bus.ids()}) == 3
    moved = [c for c in bus.candidates if c.item_id[0] != "a"]
    assert moved and all("adds variety" in c.evidence for c in moved)


@pytest.mark.parametrize("setting", [0.0, 0.1, 0.3, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("n", [1, 5, 12, 20])
def test_never_an_item_outside_the_bus(suite: ModelSuite, setting: float, n: int) -> None:
    rng = np.random.default_rng(int(setting * 10) + n)
    ids = list(rng.permutation(ORDER)[:9])
    bus = CandidateBus()
    bus.fill(ids, list(rng.normal(size=len(ids))), "random")
    diversify(bus, suite, n, DiversifyConfig(diversity=setting))
    assert set(bus.ids()) <= set(ids) and "outside" not in bus.ids()
    assert len(bus.ids()) == len(set(bus.ids())) == min(n, len(ids))


def test_the_popularity_penalty_prefers_less_known_items(suite: ModelSuite) -> None:
    bus = CandidateBus()
    bus.fill(["a0", "a5"], [1.0, 0.99], "close")  # same category; a0 is the most popular
    diversify(bus, suite, 1, DiversifyConfig(diversity=0.9, popularity_share=1.0))
    assert bus.ids() == ["a5"]
    no_penalty = CandidateBus()
    no_penalty.fill(["a0", "a5"], [1.0, 0.99], "close")
    diversify(no_penalty, suite, 1, DiversifyConfig(diversity=0.9, popularity_share=0.0))
    assert no_penalty.ids() == ["a0"]


def test_settings_are_checked() -> None:
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="diversity must be a number from 0"):
            check_diversity(bad)
    assert check_diversity(1) == 1.0
    assert list(popularity_percentile(np.array([5.0, 1.0, 5.0, 0.0]))) == [
        pytest.approx(5 / 6),
        pytest.approx(1 / 3),
        pytest.approx(5 / 6),
        0.0,
    ]


def test_without_a_category_item_cf_neighbours_judge_similarity() -> None:
    # Two co-watched groups: a0-a2 always together, b0-b2 always together.
    users, items = [], []
    for u in range(20):
        group = "a" if u % 2 else "b"
        for k in range(3):
            users.append(f"u{u}")
            items.append(f"{group}{k}")
    ids = ["a0", "a1", "a2", "b0", "b1", "b2"]
    data = InteractionData.from_ids(users, items, item_vocab=ids)
    suite = ModelSuite(
        item_ids=ids,
        personal=make_model("pop").fit(data),
        similar=make_model("itemknn").fit(data),
        popularity=data.item_popularity(),
    )
    bus = CandidateBus()
    bus.fill(ids, [1.0, 0.9, 0.8, 0.7, 0.6, 0.5], "planted")
    how = diversify(bus, suite, 2, DiversifyConfig(diversity=0.8, popularity_share=0.0))
    assert "item-CF" in how
    assert bus.ids() == ["a0", "b0"]


def test_the_picked_items_are_shown_in_bus_order_and_only_newcomers_add_variety(
    suite: ModelSuite,
) -> None:
    bus = _bus()
    diversify(bus, suite, 4, DiversifyConfig(diversity=0.6))
    ids = bus.ids()
    assert ids == sorted(ids, key=ORDER.index)  # MMR chose them; the bus order shows them
    for c in bus.candidates:
        newcomer = ORDER.index(c.item_id) >= 4  # not in the plain top 4
        assert ("adds variety" in c.evidence) == newcomer, c.item_id
    assert any("adds variety" in c.evidence for c in bus.candidates)


def test_select_is_the_mmr_set_in_pool_order() -> None:
    rng = np.random.default_rng(7)
    features = rng.random((30, 5))
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    rel = np.sort(rng.random(30))[::-1]
    for setting in (0.0, 0.3, 0.7, 1.0):
        picked = mmr(rel, lambda j: features @ features[j], np.zeros(30), setting, 8)
        shown = select(rel, lambda j: features @ features[j], np.zeros(30), setting, 8)
        assert sorted(picked.tolist()) == shown.tolist()
    assert select(rel, lambda j: features @ features[j], np.zeros(30), 0.0, 8).tolist() == list(
        range(8)
    )


def _ild(features: np.ndarray, shown: np.ndarray) -> float:
    f = features[shown]
    sims = f @ f.T
    k = len(shown)
    return 1.0 - float((sims.sum() - np.trace(sims)) / (k * (k - 1)))


def test_more_diversity_never_lowers_intra_list_diversity_on_planted_clusters() -> None:
    # 40 items in 4 categories, the best 10 all in category 0, relevance falling slowly.
    cats = np.array([0] * 10 + [1, 2, 3] * 10)
    features = np.eye(4)[cats]
    rel = np.linspace(1.0, 0.6, 40)
    ilds = [
        _ild(features, select(rel, lambda j: features @ features[j], np.zeros(40), d, 8))
        for d in np.linspace(0.0, 1.0, 11)
    ]
    assert ilds[0] == 0.0  # the plain top 8 is one category
    assert all(b >= a for a, b in itertools.pairwise(ilds)), ilds
    assert ilds[-1] > 0.7


def test_a_redundant_runner_up_gives_way_to_a_different_item() -> None:
    # Three items: the runner-up is a copy of the best; the third is different but scores less.
    features = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    rel = np.array([1.0, 0.9, 0.7])
    similarity = lambda j: features @ features[j]  # noqa: E731
    assert select(rel, similarity, np.zeros(3), 0.0, 2).tolist() == [0, 1]
    assert select(rel, similarity, np.zeros(3), 0.5, 2).tolist() == [0, 2]
