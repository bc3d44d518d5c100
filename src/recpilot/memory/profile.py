"""The user profile: a durable, typed record of one user's taste that evolves with decay.

Everything here is over the catalog's own attributes, never a movie's: an item is known by
its categorical values (``genres=Comedy``, ``author=Noor Haddad``) and the period of its
time-like attribute (``year=1990s``). Preferences are weights on items and on those
``attribute=value`` keys. Every observed event moves them by the exponential rule
``w(t+1) = w(t)·(1-η) + η·Δ`` (Δ is the event's signal on each key it touches, 0 on the
others), so old tastes fade as new evidence comes in.

Stated preferences are :class:`Expectation` entries: ``exclude`` (a value the user never
wants), ``limit`` (a standing numeric bound: "nothing over $20") and ``note`` (a free-text
wish). Exclusions and limits are hard conditions on every later recommendation until the
user asks for the value again, states another bound, or removes the entry
(:meth:`UserProfile.forget`). Traits (favourite values per attribute, activity, diversity,
popularity conformity) are derived from the interaction history.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

from recpilot.memory.records import Bounds

FEEDBACK_SIGNAL: dict[str, float] = {
    "like": 1.0,
    "consumed": 0.5,
    "not_interested": -0.5,
    "dislike": -1.0,
}
LEARNING_RATE = 0.1  # η per event for explicit feedback
HISTORY_RATE = 0.07  # η per interaction when a history is folded in (half-life ≈ 10)
MAX_ITEMS = 200  # per list; the oldest fall off
MIN_WEIGHT = 1e-3  # weights smaller than this are forgotten


class ItemFacts(BaseModel):
    """What the profile needs to know about one item, over the catalog's own attributes."""

    item_id: str
    title: str = ""
    # categorical attribute -> the item's values ({"genres": ["Comedy", "Drama"]})
    values: dict[str, list[str]] = Field(default_factory=dict)
    # time-like attribute -> the item's period ({"year": "1990s"})
    periods: dict[str, str] = Field(default_factory=dict)
    popularity_percentile: float | None = None  # 0 = least popular, 1 = most

    def describe(self) -> str:
        """The item's values in a few words, for memory text: "Comedy, Drama; 1990s"."""
        parts = [", ".join(v) for v in self.values.values() if v]
        parts += list(self.periods.values())
        return "; ".join(parts)


ExpectationKind = Literal["exclude", "limit", "prefer", "note"]


