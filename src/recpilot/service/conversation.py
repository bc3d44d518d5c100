"""The conversation service: the one place that owns a turn, proactive recommendations,
similar items, feedback, stated preferences, the profile, export and delete.

Every interface — the CLI (``ask``, ``chat``, ``recommend``, ``feedback``, ``user``), REST,
the OpenAI-compatible endpoint, the web page and MCP — is a thin adapter over one
:class:`ConversationService`, so a user sees the same behaviour everywhere:

* **Any user id works.** A catalog user starts with their history; any other id starts cold.
* **Durable.** Everything a user generates (sessions, turns, feedback, stated preferences,
  profile) is written to the memory store in one transaction per call; a method returns
  after the commit.
* **Stated preferences are memory.** What a message rules out (``Session.excluded``) and the
  numeric limits it sets (``Session.limits``) become profile entries; every recommendation
  path applies them as search conditions until the user asks for the value again, states
  another limit, or removes the entry (:meth:`ConversationService.forget`).
* **One recommendation path.** :meth:`recommend` (proactive, REST, MCP, ``recommend --user``)
  and :meth:`similar` run typed tool plans through the agent's executor over the same tools
  the chat turn uses; nothing else ranks.

Methods block (DuckDB, models, the database); async callers run them in a worker thread.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import recpilot.service.privacy as privacy
from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.executor import execute
from recpilot.agent.plan import ParsedStep
from recpilot.agent.respond import build_items, template_reply
from recpilot.agent.session import Session
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.catalog.schema import Item
from recpilot.errors import ConfigError, UnknownId
from recpilot.memory import reflect
from recpilot.memory.coldstart import NewItems
from recpilot.memory.dialogue import bound_dialogue
from recpilot.memory.profile import Expectation, UserProfile, apply_feedback, apply_interactions
from recpilot.memory.records import SessionState
from recpilot.memory.retrieval import MemoryRetriever, RetrievalSettings
from recpilot.memory.store import FEEDBACK_KINDS, FeedbackKind, MemoryStore
from recpilot.models.embedders import Embedder, HashingEmbedder
from recpilot.service.changes import Snapshot, fold_turn, included_values, is_lookup
from recpilot.service.conditions import standing_conditions, violating
from recpilot.service.facets import CatalogFacets
from recpilot.service.picks import ANCHORS, because, diverse, rerank, with_new_items
from recpilot.service.plans import memory_decisions, plan_record, request_text, ruled_out_notes
from recpilot.service.reflection import grow_demo_bank
from recpilot.service.sessions import apply_profile, from_state, stored_turn, to_state
from recpilot.tools.base import ToolContext
from recpilot.tools.bus import Candidate, CandidateBus
from recpilot.tools.diversify import (
    DEFAULT_DIVERSITY,
    DiversifyConfig,
    check_diversity,
    diversify,
)
from recpilot.tools.ranking import FinalizeArgs, RankArgs
from recpilot.tools.retrieval import RetrieveSimilarArgs
from recpilot.tools.search import SearchCatalog, SearchCatalogArgs, compile_conditions

log = logging.getLogger(__name__)

MAX_ITEMS = 20  # items per recommendation (finalize's bound)
FEEDBACK_ALIASES = {
    "watched": "consumed",
    "not interested": "not_interested",
    "not-interested": "not_interested",
}
_WISH = re.compile(
    r"\b(?:i (?:prefer|usually (?:like|watch)|always want|only watch|want)|i'm in the mood for|"
    r"something)\s+(short|long|light|lighthearted|light-hearted|quick|recent|new|old|classic|"
    r"uplifting|dark|slow|fast-paced|family friendly|family-friendly|subtitled)\b"
)


@dataclass(frozen=True)
class ServiceSettings:
    max_turns: int = 6  # dialogue turns kept verbatim; older ones are summarised
    taste_weight: float = 0.15  # the profile's attribute weights in the recommendation re-rank
    pool: int = 20  # candidates fetched before the profile re-rank
    cold_start_similarity: float = 0.5
    grow_demos: bool = True
    retrieval: RetrievalSettings = field(default_factory=RetrievalSettings)


@dataclass(frozen=True)
class TurnOut:
    """What a call answered: the session it belongs to, the stored turn's id (None when
    nothing was stored) and the turn record."""

    session_id: str
    turn_id: str | None
    record: TurnRecord


class ConversationService:
    def __init__(
        self,
        agent: Agent,
        store: MemoryStore,
        *,
        embedder: Embedder | None = None,
        settings: ServiceSettings | None = None,
    ) -> None:
        self.agent = agent
        self.store = store
        self.settings = settings or ServiceSettings()
        self.catalog = agent.catalog
        self.facets = CatalogFacets(agent)
        self.retriever = MemoryRetriever(embedder or HashingEmbedder(), self.settings.retrieval)
        self.new_items = NewItems(agent.catalog, agent.models)
        # Earlier messages of an OpenAI-style conversation are replayed with the rules brain
        # (cheap, deterministic) to rebuild what was shown, liked and ruled out.
        self.replay_agent = (
            agent
            if agent.llm is None
            else Agent(agent.catalog, agent.models, tools=agent.tools, settings=agent.settings)
        )

    @classmethod
    def open(cls, agent: Agent, url: str | None = None, **kwargs: Any) -> ConversationService:
        """A service over the store at ``url`` (None: ``$RECPILOT_DATABASE_URL`` or the
        SQLite file under the data home). ``ConfigError`` when the store cannot open."""
        return cls(agent, MemoryStore.open(url), **kwargs)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ConversationService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sessions
    def owner(self, session_id: str) -> tuple[bool, str | None]:
        """(whether the session exists, its user: None for an anonymous session)."""
        return self.store.session_owner(session_id)

    def session(self, session_id: str, user_id: str | None) -> Session | None:
        """The stored session, only for its owner."""
        state = self.store.load_session(session_id, user_id)
        return None if state is None else from_state(state)

    def _catalog_history(self, user_id: str | None) -> list[str]:
        if user_id is None:
            return []
        try:
            return new_session(self.agent, user_id).history
        except UnknownId:
            return []  # not a catalog user: any id works, it starts cold

    def _profile(self, user_id: str | None) -> UserProfile | None:
        return None if user_id is None else self.store.profile(user_id)

    def _prepare(
        self, user_id: str | None, session_id: str | None
    ) -> tuple[Session, UserProfile | None]:
        """The stored session (only for its owner) or a new one, with the profile applied:
        its exclusions and limits are the session's standing conditions."""
        state: SessionState | None = None
        if session_id is not None:
            state = self.store.load_session(session_id, user_id)
            if state is None and self.store.session_exists(session_id):
                raise UnknownId(f"no session {session_id!r} for this user; start a new session")
        if state is None:
            state = SessionState(
                session_id=session_id or uuid.uuid4().hex[:12],
                user_id=user_id,
                history=self._catalog_history(user_id),
            )
        profile = self._profile(user_id)
        if profile is not None:
            state.excluded = profile.exclusions
            state.limits = profile.limits
            state.preferred = profile.preferences
        bound_dialogue(state, max_turns=self.settings.max_turns)
        session = from_state(state)
        if profile is not None:
            apply_profile(session, profile)
        return session, profile

    def memory_context(self, session: Session, profile: UserProfile | None, message: str) -> str:
        """The profile summary and the relevant earlier memories, for the planner."""
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

    # ------------------------------------------------------------------ catalogs
    def catalog_names(self) -> list[str]:
        """The catalogs this service answers for (several: service/routing.py)."""
        return [self.catalog.name]

    def for_catalog(self, name: str | None) -> ConversationService:
        """The service answering for catalog ``name`` (None: this one)."""
        if name is None or name == self.catalog.name:
            return self
        raise ConfigError(f"unknown catalog {name!r}; valid: {', '.join(self.catalog_names())}")

    # ------------------------------------------------------------------ turns
    def turn(
        self,
        user_id: str | None,
        message: str,
        session_id: str | None = None,
        catalog: str | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        """One turn of a conversation: load, answer, remember. ``catalog`` must name this
        service's catalog when given (a routed service picks among several). ``diversity``
        (0-1) becomes the session's diversity setting (tools/diversify.py) before the
        message is read."""
        self.for_catalog(catalog)
        started = time.perf_counter()
        session, profile = self._prepare(user_id, session_id)
        return self._answer(session, profile, message, started, diversity=diversity)

    def conversation(
        self,
        user_id: str | None,
        messages: list[str],
        catalog: str | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        """A conversation given whole (OpenAI style): the earlier user messages are replayed
        on a new session, the last one is answered and stored as that session's turn."""
        self.for_catalog(catalog)
        if not messages:
            raise ValueError("a conversation needs at least one user message")
        started = time.perf_counter()
        session, profile = self._prepare(user_id, None)
        return self._answer(
            session, profile, messages[-1], started, replay=messages[:-1], diversity=diversity
        )

    def _answer(
        self,
        session: Session,
        profile: UserProfile | None,
        message: str,
        started: float,
        replay: list[str] | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        user_id = session.user_id
        session.memory_context = self.memory_context(session, profile, message)
        before = Snapshot.of(session)
        previous_shown = list(session.shown)
        for earlier in replay or []:
            self.replay_agent.turn(session, earlier)
        if diversity is not None:
            session.diversity = check_diversity(diversity)
        record = self.agent.turn(session, message)
        record.catalog = self.catalog.name  # stored with the turn: a session keeps its catalog
        session.lift(included_values(record))
        change = before.diff(session, included_values(record))
        self._enforce(session, record)
        liked, disliked = self.facets.facts(change.liked), self.facets.facts(change.disliked)
        notes = [f"wants something {m}" for m in _WISH.findall(message.lower())]
        with self.store.transaction():
            turn_id = self.store.record_turn(session.session_id, user_id, stored_turn(record))
            self.store.save_session(to_state(session))
            if profile is not None and user_id is not None:
                fold_turn(profile, message, change, liked, disliked, notes)
                self.store.save_profile(profile)
                for item_id in change.liked:
                    self.store.add_feedback(user_id, item_id, "like", session.session_id)
                for item_id in change.disliked:
                    self.store.add_feedback(user_id, item_id, "dislike", session.session_id)
            self._remember_turn(session, record)
            self._reflect(session, turn_id, record, change.disliked, previous_shown)
        wall = (time.perf_counter() - started) * 1000
        record.timings_ms["memory"] = round(wall - record.timings_ms.get("total", 0.0), 3)
        return TurnOut(session.session_id, turn_id, record)

    def _enforce(self, session: Session, record: TurnRecord) -> None:
        """Nothing shown may break a standing exclusion or limit, whatever the brain did;
        items that do are left out and the reply says so (answers about named items are
        not recommendations and are left alone)."""
        if not record.items or is_lookup(record):
            return
        standing = standing_conditions(self.facets, session.excluded, session.limits)
        bad = violating(self.catalog, [i.item_id for i in record.items], standing)
        if not bad:
            return
        record.items = [i for i in record.items if i.item_id not in bad]
        record.notes.append(
            f"Left out {len(bad)} item{'s' if len(bad) != 1 else ''} that break what you "
            "told me before."
        )
        record.reply = template_reply(record.items, record.notes, False)
        record.reply_source, record.intro = "template", ""
        session.shown = [i.item_id for i in record.items]

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
            reflect.outcome_row(
                turn_id,
                session.session_id,
                session.user_id,
                request=record.message,
                plan=record.plan,
                brain=record.brain,
                items=[i.item_id for i in record.items],
                degraded=record.degraded,
            )
        )

    # ------------------------------------------------------------------ recommend, similar
    def _context(
        self, session: Session, *, personal: bool = True, diversity: float | None = None
    ) -> ToolContext:
        return ToolContext(
            catalog=self.catalog,
            models=self.agent.models,
            resolver=self.agent.resolver,
            bus=CandidateBus(),
            history=list(session.history) if personal else [],
            history_weights=dict(session.history_weights) if personal else {},
            liked=list(session.liked) if personal else [],
            disliked=list(session.disliked),
            preferred={a: list(v) for a, v in session.preferred.items()} if personal else {},
            diversity=session.diversity if diversity is None else check_diversity(diversity),
        )

    def _diversified(
        self, items: list[RecommendedItem], n: int, setting: float
    ) -> list[RecommendedItem]:
        """The ``n`` of ``items`` the diversity re-ranker keeps, in their order (their
        position is their relevance)."""
        bus = CandidateBus(candidates=[Candidate(item.item_id) for item in items], active=True)
        diversify(bus, self.agent.models, n, DiversifyConfig(diversity=setting))
        kept = set(bus.ids())
        return [item for item in items if item.item_id in kept]

    def check_conditions(self, conditions: SearchCatalogArgs) -> None:
        """ValueError, with the valid choices, for an attribute or value not in the catalog."""
        compile_conditions(conditions, self._context(Session()))

    def recommend(
        self,
        user_id: str | None,
        n: int = 10,
        filters: SearchCatalogArgs | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        """Recommendations with no message: from the profile and history for a known user
        ("because you liked X", new catalog items close to their likes), popular and
        diverse picks plus a question for someone new; within ``filters`` and always within
        the user's standing exclusions and limits; ``diversity`` (0-1) as in :meth:`turn`.
        Stored as a turn of a new session (so feedback on what was shown counts) when there
        is a user."""
        started = time.perf_counter()
        n = max(1, min(n, MAX_ITEMS))
        session, profile = self._prepare(user_id, None)
        known = bool(session.history or session.liked)
        standing = standing_conditions(self.facets, session.excluded, session.limits)
        steps: list[ParsedStep] = []
        if filters is not None and filters != SearchCatalogArgs():
            self.check_conditions(filters)
            steps.append(ParsedStep(tool="search_catalog", args=filters))
        if standing is not None:
            steps.append(ParsedStep(tool="search_catalog", args=standing))
        pool = max(n, min(self.settings.pool, MAX_ITEMS))
        setting = session.diversity if diversity is None else check_diversity(diversity)
        setting = DEFAULT_DIVERSITY if setting is None else setting
        # For a known user the pool is re-ranked by taste first, then diversified to n (a
        # diverse pool's first n, after a re-rank, would not be a diverse list).
        finalize = FinalizeArgs(n=pool, diversity=0.0) if known else FinalizeArgs(n=pool)
        steps += [
            ParsedStep(tool="rank", args=RankArgs(mode="personal")),
            ParsedStep(tool="finalize", args=finalize),
        ]
        run = execute(steps, self.agent.tools, lambda: self._context(session, diversity=setting))
        run.notes[:0] = ruled_out_notes(filters, standing)
        items = self._within(build_items(run.context), standing)
        if known:
            items = rerank(
                self.facets, profile or UserProfile(user_id=""), items, self.settings.taste_weight
            )
            items = self._diversified(items, n, setting)
            items = because(self.facets, session.liked or session.history, items)
            items = with_new_items(
                self.facets,
                self.new_items,
                session.liked or session.history[-ANCHORS:],
                [*(profile.rejected if profile else []), *session.history],
                standing,
                items,
                n,
                self.settings.cold_start_similarity,
            )
            reply = template_reply(items, run.notes, False)
        else:
            items = diverse(self.facets, items, n)
            reply = template_reply(items, run.notes, False) + self._cold_question()
        record = plan_record(request_text("recommend", n, filters), steps, run, items, reply)
        record.decided_by.update(memory_decisions(standing))
        record.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 3)
        session.remember(record)
        if user_id is None:
            return TurnOut(session.session_id, None, record)
        with self.store.transaction():
            turn_id = self.store.record_turn(session.session_id, user_id, stored_turn(record))
            self.store.save_session(to_state(session))
            self._reflect(session, turn_id, record, [], [])
        return TurnOut(session.session_id, turn_id, record)

    def _cold_question(self) -> str:
        examples = ", ".join(self.facets.primary_values(3))
        what = self.facets.primary or "kinds of items"
        hint = f" (for example {examples})" if examples else ""
        return (
            f"\nI don't know your taste yet, so these are popular picks across {what}. "
            f"Which {what} do you enjoy{hint}, or which title did you love lately?"
        )

    def similar(
        self,
        seeds: list[str],
        n: int = 10,
        user_id: str | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        """Items similar to the seeds (titles or item ids), within the user's standing
        exclusions and limits; the user's history is not filtered out. Not stored."""
        started = time.perf_counter()
        n = max(1, min(n, MAX_ITEMS))
        session, _ = self._prepare(user_id, None) if user_id else (Session(), None)
        titles = self.agent.resolver.titles
        names = [titles.get(s, s) for s in seeds]
        standing = standing_conditions(self.facets, session.excluded, session.limits)
        steps = [ParsedStep(tool="retrieve_similar", args=RetrieveSimilarArgs(titles=names))]
        if standing is not None:
            steps.append(ParsedStep(tool="search_catalog", args=standing))
        steps.append(ParsedStep(tool="finalize", args=FinalizeArgs(n=n)))
        run = execute(
            steps,
            self.agent.tools,
            lambda: self._context(session, personal=False, diversity=diversity),
        )
        if not run.steps[0].ok:
            raise ValueError(run.steps[0].message)
        items = self._within(build_items(run.context), standing)
        reply = template_reply(items, run.notes, False)
        record = plan_record(request_text("similar to", n, None, seeds), steps, run, items, reply)
        record.decided_by.update(memory_decisions(standing))
        record.timings_ms["total"] = round((time.perf_counter() - started) * 1000, 3)
        return TurnOut(session.session_id, None, record)

    def _within(
        self, items: list[RecommendedItem], standing: SearchCatalogArgs | None
    ) -> list[RecommendedItem]:
        bad = violating(self.catalog, [i.item_id for i in items], standing)
        return [i for i in items if i.item_id not in bad]

    # ------------------------------------------------------------------ catalog reads
    def search(self, conditions: SearchCatalogArgs, limit: int) -> tuple[list[Item], int]:
        """Catalog rows matching hard conditions (no ranking, no user)."""
        ctx = self._context(Session())
        result = SearchCatalog().run(conditions, ctx)
        if not result.ok:
            raise ValueError(result.message)
        ids = ctx.bus.ids()
        return self.catalog.get_items(ids[:limit]), len(ids)

    def items(self, ids: list[str]) -> list[Item]:
        return self.catalog.get_items(ids)

    def cards(self, items: list[RecommendedItem]) -> list[dict[str, Any]]:
        """Recommended items with their display attributes: ``time`` and ``labels`` (the
        catalog's time-like attribute and its main category's values) and all attributes."""
        found = {i.item_id: i for i in self.catalog.get_items([x.item_id for x in items])}
        out = []
        for item in items:
            catalog_item = found.get(item.item_id)
            attrs = catalog_item.attributes if catalog_item else {}
            time = attrs.get(self.facets.time) if self.facets.time else None
            labels = attrs.get(self.facets.primary) if self.facets.primary else None
            out.append(
                {
                    **item.model_dump(),
                    "time": time if isinstance(time, int | float) else None,
                    "labels": labels if isinstance(labels, list) else [],
                    "attributes": attrs,
                }
            )
        return out

    # ------------------------------------------------------------------ feedback
    def feedback(
        self, user_id: str | None, item_id: str, kind: str, session_id: str | None = None
    ) -> None:
        """Record explicit feedback: it changes the profile (and so the next
        recommendations) at once, and the session's likes when one is named. Without a
        user it only changes that session. UnknownId for an item not in the catalog."""
        kind = FEEDBACK_ALIASES.get(kind, kind)
        if kind not in FEEDBACK_KINDS:
            raise ConfigError(
                f"unknown feedback {kind!r}; valid: {', '.join(FEEDBACK_KINDS)}, watched"
            )
        facts = self.facets.facts([item_id])
        if not facts:
            raise UnknownId(
                f"unknown item {item_id!r} in dataset {self.catalog.name!r}; use the catalog's item id"
            )
        state = None
        if session_id is not None:
            state = self.store.load_session(session_id, user_id)
            if state is None:
                raise UnknownId(f"no session {session_id!r} for this user")
        elif user_id is None:
            raise ValueError("feedback needs a user or a session")
        row = None
        with self.store.transaction():
            if state is not None:
                session = from_state(state)
                if kind == "like":
                    session.like(item_id)
                elif kind in ("dislike", "not_interested"):
                    session.dislike(item_id)
                self.store.save_session(to_state(session))
            if user_id is not None:
                fb: FeedbackKind = kind  # type: ignore[assignment]
                self.store.add_feedback(user_id, item_id, fb, session_id)
                profile = apply_feedback(self.store.profile(user_id), facts[0], kind)
                self.store.save_profile(profile)
                described = facts[0].describe()
                self.retriever.remember(
                    self.store, user_id, session_id, "feedback",
                    f"{kind.replace('_', ' ')}: {facts[0].title}" + (f" ({described})" if described else ""),
                )  # fmt: skip
                row = reflect.mark_feedback(self.store, user_id, item_id, kind, session_id)
        if row is not None and row.outcome == "accepted" and self.settings.grow_demos:
            grow_demo_bank(self.agent, row)

    # ------------------------------------------------------------------ preferences, profile
    def profile(self, user_id: str) -> UserProfile:
        return self.store.profile(user_id)

    def preferences(self, user_id: str) -> list[Expectation]:
        """The user's stated preferences (exclusions, limits, wishes), each with its id."""
        return privacy.preferences(self.store, user_id)

    def forget(self, user_id: str, preference_id: str) -> Expectation:
        """Remove one stated preference; it stops applying on the next request, everywhere."""
        return privacy.forget(self.store, user_id, preference_id)

    def import_history(self, user_id: str) -> UserProfile:
        """Fold the user's catalog interactions (oldest first, ratings as signals) into
        their profile: the traits and taste weights of a returning user."""
        data = self.catalog.interactions()
        u = data.user_index.get(str(user_id))
        if u is None:
            raise UnknownId(f"unknown user {user_id!r} in dataset {self.catalog.name!r}")
        order = data.order()  # by (user, time), stable
        order = order[data.users[order] == u]
        items = [str(data.item_ids[data.items[k]]) for k in order]
        ratings = None if data.ratings is None else [float(data.ratings[k]) for k in order]
        by_id = {f.item_id: f for f in self.facets.facts(items)}
        facts = [by_id[i] for i in items if i in by_id]
        if ratings is not None:
            ratings = [r for i, r in zip(items, ratings, strict=True) if i in by_id]
        with self.store.transaction():
            profile = apply_interactions(self.store.profile(user_id), facts, ratings)
            self.store.save_profile(profile)
        return profile

    # ------------------------------------------------------------------ privacy
    def export_user(self, user_id: str) -> dict[str, Any]:
        """Every stored fact about the user, table by table, and their stated preferences."""
        return privacy.export_user(self.store, user_id)

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Remove the user from every table (profile and stated preferences included)."""
        return privacy.delete_user(self.store, user_id)
