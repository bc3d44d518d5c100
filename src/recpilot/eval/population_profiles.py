"""Simulated users built from real interaction histories (the Agent4Rec / RecAgent setup).

Every profile is read from the **train** part of a split only; the held-out part (valid +
test) is kept beside it as the truth the simulator's preferences are checked against.

* **taste** — the distribution of the user's items over the values of the catalog's
  category attribute (the profile role ``category``: genres for movies, category for a shop);
  an item with several values spreads its weight over them.
* **activity** — the number of train interactions; its percentile among the users sets the
  **patience**: how many pages in a row without anything worth watching they tolerate.
* **conformity** — the mean popularity percentile of their items (1 = only blockbusters).
* **diversity appetite** — the entropy of their taste, normalised by the largest possible
  entropy; ``appetite`` is its percentile among the users minus 0.5, so it is positive for
  users more eclectic than most and negative for narrower ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from recpilot.catalog.profile import CatalogProfile, Role
from recpilot.catalog.store import Catalog
from recpilot.errors import ConfigError
from recpilot.eval.splits import Split
from recpilot.tools.resolve import display_title

log = logging.getLogger(__name__)

MIN_HISTORY = 5  # train interactions a real user needs to become a simulated one


@dataclass(frozen=True, eq=False)
class ItemFacts:
    """What the simulator knows about every item, aligned with the split's item indices."""

    item_ids: tuple[str, ...]
    titles: tuple[str, ...]
    attribute: str  # the catalog's category attribute
    values: tuple[str, ...]  # its values (columns of ``matrix``)
    matrix: np.ndarray  # items × values, 1 where the item has the value
    popularity: np.ndarray  # train interactions per item
    pop_pct: np.ndarray  # popularity percentile in [0, 1] (ties share the mean rank)

    @classmethod
    def build(
        cls,
        item_ids: tuple[str, ...],
        titles: tuple[str, ...],
        attribute: str,
        per_item: list[list[str]],
        popularity: np.ndarray,
    ) -> ItemFacts:
        """Facts from each item's category values (aligned with ``item_ids``)."""
        values = tuple(sorted({v for vs in per_item for v in vs}))
        if not values:
            raise ConfigError(f"the category attribute {attribute!r} has no values")
        col = {v: k for k, v in enumerate(values)}
        matrix = np.zeros((len(item_ids), len(values)), dtype=np.float32)
        for i, vs in enumerate(per_item):
            matrix[i, [col[v] for v in vs]] = 1.0
        pop = np.asarray(popularity, dtype=np.float64)
        return cls(item_ids, titles, attribute, values, matrix, pop, percentile(pop))

    def labels(self, item: int, limit: int = 3) -> list[str]:
        """The item's category values, at most ``limit``."""
        cols = np.flatnonzero(self.matrix[item])[:limit]
        return [self.values[c] for c in cols]


