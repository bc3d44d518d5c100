"""Split properties: partition, per-user ratios, determinism, temporal order."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.eval.splits import random_split, split_counts, temporal_leave_last_out

from .conftest import synthetic


def _pairs(data: InteractionData) -> Counter[tuple[int, int, int]]:
    ts = data.timestamps if data.timestamps is not None else np.zeros(len(data), dtype=np.int64)
    return Counter(zip(data.users.tolist(), data.items.tolist(), ts.tolist(), strict=True))


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (10, [8, 1, 1]),  # exact 10 %
        (20, [16, 2, 2]),
        (25, [21, 2, 2]),  # int(2.5) = 2 for valid and test, train takes the rest
        (4, [2, 1, 1]),  # 0.4 rounds to 0; both held-out parts are topped up to 1
        (3, [1, 1, 1]),
        (2, [1, 0, 1]),  # test topped up first (from the last part); then train has 1 left
        (1, [1, 0, 0]),  # a single interaction stays in train
    ],
)
def test_split_counts_follow_recbole_rounding(total: int, expected: list[int]) -> None:
    assert split_counts(total, (0.8, 0.1, 0.1)) == expected


def test_random_split_is_a_partition_with_per_user_ratios() -> None:
    data = synthetic(n_users=30, per_user=20)
    split = random_split(data, seed=2020)
    # every interaction lands in exactly one part (multiset union equals the input)
    assert _pairs(split.train) + _pairs(split.valid) + _pairs(split.test) == _pairs(data)
    assert len(split.train) + len(split.valid) + len(split.test) == len(data)
    # 20 interactions per user → 16 / 2 / 2 for every user
    for part, want in ((split.train, 16), (split.valid, 2), (split.test, 2)):
        counts = np.bincount(part.users, minlength=data.n_users)
        assert counts.tolist() == [want] * data.n_users
    # same vocabularies everywhere
    for part in (split.train, split.valid, split.test):
        assert part.item_ids is data.item_ids and part.user_ids is data.user_ids


def test_random_split_is_deterministic_by_seed() -> None:
    data = synthetic()
    a, b = random_split(data, seed=11), random_split(data, seed=11)
    c = random_split(data, seed=12)
    assert np.array_equal(a.test.items, b.test.items) and np.array_equal(a.test.users, b.test.users)
    assert a.key == b.key
    assert _pairs(a.test) != _pairs(c.test)  # 60 test picks: two seeds agreeing is ~impossible
    assert a.key != c.key


def test_random_split_small_users() -> None:
    # user a: 1 interaction, b: 2, c: 3
    data = InteractionData.from_ids(
        ["a", "b", "b", "c", "c", "c"],
        ["x", "x", "y", "x", "y", "z"],
        timestamps=[1, 1, 2, 1, 2, 3],
    )
    split = random_split(data, seed=0)
    by_user = {
        name: np.bincount(part.users, minlength=3).tolist()
        for name, part in (("train", split.train), ("valid", split.valid), ("test", split.test))
    }
    assert by_user == {"train": [1, 1, 1], "valid": [0, 0, 1], "test": [0, 1, 1]}


def test_bad_ratios_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="ratios"):
        random_split(synthetic(), ratios=(0.0, 0.5, 0.5))


def test_temporal_split_holds_out_the_latest_interactions() -> None:
    data = synthetic(n_users=12, per_user=9)
    split = temporal_leave_last_out(data)
    assert _pairs(split.train) + _pairs(split.valid) + _pairs(split.test) == _pairs(data)
    assert split.seed is None and split.name == "temporal"
    assert split.train.timestamps is not None
    assert split.valid.timestamps is not None and split.test.timestamps is not None
    for u in range(data.n_users):
        times = np.sort(data.timestamps[data.users == u])  # type: ignore[index]
        # synthetic times are 1000*u + j, j = 0..8: the test item is the max, valid the next
        assert split.test.timestamps[split.test.users == u].tolist() == [times[-1]]
        assert split.valid.timestamps[split.valid.users == u].tolist() == [times[-2]]
        assert split.train.timestamps[split.train.users == u].max() < times[-2]


def test_temporal_split_short_users_and_missing_times() -> None:
    data = InteractionData.from_ids(
        ["a", "b", "b"], ["x", "y", "x"], timestamps=[5, 9, 3]
    )  # a: one interaction; b: y at t=9 (latest), x at t=3
    split = temporal_leave_last_out(data)
    assert split.train.users.tolist() == [0, 1] and split.train.items.tolist() == [0, 0]
    assert len(split.valid) == 0
    assert split.test.users.tolist() == [1] and split.test.items.tolist() == [1]  # y
    with pytest.raises(ConfigError, match="timestamps"):
        temporal_leave_last_out(InteractionData.from_ids(["a"], ["x"]))
