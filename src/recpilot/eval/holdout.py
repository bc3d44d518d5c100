"""Held-out targets for conversational evaluation (the InteRecAgent / iEvaLM setup).

For every test user the target is their *last* interaction by time — the test item of
:func:`recpilot.eval.splits.temporal_leave_last_out`. The user's history is everything
before it. The models the agent uses are trained on the interactions with **every** user's
last interaction removed, so neither the session history nor the trained models have seen a
target: the agent learns about the target only from the simulated user's messages.

:class:`HeldOutCatalog` is the catalog the agent is built over: it answers every catalog
question from the real catalog but reports the pre-target interactions, so
:func:`recpilot.agent.build.build_agent` trains (and caches) its models on them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.eval.splits import temporal_leave_last_out
from recpilot.tools.resolve import display_title

if TYPE_CHECKING:
    from recpilot.catalog.store import Catalog

log = logging.getLogger(__name__)

MIN_HISTORY = 5


@dataclass(frozen=True)
class ItemInfo:
    """What a simulated user may know about an item."""

    item_id: str
    title: str  # display form ("The Godfather")
    genres: tuple[str, ...]
    year: int | None


@dataclass(frozen=True)
class UserCase:
    """One test user: their history (oldest first, target excluded) and the hidden target."""

    user_id: str
    target_id: str
    history: tuple[str, ...]


@dataclass(frozen=True)
class HeldOut:
    """The evaluation setup: test users, the pre-target interactions and item facts."""

    dataset: str
    cases: tuple[UserCase, ...]
    train: InteractionData  # every interaction except each user's last
    items: dict[str, ItemInfo]
    seed: int

    def describe(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "users": len(self.cases),
            "seed": self.seed,
            "target": "last interaction by time (temporal leave-last-out test item)",
            "train_interactions": len(self.train),
            "models_trained_on": "all interactions minus every user's last one",
        }


def item_infos(catalog: Catalog, genre_attribute: str = "genres") -> dict[str, ItemInfo]:
    """Title (display form), genres and year of every catalog item."""
    out: dict[str, ItemInfo] = {}
    for item in catalog.get_items(catalog.item_ids()):
        raw = item.attributes.get(genre_attribute) or []
        genres = (
            tuple(str(g) for g in raw if str(g).lower() != "unknown")
            if isinstance(raw, list)
            else ()
        )
        year = item.attributes.get("year")
        out[item.item_id] = ItemInfo(
            item_id=item.item_id,
            title=display_title(item.title),
            genres=genres,
            year=int(year)
            if isinstance(year, int | float) and not isinstance(year, bool)
            else None,
        )
    return out


def pre_target_data(data: InteractionData) -> tuple[InteractionData, dict[int, int]]:
    """The interactions without each user's last one, and user index → target item index."""
    test = temporal_leave_last_out(data).test
    targets = {int(u): int(i) for u, i in zip(test.users, test.items, strict=True)}
    held = np.array(
        [targets.get(int(u), -1) == int(i) for u, i in zip(data.users, data.items, strict=True)]
    )
    return data.subset(~held), targets


def make_holdout(catalog: Catalog, *, users: int, seed: int = 0) -> HeldOut:
    """``users`` test users drawn with ``numpy.random.default_rng(seed)`` among users with at
    least :data:`MIN_HISTORY` interactions before their target."""
    if users <= 0:
        raise ConfigError(f"--users must be positive, got {users}")
    data = catalog.interactions()
    if data.timestamps is None:
        raise ConfigError(
            f"dataset {catalog.name!r} has no timestamps, so there is no 'later' interaction "
            "to hold out; ingest a timestamp column"
        )
    train, targets = pre_target_data(data)
    sequences = train.sequences()
    eligible = sorted(u for u in targets if len(sequences[u]) >= MIN_HISTORY)
    if not eligible:
        raise ConfigError(f"no user in {catalog.name!r} has {MIN_HISTORY}+ interactions")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(eligible), size=min(users, len(eligible)), replace=False)
    cases = tuple(
        UserCase(
            user_id=str(data.user_ids[eligible[c]]),
            target_id=str(data.item_ids[targets[eligible[c]]]),
            history=tuple(str(data.item_ids[i]) for i in sequences[eligible[c]]),
        )
        for c in chosen
    )
    log.info("holdout dataset=%s users=%d seed=%d", catalog.name, len(cases), seed)
    return HeldOut(catalog.name, cases, train, item_infos(catalog), seed)


class HeldOutCatalog:
    """The real catalog, except that :meth:`interactions` returns the pre-target data."""

    def __init__(self, catalog: Catalog, train: InteractionData) -> None:
        self._catalog = catalog
        self._train = train

    def interactions(self) -> InteractionData:
        return self._train

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalog, name)

    def as_catalog(self) -> Catalog:
        """This view typed as a :class:`Catalog` (it answers the same calls)."""
        return cast("Catalog", self)
