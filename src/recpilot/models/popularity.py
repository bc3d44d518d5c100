"""Most-popular baseline: every history gets the same scores, the number of users per item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np

from recpilot.catalog.interactions import InteractionData

from .base import ModelConfig, Recommender


class PopularityConfig(ModelConfig):
    """Popularity has nothing to tune."""


class Popularity(Recommender):
    """Scores each item by how many distinct users interacted with it (history ignored)."""

    name = "pop"
    config_class = PopularityConfig

    def __init__(self, config: PopularityConfig | None = None) -> None:
        super().__init__(config)
        self.counts = np.zeros(0, dtype=np.float32)

    def fit(self, data: InteractionData) -> Self:
        self.counts = data.item_popularity().astype(np.float32)
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return np.tile(self.counts, (len(histories), 1))

    def _state(self) -> dict[str, np.ndarray]:
        return {"counts": self.counts}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.counts = arrays["counts"].astype(np.float32)
