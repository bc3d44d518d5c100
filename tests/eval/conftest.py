"""Shared fixtures for the evaluation tests: synthetic interactions and oracle models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.models.base import ModelConfig, Recommender


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path / "home"))


def synthetic(
    n_users: int = 30, n_items: int = 60, per_user: int = 20, seed: int = 7
) -> InteractionData:
    """Each user has ``per_user`` distinct items with distinct timestamps, in shuffled input
    order (so input order is not time order)."""
    rng = np.random.default_rng(seed)
    users, items, times = [], [], []
    for u in range(n_users):
        chosen = rng.choice(n_items, size=per_user, replace=False)
        for j, i in enumerate(chosen):
            users.append(f"u{u:03d}")
            items.append(f"i{i:03d}")
            times.append(1_000 * u + j)
    order = rng.permutation(len(users))
    return InteractionData.from_ids(
        [users[k] for k in order],
        [items[k] for k in order],
        item_vocab=[f"i{i:03d}" for i in range(n_items)],
        timestamps=[times[k] for k in order],
    )


class OracleConfig(ModelConfig):
    reverse: bool = False


class Oracle(Recommender):
    """Knows each user's target items (looked up by their history): scores them highest
    (or lowest with ``reverse``); every other item scores ``-index / n_items``."""

    name = "oracle"
    config_class = OracleConfig
    config: OracleConfig

    def __init__(self, targets: dict[tuple[int, ...], np.ndarray], n_items: int, **kw: bool):
        super().__init__(OracleConfig(**kw))
        self.targets = targets
        self.n_items = n_items
        self.fitted = True

    def fit(self, data: InteractionData) -> Self:
        return self

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        out = np.tile(
            -np.arange(self.n_items, dtype=np.float32) / self.n_items, (len(histories), 1)
        )
        for row, hist in enumerate(histories):
            target = self.targets.get(tuple(sorted(int(i) for i in hist)))
            if target is not None:
                out[row, target] = -10.0 if self.config.reverse else 10.0
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return {}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        pass


def oracle_for(train: InteractionData, target: InteractionData, *, reverse: bool = False) -> Oracle:
    """An :class:`Oracle` whose targets are each user's items in ``target``."""
    hist = train.sequences()
    goal = target.sequences()
    targets = {tuple(sorted(int(i) for i in hist[u])): goal[u] for u in range(train.n_users)}
    return Oracle(targets, train.n_items, reverse=reverse)
