"""The serving engine: one agent, one memory, and the synchronous operations every surface
(REST, OpenAI-compatible chat, MCP) calls. Methods here block; the HTTP layer runs them in
its work queue. Authorisation is the caller's job (``act_for``); the engine trusts user ids.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.respond import build_items
from recpilot.agent.session import Session
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.catalog.schema import Item
from recpilot.errors import UnknownId
from recpilot.server.memory_fallback import InProcessMemoryAgent, InProcessMemoryStore
from recpilot.tools.base import ToolContext
from recpilot.tools.bus import CandidateBus
from recpilot.tools.ranking import Finalize, FinalizeArgs, Rank, RankArgs
from recpilot.tools.retrieval import RetrieveSimilar, RetrieveSimilarArgs
from recpilot.tools.search import SearchCatalog, SearchCatalogArgs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnOut:
    session_id: str
    turn_id: str
    record: TurnRecord


def open_memory(agent: Agent, url: str | None) -> tuple[Any, Any]:
    """``recpilot.memory``'s store and memory agent when that package is installed, else the
    in-process fallback with the same methods."""
    try:
        memory = importlib.import_module("recpilot.memory")
        store_cls, agent_cls = memory.MemoryStore, memory.MemoryAgent
    except (ImportError, AttributeError):
        log.info("recpilot.memory not available; using the in-process session memory")
        store = InProcessMemoryStore.open(url)
        return store, InProcessMemoryAgent(agent, store)
    store = store_cls.open(url)
    return store, agent_cls(agent, store)


class Engine:
    def __init__(self, agent: Agent, store: Any, memory: Any) -> None:
        self.agent = agent
        self.store = store
        self.memory = memory
        self.catalog = agent.catalog
        self.genre_attr = agent.vocab.genre_attribute
        self.year_attr = agent.vocab.year_attribute
        # Earlier user messages of an OpenAI-style conversation are replayed with the rules
        # brain (cheap, deterministic) to rebuild what was shown/liked/ruled out.
        self.replay_agent = (
            agent
            if agent.llm is None
            else Agent(agent.catalog, agent.models, tools=agent.tools, settings=agent.settings)
        )

    @classmethod
    def build(cls, agent: Agent, memory_url: str | None = None) -> Engine:
        store, memory = open_memory(agent, memory_url)
        return cls(agent, store, memory)

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------------ sessions
    def turn(self, user_id: str, message: str, session_id: str | None = None) -> TurnOut:
        sid, turn_id, record = self.memory.turn(user_id, message, session_id=session_id)
        return TurnOut(str(sid), str(turn_id), record)

    def owner(self, session_id: str, asking: str | None) -> str | None:
        """The user a session belongs to, or None when there is no such session."""
        lookup = getattr(self.store, "owner", None)
        if callable(lookup):
            found = lookup(session_id)
            return None if found is None else str(found)
        session = self.store.load_session(session_id, asking)
        return None if session is None else (session.user_id or asking)

    def session(self, session_id: str, user_id: str) -> Session | None:
        found: Session | None = self.store.load_session(session_id, user_id)
        return found

    def conversation(self, user_id: str, messages: list[str]) -> TurnRecord:
        """A stateless conversation (OpenAI style): replay earlier user messages, answer the last."""
        session = self._fresh_session(user_id)
        for earlier in messages[:-1]:
            self.replay_agent.turn(session, earlier)
        return self.agent.turn(session, messages[-1])

    def _fresh_session(self, user_id: str | None) -> Session:
        try:
            return new_session(self.agent, user_id)
        except UnknownId:
            return Session(user_id=user_id)

    # ------------------------------------------------------------------ one-shot tools
    def _context(self, user_id: str | None) -> ToolContext:
        session = self._fresh_session(user_id)
        liked, disliked = list(session.liked), list(session.disliked)
        if user_id is not None:
            prof = self.profile(user_id)
            liked += [i for i in prof.get("liked", []) if i not in liked]
            for key in ("disliked", "not_interested"):
                disliked += [i for i in prof.get(key, []) if i not in disliked]
        return ToolContext(
            catalog=self.catalog,
            models=self.agent.models,
            resolver=self.agent.resolver,
            bus=CandidateBus(),
            history=list(session.history),
            liked=liked,
            disliked=disliked,
        )

    def recommend(
        self, user_id: str | None, n: int, filters: SearchCatalogArgs | None = None
    ) -> tuple[list[RecommendedItem], list[str]]:
        """Personalised top-n (popular for unknown users), within optional hard filters."""
        ctx = self._context(user_id)
        notes: list[str] = []
        if filters is not None:
            result = SearchCatalog().run(filters, ctx)
            if not result.ok:
                raise ValueError(result.message)
            notes.append(result.message)
        Rank().run(RankArgs(mode="personal"), ctx)
        Finalize().run(FinalizeArgs(n=n), ctx)
        return build_items(ctx), notes

    def similar(
        self, titles: list[str], n: int, user_id: str | None = None
    ) -> tuple[list[RecommendedItem], list[str]]:
        ctx = self._context(user_id)
        names = [self._title_of(t) for t in titles]
        result = RetrieveSimilar().run(RetrieveSimilarArgs(titles=names), ctx)
        if not result.ok:
            raise ValueError(result.message)
        ctx.history, ctx.liked = [], []  # similar to the seeds, not filtered by history
        Finalize().run(FinalizeArgs(n=n), ctx)
        return build_items(ctx), [result.message]

    def _title_of(self, name: str) -> str:
        """Accept an item id where a title is expected."""
        return self.agent.resolver.titles.get(name, name)

    def search(self, conditions: SearchCatalogArgs, limit: int) -> tuple[list[Item], int]:
        ctx = self._context(None)
        result = SearchCatalog().run(conditions, ctx)
        if not result.ok:
            raise ValueError(result.message)
        ids = ctx.bus.ids()
        return self.catalog.get_items(ids[:limit]), len(ids)

    def items(self, ids: list[str]) -> list[Item]:
        return self.catalog.get_items(ids)

    def card(self, item: RecommendedItem, catalog_item: Item | None) -> dict[str, Any]:
        """A recommended item with its display attributes (year, genres, all attributes)."""
        attrs = catalog_item.attributes if catalog_item else {}
        year = attrs.get(self.year_attr) if self.year_attr else None
        genres = attrs.get(self.genre_attr)
        return {
            **item.model_dump(),
            "year": year if isinstance(year, int | float) else None,
            "genres": genres if isinstance(genres, list) else [],
            "attributes": attrs,
        }

    def cards(self, items: list[RecommendedItem]) -> list[dict[str, Any]]:
        found = {i.item_id: i for i in self.catalog.get_items([x.item_id for x in items])}
        return [self.card(x, found.get(x.item_id)) for x in items]

    # ------------------------------------------------------------------ feedback, profile
    def feedback(self, user_id: str, item_id: str, kind: str, session_id: str | None) -> None:
        self.memory.feedback(user_id, item_id, kind, session_id=session_id)

    def profile(self, user_id: str) -> dict[str, Any]:
        prof = self.store.profile(user_id)
        data: dict[str, Any] = (
            prof.model_dump(mode="json") if hasattr(prof, "model_dump") else dict(prof)
        )
        return data

    def export_user(self, user_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self.store.export_user(user_id)
        return data

    def delete_user(self, user_id: str) -> dict[str, int]:
        data: dict[str, int] = self.store.delete_user(user_id)
        return data