@dataclass(frozen=True, eq=False)
class UserProfile:
    """One simulated user. ``sim_id`` is unique; with more simulated users than real ones a
    real profile is reused with another ``seed`` (``"196#2"``)."""

    sim_id: str
    user_id: str
    history: tuple[int, ...]  # train item indices, oldest first
    heldout: tuple[int, ...]  # valid + test item indices not in train
    taste: np.ndarray  # distribution over ItemFacts.values (sums to 1)
    activity: int
    patience: int
    conformity: float
    diversity: float
    appetite: float
    seed: int

    def top_taste(self, facts: ItemFacts, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` largest taste shares, as (value, share)."""
        order = np.argsort(-self.taste, kind="stable")[:k]
        return [(facts.values[c], float(self.taste[c])) for c in order if self.taste[c] > 0]

    def describe(self, facts: ItemFacts) -> dict[str, object]:
        return {
            "sim_id": self.sim_id,
            "taste": {v: round(s, 3) for v, s in self.top_taste(facts, 5)},
            "activity": self.activity,
            "patience": self.patience,
            "conformity": round(self.conformity, 3),
            "diversity": round(self.diversity, 3),
            "appetite": round(self.appetite, 3),
        }


def percentile(values: np.ndarray) -> np.ndarray:
    """Each value's mid-rank percentile in [0, 1] (ties share their mean rank)."""
    n = len(values)
    if n <= 1:
        return np.full(n, 0.5)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.arange(n, dtype=np.float64)
    sorted_vals = values[order]
    # mean rank over each run of equal values
    _, start, counts = np.unique(sorted_vals, return_index=True, return_counts=True)
    mean_rank = start + (counts - 1) / 2.0
    ranks[order] = np.repeat(mean_rank, counts)
    return ranks / (n - 1)


def item_facts(catalog: Catalog, profile: CatalogProfile, split: Split) -> ItemFacts:
    """Category matrix, titles and train popularity of every item in ``split``'s vocabulary.
    Raises :class:`ConfigError` when the catalog has no category attribute (taste needs one)."""
    attribute = profile.roles.get(Role.category)
    if attribute is None:
        raise ConfigError(
            f"catalog {catalog.name!r} has no category attribute, so simulated users have no "
            "taste to read; name one in the catalog's profile file "
            '(<catalog>.profile.json: {"roles": {"category": "<attribute>"}})'
        )
    column = '"' + attribute.replace('"', '""') + '"'
    rows = dict(catalog.query(f"SELECT item_id, {column} FROM items"))
    item_ids = tuple(str(i) for i in split.train.item_ids)

    def as_values(raw: object) -> list[str]:
        if raw is None:
            return []
        found = raw if isinstance(raw, list | tuple) else [raw]
        return [str(v) for v in found if str(v).strip() and str(v).lower() != "unknown"]

    per_item = [as_values(rows.get(i)) for i in item_ids]
    titles = catalog.titles()
    return ItemFacts.build(
        item_ids,
        tuple(display_title(titles.get(i, i)) for i in item_ids),
        attribute,
        per_item,
        split.train.item_popularity(),
    )


def _taste(facts: ItemFacts, items: np.ndarray) -> np.ndarray:
    rows = facts.matrix[items]
    counts = rows.sum(axis=1, keepdims=True)
    spread = (rows / np.where(counts > 0, counts, 1.0)).sum(axis=0)
    total = spread.sum()
    return spread / total if total > 0 else spread


def _entropy(dist: np.ndarray) -> float:
    p = dist[dist > 0]
    if len(dist) <= 1 or len(p) == 0:
        return 0.0
    return float(-(p * np.log(p)).sum() / np.log(len(dist)))


def build_population(
    split: Split, facts: ItemFacts, *, users: int, seed: int = 0, max_patience: int = 3
) -> list[UserProfile]:
    """``users`` simulated users from the real users with at least :data:`MIN_HISTORY` train
    interactions and at least one held-out item. Real users are taken in a seeded order; when
    more simulated users are asked for than there are real ones, the order starts again and
    each reuse gets its own seed."""
    if users <= 0:
        raise ConfigError(f"--users must be positive, got {users}")
    if max_patience <= 0:
        raise ConfigError(f"max patience must be positive, got {max_patience}")
    train = split.train.sequences()
    held = [
        np.concatenate([a, b])
        for a, b in zip(split.valid.sequences(), split.test.sequences(), strict=True)
    ]
    eligible = [
        u
        for u in range(split.train.n_users)
        if len(train[u]) >= MIN_HISTORY and len(np.setdiff1d(held[u], train[u])) > 0
    ]
    if not eligible:
        raise ConfigError(
            f"no user has {MIN_HISTORY}+ train interactions and a held-out one; "
            "the dataset is too small for a population"
        )
    activity = np.array([len(train[u]) for u in eligible], dtype=np.float64)
    activity_pct = percentile(activity)
    tastes = [_taste(facts, train[u]) for u in eligible]
    diversity = np.array([_entropy(t) for t in tastes])
    appetite = percentile(diversity) - 0.5
    order = np.random.default_rng(seed).permutation(len(eligible))
    out: list[UserProfile] = []
    for n in range(users):
        k = int(order[n % len(eligible)])
        u = eligible[k]
        reuse = n // len(eligible)
        user_id = str(split.train.user_ids[u])
        history = train[u]
        out.append(
            UserProfile(
                sim_id=user_id if reuse == 0 else f"{user_id}#{reuse + 1}",
                user_id=user_id,
                history=tuple(int(i) for i in history),
                heldout=tuple(int(i) for i in np.setdiff1d(held[u], history)),
                taste=tastes[k],
                activity=int(activity[k]),
                patience=min(max_patience, 1 + int(activity_pct[k] * max_patience)),
                conformity=float(facts.pop_pct[history].mean()),
                diversity=float(diversity[k]),
                appetite=float(appetite[k]),
                seed=seed * 1_000_003 + n,
            )
        )
    log.info("population users=%d real=%d seed=%d", len(out), len(eligible), seed)
    return out
