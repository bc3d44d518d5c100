"""The user profile: a durable, typed record of one user's taste that evolves with decay.

Preferences are weights on items and on attribute values (``genres=Comedy``,
``era=1990s``). Every observed event moves them by the exponential rule
``w(t+1) = w(t)·(1-η) + η·Δ`` (Δ is the event's signal on each attribute it touches, 0 on
the others), so old tastes fade as new evidence comes in. Stated expectations ("no
horror") are hard constraints kept until the user asks for that genre again. Traits
(favourite genres and eras, activity, diversity, popularity conformity) are derived from
the interaction history.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field, model_validator

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
    """What the profile needs to know about one item."""

    item_id: str
    title: str = ""
    genres: list[str] = Field(default_factory=list)
    year: int | None = None
    popularity_percentile: float | None = None  # 0 = least popular, 1 = most


class Expectation(BaseModel):
    """A stated constraint or wish over the catalog's own attributes: ``exclude`` (a value of
    ``attribute`` the user never wants) is applied as a hard filter; ``note`` is free text."""

    kind: Literal["exclude", "note"]
    value: str
    attribute: str | None = None  # for "exclude": which attribute the value belongs to

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Profiles stored before exclusions were catalog-generic said ``exclude_genre``."""
        if isinstance(data, dict) and data.get("kind") == "exclude_genre":
            return {**data, "kind": "exclude", "attribute": data.get("attribute") or "genres"}
        return data
    stated: str = ""  # the message it came from
    at: float = Field(default_factory=time.time)


class Traits(BaseModel):
    favourite_genres: list[str] = Field(default_factory=list)
    favourite_eras: list[str] = Field(default_factory=list)
    activity: int = 0  # interactions and feedback events seen
    diversity: float | None = None  # normalised entropy of the genre distribution, 0..1
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
    attribute_weights: dict[str, float] = Field(default_factory=dict)
    expectations: list[Expectation] = Field(default_factory=list)
    traits: Traits = Field(default_factory=Traits)
    turns: int = 0

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
    def rejected(self) -> list[str]:
        return [*self.disliked, *(i for i in self.not_interested if i not in self.disliked)]

    def genre_weight(self, genre: str) -> float:
        return self.attribute_weights.get(f"genres={genre}", 0.0)

    def summary(self, titles: Mapping[str, str] | None = None, *, max_titles: int = 5) -> str:
        """A short text for the planner's context."""
        titles = titles or {}

        def names(ids: Sequence[str]) -> str:
            return "; ".join(titles.get(i, i) for i in list(ids)[-max_titles:])

        parts: list[str] = []
        if self.traits.favourite_genres:
            parts.append("favourite genres " + ", ".join(self.traits.favourite_genres))
        if self.traits.favourite_eras:
            parts.append("favourite eras " + ", ".join(self.traits.favourite_eras))
        if never := [v for values in self.exclusions.values() for v in values]:
            parts.append("never wants " + ", ".join(never))
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


def era(year: int | None) -> str | None:
    return None if year is None else f"{(int(year) // 10) * 10}s"


def item_delta(item: ItemFacts, signal: float) -> dict[str, float]:
    """Δ for one event on one item: the signal spread over its genres, and its era."""
    delta: dict[str, float] = {}
    if item.genres:
        share = signal / math.sqrt(len(item.genres))
        for genre in item.genres:
            delta[f"genres={genre}"] = share
    if (name := era(item.year)) is not None:
        delta[f"era={name}"] = signal
    return delta


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


def apply_turn(
    profile: UserProfile,
    message: str,
    *,
    liked: Sequence[ItemFacts] = (),
    disliked: Sequence[ItemFacts] = (),
    excluded: Mapping[str, Sequence[str]] | None = None,
    included: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] = (),
) -> UserProfile:
    """Fold what one turn revealed: items liked/disliked in the message, genres ruled out
    (a remembered constraint) or asked for (which lifts an earlier exclusion), and free-text
    wishes ("something short")."""
    for item in liked:
        apply_feedback(profile, item, "like")
    for item in disliked:
        apply_feedback(profile, item, "dislike")
    lifted = {(a, v) for a, values in (included or {}).items() for v in values}
    profile.expectations = [
        e
        for e in profile.expectations
        if not (e.kind == "exclude" and (e.attribute, e.value) in lifted)
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
    stated = {e.value for e in profile.expectations if e.kind == "note"}
    for note in notes:
        if note not in stated:
            profile.expectations.append(Expectation(kind="note", value=note, stated=message[:200]))
    profile.expectations = profile.expectations[-50:]
    profile.turns += 1
    _refresh_favourites(profile)
    return _bump(profile)


def _refresh_favourites(profile: UserProfile, top: int = 3) -> None:
    def best(prefix: str) -> list[str]:
        pairs = [
            (k[len(prefix) :], v)
            for k, v in profile.attribute_weights.items()
            if k.startswith(prefix) and v > 0
        ]
        pairs.sort(key=lambda kv: (-kv[1], kv[0]))
        return [k for k, _ in pairs[:top]]

    profile.traits.favourite_genres = [
        g for g in best("genres=") if g not in profile.exclusions.get("genres", [])
    ]
    profile.traits.favourite_eras = best("era=")


def _diversity(items: Sequence[ItemFacts]) -> float | None:
    counts = Counter(g for item in items for g in item.genres)
    if len(counts) < 2:
        return 0.0 if counts else None
    p = np.array(list(counts.values()), dtype=np.float64)
    p /= p.sum()
    return round(float(-(p * np.log(p)).sum() / math.log(len(p))), 4)


def _bump(profile: UserProfile) -> UserProfile:
    profile.version += 1
    profile.updated_at = time.time()
    return profile