class Expectation(BaseModel):
    """A stated preference over the catalog's own attributes: ``exclude`` (a value of
    ``attribute`` the user never wants) and ``limit`` (bounds on a numeric attribute) are
    hard conditions; ``prefer`` (a value the user loves) lifts items in ranking; ``note`` is
    free text for the planner."""

    kind: ExpectationKind
    value: str  # exclude: the value; limit: the bounds in words ("≤ 20"); note: the text
    attribute: str | None = None  # exclude, limit and prefer: which attribute
    minimum: float | None = None  # limit: inclusive bounds, None = open
    maximum: float | None = None
    stated: str = ""  # the message it came from
    at: float = Field(default_factory=time.time)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Profiles stored before exclusions were catalog-generic said ``exclude_genre``."""
        if isinstance(data, dict) and data.get("kind") == "exclude_genre":
            return {**data, "kind": "exclude", "attribute": data.get("attribute") or "genres"}
        return data

    @property
    def id(self) -> str:
        """Stable id of the entry (kind, attribute and value), for removing it."""
        key = f"{self.kind}|{self.attribute or ''}|{self.value}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]

    @property
    def bounds(self) -> Bounds:
        return (self.minimum, self.maximum)

    def describe(self) -> str:
        if self.kind == "exclude":
            return f"never {self.attribute} {self.value}"
        if self.kind == "limit":
            return f"{self.attribute} {self.value}"
        return self.value


def bounds_text(bounds: Bounds) -> str:
    low, high = bounds
    if low is not None and high is not None:
        return f"{low:g}–{high:g}"
    if low is not None:
        return f"≥ {low:g}"
    return f"≤ {high:g}" if high is not None else "any"


class Traits(BaseModel):
    # attribute -> its values (or periods) with the highest positive weight, best first
    favourites: dict[str, list[str]] = Field(default_factory=dict)
    activity: int = 0  # interactions and feedback events seen
    diversity: float | None = None  # normalised entropy of the categorical values, 0..1
    popularity_conformity: float | None = None  # mean popularity percentile of the history


class UserProfile(BaseModel):
    user_id: str
    version: int = 0  # one per update
    updated_at: float = Field(default_factory=time.time)
    liked: list[str] = Field(default_factory=list)
    disliked: list[str] = Field(default_factory=list)
    consumed: list[str] = Field(default_factory=list)
    not_interested: list[str] = Field(default_factory=list)
    item_weights: dict[str, float] = Field(default_factory=dict)
    attribute_weights: dict[str, float] = Field(default_factory=dict)  # "attribute=value" -> w
    expectations: list[Expectation] = Field(default_factory=list)
    traits: Traits = Field(default_factory=Traits)
    turns: int = 0

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Profiles stored before weights were catalog-generic kept the decade of the year
        as ``era=1990s``."""
        if isinstance(data, dict) and isinstance(data.get("attribute_weights"), dict):
            weights = data["attribute_weights"]
            if any(k.startswith("era=") for k in weights):
                data = {
                    **data,
                    "attribute_weights": {
                        ("year=" + k[4:] if k.startswith("era=") else k): v
                        for k, v in weights.items()
                    },
                }
        return data

    @property
    def is_new(self) -> bool:
        return not (self.liked or self.consumed or self.attribute_weights or self.expectations)

    @property
    def exclusions(self) -> dict[str, list[str]]:
        """Stated exclusions, attribute -> values."""
        out: dict[str, list[str]] = {}
        for e in self.expectations:
            if e.kind == "exclude" and e.attribute:
                out.setdefault(e.attribute, []).append(e.value)
        return out

    @property
    def preferences(self) -> dict[str, list[str]]:
        """Values the user said they love, attribute -> values."""
        out: dict[str, list[str]] = {}
        for e in self.expectations:
            if e.kind == "prefer" and e.attribute:
                out.setdefault(e.attribute, []).append(e.value)
        return out

    @property
    def limits(self) -> dict[str, Bounds]:
        """Standing numeric limits, attribute -> (min, max)."""
        return {
            e.attribute: e.bounds for e in self.expectations if e.kind == "limit" and e.attribute
        }

    @property
    def stated(self) -> list[Expectation]:
        """The stated preferences (exclusions, limits, notes), oldest first."""
        return list(self.expectations)

    def forget(self, expectation_id: str) -> Expectation | None:
        """Remove one stated preference by id; the removed entry, or None."""
        found = next((e for e in self.expectations if e.id == expectation_id), None)
        if found is not None:
            self.expectations.remove(found)
            _refresh_favourites(self)
            _bump(self)
        return found

    @property
    def rejected(self) -> list[str]:
        return [*self.disliked, *(i for i in self.not_interested if i not in self.disliked)]

    def weight(self, attribute: str, value: str) -> float:
        return self.attribute_weights.get(f"{attribute}={value}", 0.0)

    def summary(self, titles: Mapping[str, str] | None = None, *, max_titles: int = 5) -> str:
        """A short text for the planner's context."""
        titles = titles or {}

        def names(ids: Sequence[str]) -> str:
            return "; ".join(titles.get(i, i) for i in list(ids)[-max_titles:])

        parts: list[str] = [
            f"favourite {attribute} " + ", ".join(values)
            for attribute, values in self.traits.favourites.items()
            if values
        ]
        if never := [v for values in self.exclusions.values() for v in values]:
            parts.append("never wants " + ", ".join(never))
        parts += [f"always {a} {bounds_text(b)}" for a, b in self.limits.items()]
        if loves := [v for values in self.preferences.values() for v in values]:
            parts.append("loves " + ", ".join(loves))
        notes = [e.value for e in self.expectations if e.kind == "note"]
        if notes:
            parts.append("said: " + "; ".join(notes[-3:]))
        if self.liked:
            parts.append("liked " + names(self.liked))
        if self.rejected:
            parts.append("rejected " + names(self.rejected))
        return ("Profile: " + "; ".join(parts) + ".") if parts else ""


