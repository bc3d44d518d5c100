"""Proactive recommendations (no message): from the profile and history for a known user,
popular-and-diverse items plus a clarifying question for a brand-new one.

The agent fetches a pool through its ordinary plan (personal or popular ranking, the
remembered exclusions as hard filters); the profile then re-ranks the pool by its decayed
attribute weights, each pick gets its "because you liked X", and brand-new catalog items
close in content to what the user liked take the last slots (cold start).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from recpilot.agent.respond import template_reply
from recpilot.agent.session import Session
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.memory.profile import UserProfile, era
from recpilot.memory.reflect import outcome_row
from recpilot.tools.resolve import display_title

if TYPE_CHECKING:
    from recpilot.memory.service import MemoryAgent

MAX_POOL = 20  # finalize's bound
ANCHORS = 10  # liked items considered for "because you liked X"


def profile_bonus(profile: UserProfile, genres: list[str], year: int | None) -> float:
    """Σ of the profile's weights on the item's genres (spread like the update) and era."""
    total = 0.0
    if genres:
        total += sum(profile.genre_weight(g) for g in genres) / math.sqrt(len(genres))
    if (name := era(year)) is not None:
        total += profile.attribute_weights.get(f"era={name}", 0.0)
    return total


def recommend(mem: MemoryAgent, user_id: str, n: int = 10) -> TurnRecord:
    n = max(1, min(n, MAX_POOL))
    session = mem.open_session(user_id, None)
    profile = mem.store.profile(user_id)
    mem.apply_profile(session, profile)
    known = bool(session.history or session.liked)
    pool = max(n, min(mem.settings.pool, MAX_POOL))
    message = f"recommend {pool} picks for me" if known else f"recommend {pool} popular picks"
    record = mem.agent.turn(session, message)
    if known:
        items = _rerank(mem, profile, record.items, mem.settings.genre_weight)[:n]
        items = _because(mem, session, items)
        items = _with_new_items(mem, session, profile, items, n)
        record.reply = template_reply(items, [], False)
    else:
        items = _diverse(mem, record.items, n)
        genres = ", ".join(mem.agent.vocab.genres[:3])
        record.reply = (
            template_reply(items, [], False)
            + "\nI don't know your taste yet, so these are popular picks across genres. "
            + f"Which genres do you enjoy (for example {genres}), or which title did you love lately?"
        )
    record.items = items
    session.shown = [i.item_id for i in items]
    if session.turns:
        session.turns[-1] = record
    with mem.store.transaction():
        turn_id = mem.store.record_turn(session.session_id, user_id, record)
        mem.store.save_session(session)
        mem.store.record_outcome(outcome_row(turn_id, session.session_id, user_id, record))
    return record


def _attrs(mem: MemoryAgent, ids: list[str]) -> dict[str, tuple[list[str], int | None]]:
    return {f.item_id: (f.genres, f.year) for f in mem.facts(ids)}


def _rerank(
    mem: MemoryAgent, profile: UserProfile, items: list[RecommendedItem], weight: float
) -> list[RecommendedItem]:
    if not items or weight == 0.0:
        return list(items)
    attrs = _attrs(mem, [i.item_id for i in items])
    scored = []
    for pos, item in enumerate(items):
        genres, year = attrs.get(item.item_id, ([], None))
        base = 1.0 - pos / len(items)
        scored.append((base + weight * profile_bonus(profile, genres, year), -pos, item))
    scored.sort(key=lambda t: (-t[0], -t[1]))
    return [t[2] for t in scored]


def _because(
    mem: MemoryAgent, session: Session, items: list[RecommendedItem]
) -> list[RecommendedItem]:
    models = mem.agent.models
    anchors = [i for i in (session.liked or session.history)[-ANCHORS:] if i in models.index]
    if not anchors or not items:
        return items
    sims = np.vstack([models.similar.score([np.array([models.index[a]])])[0] for a in anchors])
    titles = mem.agent.resolver.titles
    out = []
    for item in items:
        k = models.index.get(item.item_id)
        if k is None:
            out.append(item)
            continue
        column = np.nan_to_num(sims[:, k], nan=-np.inf)
        best = int(np.argmax(column))
        if not np.isfinite(column[best]) or column[best] <= 0:
            out.append(item)
            continue
        name = display_title(titles.get(anchors[best], anchors[best]))
        out.append(item.model_copy(update={"reason": f"because you liked {name}; {item.reason}"}))
    return out


def _with_new_items(
    mem: MemoryAgent,
    session: Session,
    profile: UserProfile,
    items: list[RecommendedItem],
    n: int,
) -> list[RecommendedItem]:
    liked = session.liked or session.history[-ANCHORS:]
    shown = {i.item_id for i in items}
    matches = mem.new_items.match(
        liked,
        exclude=[*profile.rejected, *session.history, *shown],
        min_similarity=mem.settings.cold_start_similarity,
    )
    excluded = set(session.excluded.get(mem.agent.vocab.genre_attribute, []))
    slots = max(1, n // 5)
    new = []
    attrs = _attrs(mem, [m.item_id for m in matches[: slots * 4]])
    titles = mem.agent.catalog.titles()
    for match in matches[: slots * 4]:
        genres, _ = attrs.get(match.item_id, ([], None))
        if excluded & set(genres):
            continue
        anchor = display_title(titles.get(match.anchor, match.anchor))
        new.append(
            RecommendedItem(
                item_id=match.item_id,
                title=display_title(titles[match.item_id]),
                score=round(match.similarity, 6),
                reason=f"new in the catalog; close in content to {anchor}, which you liked",
            )
        )
        if len(new) == slots:
            break
    return [*items[: n - len(new)], *new]


def _diverse(mem: MemoryAgent, items: list[RecommendedItem], n: int) -> list[RecommendedItem]:
    """Popular first, at most ``ceil(n/4)`` per leading genre, filled up in order."""
    attrs = _attrs(mem, [i.item_id for i in items])
    cap = max(1, math.ceil(n / 4))
    counts: dict[str, int] = {}
    picked: list[RecommendedItem] = []
    for item in items:
        genres, _ = attrs.get(item.item_id, ([], None))
        lead = genres[0] if genres else ""
        if counts.get(lead, 0) < cap:
            counts[lead] = counts.get(lead, 0) + 1
            picked.append(item)
        if len(picked) == n:
            return picked
    rest = [i for i in items if i not in picked]
    return [*picked, *rest][:n]
