"""Simulated users browsing pages of recommendations: the rules-based decision model.

For user ``u`` and item ``i`` (all terms in [0, 1] except ``appetite`` in [-0.5, 0.5])::

    taste(u, i)    = the share of the user's train items that fall in the item's category
                     values (the sum of their taste shares over the item's values, ≤ 1)
    pop(i)         = the item's train popularity percentile
    novelty(u, i)  = share of the item's category values the user never had in train
    logit          = bias + w_taste·taste + w_pop·conformity·pop + w_novelty·appetite·novelty
    P(watch)       = 1 / (1 + exp(-logit))

A watched item is rated ``round(1 + 4·taste / best + noise)`` clipped to 1..5, where ``best``
is the user's largest taste match over all items. A page with no watch
costs one unit of patience; when patience is spent the user leaves. Every action carries a
reason built from these terms. Randomness comes from a generator seeded per user, so every
system sees the same user draw the same numbers (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, Field

from recpilot.eval.population_profiles import ItemFacts, UserProfile


class RulesWeights(BaseModel):
    """Weights of the rules simulator's logistic decision model."""

    bias: float = -7.0
    taste: float = 2.0
    popularity: float = 6.0
    novelty: float = 1.0
    rating_noise: float = Field(0.5, ge=0.0)


@dataclass
class Action:
    """What the user did with one shown item, and why."""

    item_id: str
    title: str
    action: Literal["watch", "skip"]
    p_watch: float | None = None  # the rules simulator's probability (None for the LLM)
    rating: int | None = None
    reason: str = ""


@dataclass
class PageOutcome:
    """One page: the actions in shown order, and whether the user left after it."""

    page: int
    actions: list[Action] = field(default_factory=list)
    leave: bool = False
    reason: str = ""
    invalid: bool = False  # the LLM's answer could not be read (the page counts as skipped)

    @property
    def watched(self) -> list[str]:
        return [a.item_id for a in self.actions if a.action == "watch"]

    @property
    def skipped(self) -> list[str]:
        return [a.item_id for a in self.actions if a.action == "skip"]


class BrowseSession(Protocol):
    """One user's browse: one call per page shown."""

    def page(self, page: int, items: list[int]) -> PageOutcome: ...


class PageSimulator(Protocol):
    """A kind of simulated user. ``preference`` scores items for the agreement check
    (higher = more likely to be watched)."""

    @property
    def name(self) -> str: ...

    def session(self, user: UserProfile) -> BrowseSession: ...

    def preference(self, user: UserProfile, items: np.ndarray) -> np.ndarray: ...

    def describe(self) -> dict[str, object]: ...


@dataclass(frozen=True, eq=False)
class Terms:
    """The decision model's terms for one user over all items."""

    taste: np.ndarray
    novelty: np.ndarray
    popularity: np.ndarray
    logit: np.ndarray

    @property
    def taste_rel(self) -> np.ndarray:
        """Taste match over the user's best match (1 for their favourite kind of item)."""
        best = float(self.taste.max()) if len(self.taste) else 0.0
        return self.taste / best if best > 0 else self.taste

    @property
    def p_watch(self) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit))


def user_terms(facts: ItemFacts, user: UserProfile, w: RulesWeights) -> Terms:
    matrix = facts.matrix
    taste = np.minimum(matrix @ user.taste, 1.0).astype(np.float64)
    seen = (user.taste > 0).astype(np.float32)
    counts = matrix.sum(axis=1)
    novelty = np.divide(counts - matrix @ seen, counts, out=np.zeros(len(matrix)), where=counts > 0)
    pop = facts.pop_pct
    logit = (
        w.bias
        + w.taste * taste
        + w.popularity * user.conformity * pop
        + w.novelty * user.appetite * novelty
    )
    return Terms(taste, novelty, pop, logit)


def reason(facts: ItemFacts, terms: Terms, user: UserProfile, item: int, watched: bool) -> str:
    """``watch: taste 0.71 (Crime, Drama) + popularity 0.93×conformity 0.80 + novelty
    0.00×appetite +0.12 → p 0.42``"""
    labels = ", ".join(facts.labels(item)) or "no category"
    verb = "watch" if watched else "skip"
    return (
        f"{verb}: taste {terms.taste[item]:.2f} ({labels}) + popularity "
        f"{terms.popularity[item]:.2f}×conformity {user.conformity:.2f} + novelty "
        f"{terms.novelty[item]:.2f}×appetite {user.appetite:+.2f} → p {terms.p_watch[item]:.2f}"
    )


class RulesBrowse:
    """A rules-simulated user's browse (owns its RNG and remaining patience)."""

    def __init__(self, facts: ItemFacts, user: UserProfile, weights: RulesWeights) -> None:
        self.facts = facts
        self.user = user
        self.weights = weights
        self.terms = user_terms(facts, user, weights)
        self.taste_rel = self.terms.taste_rel
        self.rng = np.random.default_rng(user.seed)
        self.patience = user.patience

    def page(self, page: int, items: list[int]) -> PageOutcome:
        outcome = PageOutcome(page=page)
        p = self.terms.p_watch
        for i in items:
            watched = bool(self.rng.random() < p[i])
            rating = None
            if watched:
                noise = self.rng.normal(0.0, self.weights.rating_noise)
                rating = int(np.clip(round(1 + 4 * self.taste_rel[i] + noise), 1, 5))
            outcome.actions.append(
                Action(
                    item_id=self.facts.item_ids[i],
                    title=self.facts.titles[i],
                    action="watch" if watched else "skip",
                    p_watch=round(float(p[i]), 4),
                    rating=rating,
                    reason=reason(self.facts, self.terms, self.user, i, watched),
                )
            )
        if outcome.watched:
            outcome.reason = f"watched {len(outcome.watched)}; patience {self.patience} left"
            return outcome
        self.patience -= 1
        outcome.leave = self.patience <= 0 or not items
        outcome.reason = (
            f"nothing to watch on this page; patience {self.patience} of {self.user.patience}"
            + (" — leaving" if outcome.leave else "")
        )
        return outcome


@dataclass(frozen=True)
class RulesSimulator:
    """The fast, deterministic-given-seed simulator (no LLM)."""

    facts: ItemFacts
    weights: RulesWeights = field(default_factory=RulesWeights)
    name: str = "rules"

    def session(self, user: UserProfile) -> RulesBrowse:
        return RulesBrowse(self.facts, user, self.weights)

    def preference(self, user: UserProfile, items: np.ndarray) -> np.ndarray:
        return user_terms(self.facts, user, self.weights).p_watch[items]

    def describe(self) -> dict[str, object]:
        return {"simulator": self.name, "weights": self.weights.model_dump()}