# ---------------------------------------------------------------------- updates
def decay_step(weights: dict[str, float], delta: Mapping[str, float], rate: float) -> None:
    """``w ← w·(1-η) + η·Δ`` on every key (in place); tiny weights are dropped."""
    keep = 1.0 - rate
    for key in list(weights):
        weights[key] *= keep
    for key, value in delta.items():
        weights[key] = weights.get(key, 0.0) + rate * value
    for key in [k for k, v in weights.items() if abs(v) < MIN_WEIGHT]:
        del weights[key]


def decade(value: float | None) -> str | None:
    """The period of a year-like value: ``1994 -> "1990s"``."""
    return None if value is None else f"{(int(value) // 10) * 10}s"


def item_delta(item: ItemFacts, signal: float) -> dict[str, float]:
    """Δ for one event on one item: the signal spread over each attribute's values
    (÷√#values), and the full signal on each period."""
    delta: dict[str, float] = {}
    for attribute, values in item.values.items():
        if values:
            share = signal / math.sqrt(len(values))
            for value in values:
                delta[f"{attribute}={value}"] = share
    for attribute, name in item.periods.items():
        delta[f"{attribute}={name}"] = signal
    return delta


def profile_bonus(profile: UserProfile, item: ItemFacts) -> float:
    """How much the profile's attribute weights favour ``item`` (the weights read the way
    :func:`item_delta` writes them)."""
    weights = profile.attribute_weights
    return sum(weights.get(k, 0.0) * share for k, share in item_delta(item, 1.0).items())


def _push(ids: list[str], item_id: str) -> None:
    if item_id in ids:
        ids.remove(item_id)
    ids.append(item_id)
    del ids[:-MAX_ITEMS]


def apply_feedback(
    profile: UserProfile, item: ItemFacts, kind: str, *, rate: float = LEARNING_RATE
) -> UserProfile:
    """Fold one feedback event (``like``, ``dislike``, ``consumed``, ``not_interested``) in."""
    signal = FEEDBACK_SIGNAL[kind]
    lists = {
        "like": profile.liked,
        "dislike": profile.disliked,
        "consumed": profile.consumed,
        "not_interested": profile.not_interested,
    }
    _push(lists[kind], item.item_id)
    if kind in ("like", "consumed"):
        for other in (profile.disliked, profile.not_interested):
            if item.item_id in other:
                other.remove(item.item_id)
    if kind in ("dislike", "not_interested") and item.item_id in profile.liked:
        profile.liked.remove(item.item_id)
    decay_step(profile.item_weights, {item.item_id: signal}, rate)
    decay_step(profile.attribute_weights, item_delta(item, signal), rate)
    profile.traits.activity += 1
    _refresh_favourites(profile)
    return _bump(profile)


def apply_interactions(
    profile: UserProfile,
    items: Sequence[ItemFacts],
    ratings: Sequence[float | None] | None = None,
    *,
    rate: float = HISTORY_RATE,
) -> UserProfile:
    """Fold a history in, oldest first: rating ≥ 4 is a like, ≤ 2 a dislike, else (or no
    rating) consumed. Recomputes the history traits (diversity, popularity conformity)."""
    ratings = ratings if ratings is not None else [None] * len(items)
    for item, rating in zip(items, ratings, strict=True):
        kind = "consumed"
        if rating is not None and not math.isnan(rating):
            kind = "like" if rating >= 4 else "dislike" if rating <= 2 else "consumed"
        apply_feedback(profile, item, kind, rate=rate)
    profile.traits.diversity = _diversity(items)
    pops = [i.popularity_percentile for i in items if i.popularity_percentile is not None]
    profile.traits.popularity_conformity = round(float(np.mean(pops)), 4) if pops else None
    return _bump(profile)


MAX_NOTES = 20  # free-text wishes kept; exclusions and limits are never dropped for space


