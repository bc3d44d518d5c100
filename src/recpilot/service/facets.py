"""Which catalog attributes the conversation service reasons with, and item facts over them.

Memory is catalog-generic: an item is known by its categorical values and the period of its
time-like attribute. Which attribute is *time-like*, and which categorical attribute is the
*primary* one (used to spread popular picks for a new user and to ask about their taste),
is the catalog profile's business (its ``time`` and ``category`` roles).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import numpy as np

from recpilot.agent.agent import Agent
from recpilot.catalog.profile import Role
from recpilot.catalog.schema import Item
from recpilot.memory.profile import ItemFacts, decade


class CatalogFacets:
    def __init__(self, agent: Agent) -> None:
        self.catalog = agent.catalog
        self.models = agent.models
        profile = agent.profile
        self.categorical = [a.name for a in profile.categorical]
        self.numeric = [a.name for a in profile.numeric]
        self.primary: str | None = profile.roles.get(Role.category)
        self.time: str | None = profile.roles.get(Role.time)
        pop = np.asarray(self.models.popularity, dtype=np.float64)
        ranks = pop.argsort(kind="stable").argsort(kind="stable")
        self._pop_pct = ranks / max(len(pop) - 1, 1)

    @cached_property
    def values(self) -> dict[str, set[str]]:
        """Each categorical attribute's values in the catalog."""
        return {a: set(self.catalog.categorical_values(a)) for a in self.categorical}

    def primary_values(self, n: int = 3) -> list[str]:
        """A few values of the primary attribute, for a question to a new user."""
        return sorted(self.values.get(self.primary, set()))[:n] if self.primary else []

    def item_facts(self, item: Item) -> ItemFacts:
        values: dict[str, list[str]] = {}
        for attribute in self.categorical:
            raw = item.attributes.get(attribute)
            if isinstance(raw, list) and raw:
                values[attribute] = [str(v) for v in raw]
        periods: dict[str, str] = {}
        if self.time is not None:
            raw_time = item.attributes.get(self.time)
            if isinstance(raw_time, int | float) and (name := decade(raw_time)) is not None:
                periods[self.time] = name
        k = self.models.index.get(item.item_id)
        return ItemFacts(
            item_id=item.item_id,
            title=item.title,
            values=values,
            periods=periods,
            popularity_percentile=None if k is None else float(self._pop_pct[k]),
        )

    def facts(self, ids: Sequence[str]) -> list[ItemFacts]:
        """Facts for the known ids, in the given order (unknown ids left out)."""
        return [self.item_facts(item) for item in self.catalog.get_items(list(ids))]

    def lead_value(self, facts: ItemFacts) -> str:
        """The item's first value of the primary attribute ("" when it has none)."""
        values = facts.values.get(self.primary, []) if self.primary else []
        return values[0] if values else ""
