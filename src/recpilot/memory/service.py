"""The memory-aware agent: every turn loads the user's session and profile, applies them,
runs the agent, and stores what happened — in one transaction.

``MemoryAgent`` owns nothing global: the agent, the store and the embedder are passed in.
A session is only ever loaded for the user who owns it; the profile, memories and
feedback read for a turn are the asking user's.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.errors import ConfigError, UnknownId
from recpilot.memory import reflect
from recpilot.memory.coldstart import NewItems
from recpilot.memory.dialogue import bound_dialogue
from recpilot.memory.profile import (
    ItemFacts,
    UserProfile,
    apply_feedback,
    apply_interactions,
    apply_turn,
)
from recpilot.memory.retrieval import MemoryRetriever, RetrievalSettings
from recpilot.memory.store import FEEDBACK_KINDS, FeedbackKind, MemoryStore
from recpilot.models.embedders import Embedder, HashingEmbedder

log = logging.getLogger(__name__)

MAX_PROFILE_ITEMS = 50  # liked / rejected items carried into a session
_WISH = re.compile(
    r"\b(?:i (?:prefer|usually (?:like|watch)|always want|only watch|want)|i'm in the mood for|"
    r"something)\s+(short|long|light|lighthearted|light-hearted|quick|recent|new|old|classic|"
    r"uplifting|dark|slow|fast-paced|family friendly|family-friendly|subtitled)\b"
)
FEEDBACK_ALIASES = {
    "watched": "consumed",
    "not interested": "not_interested",
    "not-interested": "not_interested",
}


@dataclass(frozen=True)
class MemorySettings:
    max_turns: int = 6  # dialogue turns kept verbatim; older ones are summarised
    genre_weight: float = 0.15  # profile attribute weights in the proactive re-rank
    pool: int = 20  # candidates fetched before the profile re-rank
    cold_start_similarity: float = 0.5
    grow_demos: bool = True
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)


class MemoryAgent:
    def __init__(
        self,
        agent: Agent,
        store: MemoryStore,
        *,
        embedder: Embedder | None = None,
        settings: MemorySettings | None = None,
    ) -> None:
        self.agent = agent
        self.store = store
        self.settings = settings or MemorySettings()
        self.retriever = MemoryRetriever(embedder or HashingEmbedder(), self.settings.retrieval)
        self.new_items = NewItems(agent)
        pop = np.asarray(agent.models.popularity, dtype=np.float64)
        ranks = pop.argsort(kind="stable").argsort(kind="stable")
        self._pop_pct = ranks / max(len(pop) - 1, 1)

    # ------------------------------------------------------------------ facts
    def facts(self, ids: Sequence[str]) -> list[ItemFacts]:
        genre_attr = self.agent.vocab.genre_attribute
        year_attr = self.agent.vocab.year_attribute
        out = []
        for item in self.agent.catalog.get_items(list(ids)):
            genres = item.attributes.get(genre_attr) or []
            year = item.attributes.get(year_attr) if year_attr else None
            k = self.agent.models.index.get(item.item_id)
            out.append(
                ItemFacts(
                    item_id=item.item_id,
                    title=item.title,
                    genres=[str(g) for g in genres] if isinstance(genres, list) else [],
                    year=int(year) if isinstance(year, int | float) else None,
                    popularity_percentile=None if k is None else float(self._pop_pct[k]),
                )
            )
        return out

    def _catalog_history(self, user_id: str | None) -> list[str]:
        if user_id is None:
            return []
        try:
            return new_session(self.agent, user_id).history
        except UnknownId:
            return []  # a user known to memory only

    # ------------------------------------------------------------------ sessions
    def open_session(self, user_id: str | None, session_id: str | None) -> Session:
        """The stored session (only for its owner) or a new one."""
        if session_id is not None:
            session = self.store.load_session(session_id, user_id)
            if session is not None:
                return session
            if self.store.session_exists(session_id):
                raise UnknownId(f"no session {session_id!r} for this user; start a new session")
        session = Session(user_id=user_id, history=self._catalog_history(user_id))
        if session_id is not None:
            session.session_id = session_id
        return session

    def apply_profile(self, session: Session, profile: UserProfile) -> None:
        """Profile → session: consumed items join the history (minus rejected ones), liked
        and rejected items and remembered exclusions are carried in."""
        rejected = profile.rejected[-MAX_PROFILE_ITEMS:]
        skip = set(rejected)
        history = [i for i in session.history if i not in skip]
        history += [i for i in profile.consumed if i not in skip and i not in set(history)]
        session.history = history
        # The profile's decayed item weights rank recent tastes above old ones.
        session.history_weights = {
            i: w for i, w in profile.item_weights.items() if w > 0 and i not in skip
        }
        for item_id in profile.liked[-MAX_PROFILE_ITEMS:]:
            if item_id not in session.liked and item_id not in session.disliked:
                session.liked.append(item_id)
        for item_id in rejected:
            if item_id not in session.disliked and item_id not in session.liked:
                session.disliked.append(item_id)
        session.exclude(profile.exclusions)

    def _memory_context(self, session: Session, profile: UserProfile | None, message: str) -> str:
        parts = []
        if profile is not None and (summary := profile.summary(self.agent.resolver.titles)):
            parts.append(summary)
        found = self.retriever.retrieve(
            self.store,
            session.user_id,
            message,
            session_id=session.session_id,
            exclude_session=session.session_id if session.user_id is not None else None,
        )
        if found:
            parts.append("Relevant memories: " + " | ".join(r.entry.text for r in found) + ".")
        return " ".join(parts)

    # ------------------------------------------------------------------ one turn
    def turn(
        self, user_id: str | None, message: str, session_id: str | None = None
    ) -> tuple[str, str, TurnRecord]:
        started = time.perf_counter()
        session = self.open_session(user_id, session_id)
        profile = self.store.profile(user_id) if user_id is not None else None
        if profile is not None:
            self.apply_profile(session, profile)
        bound_dialogue(session, max_turns=self.settings.max_turns)
        session.memory_context = self._memory_context(session, profile, message)
        before_liked, before_disliked = set(session.liked), set(session.disliked)
        before_excluded = {a: list(v) for a, v in session.excluded.items()}
        previous_shown = list(session.shown)
        record = self.agent.turn(session, message)
        included = self._included(record)
        session.lift(included)
        liked = [i for i in session.liked if i not in before_liked]
        disliked = [i for i in session.disliked if i not in before_disliked]
        excluded = {
            a: new
            for a, values in session.excluded.items()
            if (new := [v for v in values if v not in before_excluded.get(a, [])])
        }
        with self.store.transaction():
            turn_id = self.store.record_turn(session.session_id, user_id, record)
            self.store.save_session(session)
            if profile is not None:
                apply_turn(
                    profile,
                    message,
                    liked=self.facts(liked),
                    disliked=self.facts(disliked),
                    excluded=excluded,
                    included=included,
                    notes=[f"wants something {m}" for m in _WISH.findall(message.lower())],
                )
                self.store.save_profile(profile)
                for item_id in liked:
                    self.store.add_feedback(user_id, item_id, "like", session.session_id)  # type: ignore[arg-type]
                for item_id in disliked:
                    self.store.add_feedback(user_id, item_id, "dislike", session.session_id)  # type: ignore[arg-type]
            self._remember_turn(session, record)
            self._reflect(session, turn_id, record, disliked, previous_shown)
        wall = (time.perf_counter() - started) * 1000
        record.timings_ms["memory"] = round(wall - record.timings_ms.get("total", 0.0), 3)
        return session.session_id, turn_id, record

    def _included(self, record: TurnRecord) -> dict[str, list[str]]:
        """Values the turn asked for (attribute -> values): they lift earlier exclusions."""
        out: dict[str, list[str]] = {}
        for step in record.plan:
            if step.get("tool") == "search_catalog":
                for attr, values in (step.get("args", {}).get("include") or {}).items():
                    out.setdefault(attr, []).extend(values)
        return out

    def _remember_turn(self, session: Session, record: TurnRecord) -> None:
        titles = ", ".join(i.title for i in record.items[:3])
        text = f"asked: {record.message[:200]}" + (f" → shown {titles}" if titles else "")
        self.retriever.remember(self.store, session.user_id, session.session_id, "turn", text)

    def _reflect(
        self,
        session: Session,
        turn_id: str,
        record: TurnRecord,
        disliked: list[str],
        previous_shown: list[str],
    ) -> None:
        if set(disliked) & set(previous_shown):
            rows = self.store.outcomes(user_id=session.user_id, session_id=session.session_id)
            last = next((r for r in reversed(rows) if r.outcome == "pending"), None)
            if last is not None:
                self.store.set_outcome(last.turn_id, "corrected")
        self.store.record_outcome(
            reflect.outcome_row(turn_id, session.session_id, session.user_id, record)
        )

    # ------------------------------------------------------------------ feedback
    def feedback(
        self, user_id: str, item_id: str, kind: str, session_id: str | None = None
    ) -> None:
        """Record explicit feedback; it changes the profile (and so the next
        recommendations) at once. Raises UnknownId for an item not in the catalog."""
        kind = FEEDBACK_ALIASES.get(kind, kind)
        if kind not in FEEDBACK_KINDS:
            raise ConfigError(
                f"unknown feedback {kind!r}; valid: {', '.join(FEEDBACK_KINDS)}, watched"
            )
        facts = self.facts([item_id])
        if not facts:
            raise UnknownId(
                f"unknown item {item_id!r} in dataset {self.agent.catalog.name!r}; use the catalog's item id"
            )
        if session_id is not None and self.store.load_session(session_id, user_id) is None:
            raise UnknownId(f"no session {session_id!r} for this user")
        fb: FeedbackKind = kind  # type: ignore[assignment]
        with self.store.transaction():
            self.store.add_feedback(user_id, item_id, fb, session_id)
            profile = apply_feedback(self.store.profile(user_id), facts[0], kind)
            self.store.save_profile(profile)
            self.retriever.remember(
                self.store, user_id, session_id, "feedback",
                f"{kind.replace('_', ' ')}: {facts[0].title} ({', '.join(facts[0].genres)})",
            )  # fmt: skip
            row = reflect.mark_feedback(self.store, user_id, item_id, kind, session_id)
        if row is not None and row.outcome == "accepted" and self.settings.grow_demos:
            reflect.grow_demo_bank(self.agent, row)

    def recommend(self, user_id: str, n: int = 10) -> TurnRecord:
        """Proactive recommendations with no message (see :mod:`recpilot.memory.proactive`)."""
        from recpilot.memory.proactive import recommend

        return recommend(self, user_id, n)

    def import_history(self, user_id: str) -> UserProfile:
        """Fold the user's catalog interactions (oldest first, ratings as signals) into
        their profile: the traits and taste weights of a returning user."""
        data = self.agent.catalog.interactions()
        u = data.user_index.get(str(user_id))
        if u is None:
            raise UnknownId(f"unknown user {user_id!r} in dataset {self.agent.catalog.name!r}")
        order = data.order()  # by (user, time), stable
        order = order[data.users[order] == u]
        items = [str(data.item_ids[data.items[k]]) for k in order]
        ratings = None if data.ratings is None else [float(data.ratings[k]) for k in order]
        by_id = {f.item_id: f for f in self.facts(items)}
        facts = [by_id[i] for i in items if i in by_id]
        if ratings is not None:
            ratings = [r for i, r in zip(items, ratings, strict=True) if i in by_id]
        profile = apply_interactions(self.store.profile(user_id), facts, ratings)
        self.store.save_profile(profile)
        return profile