def apply_turn(
    profile: UserProfile,
    message: str,
    *,
    liked: Sequence[ItemFacts] = (),
    disliked: Sequence[ItemFacts] = (),
    excluded: Mapping[str, Sequence[str]] | None = None,
    included: Mapping[str, Sequence[str]] | None = None,
    limits: Mapping[str, Bounds] | None = None,
    cleared_limits: Sequence[str] = (),
    preferred: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] = (),
) -> UserProfile:
    """Fold what one turn revealed: items liked/disliked in the message, values ruled out
    (a remembered constraint) or asked for (which lifts an earlier exclusion), numeric
    limits stated (replacing an earlier one on the same attribute) or dropped, and
    free-text wishes ("something short")."""
    for item in liked:
        apply_feedback(profile, item, "like")
    for item in disliked:
        apply_feedback(profile, item, "dislike")
    lifted = {(a, v) for a, values in (included or {}).items() for v in values}
    replaced = set(cleared_limits) | set(limits or {})
    profile.expectations = [
        e
        for e in profile.expectations
        if not (e.kind == "exclude" and (e.attribute, e.value) in lifted)
        and not (e.kind == "limit" and e.attribute in replaced)
        and not (e.kind == "prefer" and e.value in (excluded or {}).get(e.attribute or "", ()))
    ]
    have = {(a, v) for a, values in profile.exclusions.items() for v in values}
    for attribute, values in (excluded or {}).items():
        for value in values:
            if (attribute, value) in have or (attribute, value) in lifted:
                continue
            profile.expectations.append(
                Expectation(kind="exclude", attribute=attribute, value=value, stated=message[:200])
            )
            decay_step(profile.attribute_weights, {f"{attribute}={value}": -1.0}, LEARNING_RATE)
    loved = {(a, v) for a, values in profile.preferences.items() for v in values}
    for attribute, values in (preferred or {}).items():
        for value in values:
            if (attribute, value) not in loved:
                profile.expectations.append(
                    Expectation(
                        kind="prefer", attribute=attribute, value=value, stated=message[:200]
                    )
                )
    for attribute, bounds in (limits or {}).items():
        if bounds == (None, None):
            continue
        profile.expectations.append(
            Expectation(
                kind="limit",
                attribute=attribute,
                value=bounds_text(bounds),
                minimum=bounds[0],
                maximum=bounds[1],
                stated=message[:200],
            )
        )
    stated = {e.value for e in profile.expectations if e.kind == "note"}
    for note in notes:
        if note not in stated:
            profile.expectations.append(Expectation(kind="note", value=note, stated=message[:200]))
    kept_notes = {id(e) for e in [e for e in profile.expectations if e.kind == "note"][-MAX_NOTES:]}
    profile.expectations = [
        e for e in profile.expectations if e.kind != "note" or id(e) in kept_notes
    ]
    profile.turns += 1
    _refresh_favourites(profile)
    return _bump(profile)


def _refresh_favourites(profile: UserProfile, top: int = 3) -> None:
    """Per attribute, the values with the highest positive weight (excluded ones left out)."""
    by_attribute: dict[str, list[tuple[str, float]]] = {}
    for key, weight in profile.attribute_weights.items():
        attribute, sep, value = key.partition("=")
        if sep and weight > 0:
            by_attribute.setdefault(attribute, []).append((value, weight))
    excluded = profile.exclusions
    favourites: dict[str, list[str]] = {}
    for attribute in sorted(by_attribute):
        pairs = sorted(by_attribute[attribute], key=lambda kv: (-kv[1], kv[0]))
        best = [v for v, _ in pairs if v not in excluded.get(attribute, [])][:top]
        if best:
            favourites[attribute] = best
    profile.traits.favourites = favourites


def _diversity(items: Sequence[ItemFacts]) -> float | None:
    """Normalised entropy of the items' categorical values (all attributes pooled)."""
    counts = Counter(
        f"{attribute}={value}"
        for item in items
        for attribute, values in item.values.items()
        for value in values
    )
    if len(counts) < 2:
        return 0.0 if counts else None
    p = np.array(list(counts.values()), dtype=np.float64)
    p /= p.sum()
    return round(float(-(p * np.log(p)).sum() / math.log(len(p))), 4)


def _bump(profile: UserProfile) -> UserProfile:
    profile.version += 1
    profile.updated_at = time.time()
    return profile
