"""Diversity, novelty and popularity-bias control: maximal marginal relevance over the bus.

One knob, ``diversity`` (λ in [0, 1]), decides which of the bus's candidates ``finalize``
keeps. The ``n`` items are picked greedily (maximal marginal relevance); each pick maximises

    (1 - λ) · relevance(i) - λ · [(1 - β) · mean_{j picked} similarity(i, j) + β · popularity(i)]

where ``relevance`` is the bus order's score scaled to [0, 1] over the pool, ``similarity``
the cosine of two items' values of the catalog's main category (the profile's category role,
whatever the catalog calls it; item-CF neighbours' scores for a catalog without one) and
``popularity`` the item's popularity percentile in the catalog (β =
``popularity_share``). The mean similarity to what is already picked (rather than the
classic maximum) is what intra-list diversity measures, and gave the better trade-off on
MovieLens (docs/diversity.md).

MMR chooses *which* items are shown; they are shown in the bus's own (relevance) order. A
list's variety does not depend on its order, but its accuracy does: showing the picked set in
pick order put the items picked for variety above better-scored ones, and on MovieLens that
cost about as much NDCG again as the choice of items itself (docs/diversity.md).

λ = 0 is the bus order exactly (nothing is computed); λ = 1 ignores relevance. Only the best
``pool`` candidates of the bus are considered, and an item is never added: the re-ranker only
chooses among what the bus already holds.

``DEFAULT_DIVERSITY`` was chosen from the measured curve (``recpilot eval diversity``,
docs/diversity.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from recpilot.tools.bus import Candidate, CandidateBus
from recpilot.tools.suite import ModelSuite

DEFAULT_DIVERSITY = 0.5
POPULARITY_SHARE = 0.1
POOL = 300

Similarity = Callable[[int], np.ndarray]  # pool position -> similarity of every pool item to it


@dataclass(frozen=True)
class DiversifyConfig:
    diversity: float = DEFAULT_DIVERSITY  # λ: 0 = the bus order, 1 = variety and novelty only
    popularity_share: float = POPULARITY_SHARE  # β: the popularity penalty's share of λ's term
    pool: int = POOL  # candidates considered (the best of the bus, in its order)

    def __post_init__(self) -> None:
        check_diversity(self.diversity)
        if not 0.0 <= self.popularity_share <= 1.0:
            raise ValueError(f"popularity_share must be in [0, 1], got {self.popularity_share}")
        if self.pool < 1:
            raise ValueError(f"pool must be at least 1, got {self.pool}")


def check_diversity(value: float) -> float:
    """``value`` when it is a number in [0, 1]; ValueError saying so otherwise."""
    if not isinstance(value, int | float) or math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(
            f"diversity must be a number from 0 (off) to 1 (most varied), got {value!r}"
        )
    return float(value)


def relevance(scores: Sequence[float | None]) -> np.ndarray:
    """Scores in bus order scaled to [0, 1] (min-max over the finite ones); without usable
    scores (all missing or equal) the bus position decides: 1 for the first, falling linearly."""
    n = len(scores)
    raw = np.array([np.nan if s is None else s for s in scores], dtype=np.float64)
    finite = np.isfinite(raw)
    if finite.any():
        low, high = float(raw[finite].min()), float(raw[finite].max())
        if high > low:
            return np.where(finite, (raw - low) / (high - low), 0.0)
    return 1.0 - np.arange(n, dtype=np.float64) / max(n, 1)


def popularity_percentile(popularity: np.ndarray) -> np.ndarray:
    """Each item's popularity percentile in [0, 1] (the share of items strictly less popular,
    ties sharing the mean rank): 0 for the least known items, 1 for the most popular."""
    pop = np.asarray(popularity, dtype=np.float64)
    n = len(pop)
    if n <= 1:
        return np.zeros(n, dtype=np.float64)
    order = np.argsort(pop, kind="stable")
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.arange(n, dtype=np.float64)
    # ties: the mean rank of their group
    _, inverse, counts = np.unique(pop, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse] / (n - 1)


def percentile_of(sorted_popularity: np.ndarray, values: np.ndarray) -> np.ndarray:
    """:func:`popularity_percentile` of the given popularities, read off the sorted
    popularity of every item (the same mean rank for ties)."""
    n = len(sorted_popularity)
    if n <= 1:
        return np.zeros(len(values), dtype=np.float64)
    low = np.searchsorted(sorted_popularity, values, side="left")
    high = np.searchsorted(sorted_popularity, values, side="right")
    return (low + (high - low - 1) / 2.0) / (n - 1)


def mmr(
    rel: np.ndarray,
    similarity: Similarity,
    penalty: np.ndarray,
    diversity: float,
    k: int,
    popularity_share: float = POPULARITY_SHARE,
) -> np.ndarray:
    """Positions of the ``k`` items MMR picks from a pool, in pick order.

    ``rel``: relevance in [0, 1] per pool item (ties keep pool order); ``similarity(j)``: every
    pool item's similarity to item ``j``; ``penalty``: popularity percentile per pool item.
    """
    n = len(rel)
    k = min(k, n)
    if diversity == 0.0 or n == 0:
        return np.arange(k)
    lam, beta = diversity, popularity_share
    base = (1.0 - lam) * rel - lam * beta * penalty
    total = np.zeros(n, dtype=np.float64)  # summed similarity to the picked items
    free = np.ones(n, dtype=bool)
    picked: list[int] = []
    for step in range(k):
        mean = total / step if step else total
        gain = np.where(free, base - lam * (1.0 - beta) * mean, -np.inf)
        best = int(np.argmax(gain))  # the first of equal gains: pool order breaks ties
        picked.append(best)
        free[best] = False
        total += similarity(best)
    return np.array(picked, dtype=np.int64)


def select(
    rel: np.ndarray,
    similarity: Similarity,
    penalty: np.ndarray,
    diversity: float,
    k: int,
    popularity_share: float = POPULARITY_SHARE,
) -> np.ndarray:
    """Positions of the ``k`` items :func:`mmr` picks, in pool order (the order shown)."""
    return np.sort(mmr(rel, similarity, penalty, diversity, k, popularity_share))


def category_similarity(features: np.ndarray) -> Similarity:
    """Cosine over L2-normalised category rows (an item without values is like nothing)."""
    return lambda j: features @ features[j]


def diversify(bus: CandidateBus, models: ModelSuite, n: int, config: DiversifyConfig) -> str:
    """Keep the ``n`` candidates MMR picks, in bus order; returns how the pool was judged
    ("" when λ = 0, which keeps the bus's first ``n`` exactly as they are)."""
    if config.diversity == 0.0 or len(bus) <= 1:
        bus.candidates = bus.top(n)
        return ""
    pool = bus.top(config.pool)
    index = [models.index.get(c.item_id, -1) for c in pool]
    known = np.array([k for k in index if k >= 0], dtype=np.int64)
    at = np.array(index, dtype=np.int64)
    penalty = np.zeros(len(pool), dtype=np.float64)
    if len(known):  # percentiles of the pool's items only (a million-item sort per turn costs)
        penalty[at >= 0] = percentile_of(models.sorted_popularity, models.popularity[known])
    similarity, judged = _similarity(models, at)
    order = select(
        relevance([c.score for c in pool]),
        similarity,
        penalty,
        config.diversity,
        n,
        config.popularity_share,
    )
    chosen: list[Candidate] = [pool[k] for k in order]
    for candidate, k in zip(chosen, order, strict=True):
        if k >= n:  # not in the plain top n: it is here for variety, not its score alone
            candidate.evidence.append("adds variety")
    bus.candidates = chosen
    return (
        f"diversity {config.diversity:g} ({judged}, popularity share {config.popularity_share:g})"
    )


def _similarity(models: ModelSuite, at: np.ndarray) -> tuple[Similarity, str]:
    """Pool similarity from the main category when the catalog has one, else from the
    item-CF model's neighbour scores (scaled to [0, 1] per item)."""
    if models.categories is not None:
        width = models.categories.shape[1]
        features = np.zeros((len(at), width), dtype=np.float64)
        features[at >= 0] = models.categories[at[at >= 0]]
        return category_similarity(features), "by category"

    def neighbours(j: int) -> np.ndarray:
        out = np.zeros(len(at), dtype=np.float64)
        if at[j] < 0:
            return out
        scores = np.nan_to_num(models.similar.score([at[j : j + 1]])[0], nan=0.0, neginf=0.0)
        row = np.clip(scores[at[at >= 0]], 0.0, None)
        top = float(row.max()) if row.size else 0.0
        out[at >= 0] = row / top if top > 0 else row
        out[j] = 1.0
        return out

    return neighbours, "by item-CF neighbours"
