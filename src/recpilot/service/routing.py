"""Several catalogs, one assistant: route each request to the catalog that can answer it.

:class:`Router` reads a message against every catalog's :class:`CatalogCard`:

* **rules** — each content word (and phrase) of the message counts for the catalogs whose
  vocabulary holds it, by where they hold it (a whole title 3, the catalog's name 2, a value,
  synonym or domain word 1, a title word 0.5, a description word 0.25), divided by how many
  catalogs hold it (a word every catalog knows decides nothing). The best score wins when it
  is at least 1 and twice the runner-up's.
* **llm** — when an LLM brain is set and the rules reading is not clear, one short call
  (about 30 output tokens) picks from the catalogs' descriptions, the answer constrained to
  their names; an unusable answer leaves the rules' pick.
* nothing read at all, no LLM: the first (default) catalog, ``routed_by="default"``.

Precedence: an explicit ``catalog`` (``--dataset``, a ``catalog`` field, an MCP argument)
always wins (``"request"``). A session stays on the catalog its first turn was routed to
(``"session"``) unless the message names another catalog's items and not the current one's
("now books", "¿y películas?"): then the turn starts a new session on that catalog
(``"switch"``), since a session's shown, liked and ruled-out items belong to one catalog.

:class:`RoutedService` is a :class:`ConversationService` for the first catalog that routes
``turn``, ``conversation`` and ``feedback`` over one service per catalog (item cards come
from the catalog holding the items; ``recommend``, ``similar`` and ``search`` answer from the
first catalog, or from ``for_catalog(name)``), all on the same memory store
(a user's profile is shared: exclusions and limits apply where the catalog has the
attribute and value, see service/conditions.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.agent.trace import LLMCall, RecommendedItem
from recpilot.errors import ConfigError, LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.llm.json_output import LLMOutputError, parse_json
from recpilot.memory.store import MemoryStore
from recpilot.service.catalog_cards import (
    CatalogCard,
    Domains,
    build_card,
    describe_catalog,
    tokens,
)
from recpilot.service.conversation import ConversationService, ServiceSettings, TurnOut

log = logging.getLogger(__name__)

CLEAR_MIN = 1.0  # the rules' best score must reach this ...
CLEAR_RATIO = 2.0  # ... and be this many times the runner-up's
MAX_PHRASE_WORDS = 8
LLM_MAX_TOKENS = 30


@dataclass(frozen=True)
class Route:
    """Where a message goes and why."""

    catalog: str
    routed_by: str  # only, request, session, switch, rules, llm, default
    reason: str
    scores: dict[str, float] = field(default_factory=dict)
    llm: LLMCall | None = None


def route_prompt(cards: list[CatalogCard]) -> str:
    listed = "\n".join(f"- {c.description}" for c in cards)
    return (
        "You route a user's request to the catalog that can answer it. Catalogs:\n"
        f"{listed}\n"
        'Answer with JSON {"catalog": NAME}, NAME one of the catalog names above.'
    )


class Router:
    """Picks a catalog for a message (rules, then the LLM when the rules are unsure)."""

    def __init__(self, cards: list[CatalogCard], llm: LLM | None = None) -> None:
        if not cards:
            raise ConfigError("routing needs at least one catalog")
        self.cards = cards
        self.by_name = {c.name: c for c in cards}
        self.llm = llm
        self.stopwords = Domains.load().stopwords
        self.schema: dict[str, Any] = {
            "type": "object",
            "properties": {"catalog": {"type": "string", "enum": [c.name for c in cards]}},
            "required": ["catalog"],
        }

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.cards]

    def check(self, name: str) -> str:
        if name not in self.by_name:
            raise ConfigError(f"unknown catalog {name!r}; valid: {', '.join(self.names)}")
        return name

    # ------------------------------------------------------------------ rules
    def phrases(self, message: str) -> list[str]:
        """The message's words and multi-word phrases, without stopwords."""
        words = tokens(message)
        out = [w for w in words if w not in self.stopwords]
        for n in range(2, min(MAX_PHRASE_WORDS, len(words)) + 1):
            out += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
        return out

    def score(self, message: str) -> dict[str, float]:
        scores = dict.fromkeys(self.names, 0.0)
        for phrase in set(self.phrases(message)):
            weights = {c.name: c.weight(phrase) for c in self.cards}
            holders = sum(1 for w in weights.values() if w > 0)
            if holders:
                for name, w in weights.items():
                    scores[name] += w / holders
        return {k: round(v, 3) for k, v in scores.items()}

    @staticmethod
    def ranked(scores: dict[str, float]) -> list[tuple[str, float]]:
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def clear(self, scores: dict[str, float]) -> bool:
        ranked = self.ranked(scores)
        top = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        return top >= CLEAR_MIN and top >= CLEAR_RATIO * second

    def names_in(self, message: str) -> set[str]:
        """The catalogs whose items (or names) the message names ("books", "película")."""
        words = set(tokens(message))
        return {c.name for c in self.cards if words & c.naming}

    # ------------------------------------------------------------------ llm
    def ask_llm(self, message: str) -> tuple[str | None, LLMCall | None]:
        """The LLM's pick (None when it failed or answered outside the names)."""
        if self.llm is None:
            return None, None
        request = LLMRequest(
            messages=[
                Message(role="system", content=route_prompt(self.cards)),
                Message(role="user", content=message[:1000]),
            ],
            json_schema=self.schema,
            max_tokens=LLM_MAX_TOKENS,
        )
        try:
            response = self.llm.request(request)
        except LLMUnavailable as exc:
            log.warning("routing LLM failed: %s", exc)
            return None, LLMCall.failed("route", self.llm.name, exc)
        call = LLMCall.answered("route", response)
        try:
            value = parse_json(response.text)
        except LLMOutputError:
            return None, call
        name = value.get("catalog") if isinstance(value, dict) else None
        return (name if name in self.by_name else None), call

    # ------------------------------------------------------------------ decision
    def route(
        self, message: str, *, catalog: str | None = None, current: str | None = None
    ) -> Route:
        if len(self.cards) == 1:
            return Route(self.cards[0].name, "only", "one catalog")
        if catalog is not None:
            return Route(self.check(catalog), "request", "named in the request")
        scores = self.score(message)
        if current is not None:
            named = self.names_in(message)
            if named and current not in named:
                target = max(named, key=lambda n: scores.get(n, 0.0))
                return Route(target, "switch", f"the message names {target}'s items", scores)
            return Route(current, "session", "the session's catalog", scores)
        return self.decide(message, scores)

    def decide(
        self,
        message: str,
        scores: dict[str, float],
        asked: tuple[str | None, LLMCall | None] | None = None,
    ) -> Route:
        """The rules' pick when clear, else the LLM's (``asked``: its answer, already got),
        else the closest vocabulary, else the first catalog."""
        ranked = self.ranked(scores)
        best, top = ranked[0]
        reading = ", ".join(f"{n} {s:g}" for n, s in ranked)
        if self.clear(scores):
            return Route(best, "rules", f"vocabulary: {reading}", scores)
        picked, call = self.ask_llm(message) if asked is None else asked
        if picked is not None:
            return Route(picked, "llm", f"the LLM read it (vocabulary: {reading})", scores, call)
        if top > 0:
            return Route(best, "rules", f"closest vocabulary: {reading}", scores, call)
        default = self.cards[0].name
        return Route(default, "default", "nothing named a catalog; the first one", scores, call)


class RoutedService(ConversationService):
    """The first catalog's service, routing turns over one service per catalog."""

    def __init__(
        self,
        agents: list[Agent],
        store: MemoryStore,
        *,
        llm: LLM | None = None,
        settings: ServiceSettings | None = None,
    ) -> None:
        if not agents:
            raise ConfigError("a routed service needs at least one catalog")
        names = [a.catalog.name for a in agents]
        if len(set(names)) != len(names):
            raise ConfigError(f"a catalog is named twice: {', '.join(names)}")
        super().__init__(agents[0], store, settings=settings)
        self.others = {
            a.catalog.name: ConversationService(a, store, settings=settings) for a in agents[1:]
        }
        cards = [build_card(a.catalog, a.profile) for a in agents]
        self.router = Router(cards, llm if llm is not None else agents[0].llm)

    def catalog_names(self) -> list[str]:
        return self.router.names

    def for_catalog(self, name: str | None) -> ConversationService:
        if name is None or name == self.catalog.name:
            return self
        self.router.check(name)
        return self.others[name]

    def _base(self, name: str) -> ConversationService | None:
        """The other catalog's service, None for this (the first) one."""
        return None if name == self.catalog.name else self.others[name]

    def session_catalog(self, session_id: str, user_id: str | None) -> str | None:
        """The catalog a stored session's last turn was answered from (None: no such
        session, or it has no turn yet; a turn stored before routing: the first catalog)."""
        state = self.store.load_session(session_id, user_id)
        if state is None or not state.turns:
            return None
        name = state.turns[-1].record.get("catalog") or self.catalog.name
        return str(name) if name in self.router.by_name else self.catalog.name

    def turn(
        self,
        user_id: str | None,
        message: str,
        session_id: str | None = None,
        catalog: str | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        current = None if session_id is None else self.session_catalog(session_id, user_id)
        route = self.router.route(message, catalog=catalog, current=current)
        if current is not None and route.catalog != current:
            session_id = None  # a session belongs to one catalog: the switch starts a new one
        target = self._base(route.catalog)
        out = (
            super().turn(user_id, message, session_id, diversity=diversity)
            if target is None
            else target.turn(user_id, message, session_id, diversity=diversity)
        )
        return self._mark(out, route)

    def conversation(
        self,
        user_id: str | None,
        messages: list[str],
        catalog: str | None = None,
        diversity: float | None = None,
    ) -> TurnOut:
        route = self.router.route(" \n".join(messages), catalog=catalog)
        target = self._base(route.catalog)
        out = (
            super().conversation(user_id, messages, diversity=diversity)
            if target is None
            else target.conversation(user_id, messages, diversity=diversity)
        )
        return self._mark(out, route)

    @staticmethod
    def _mark(out: TurnOut, route: Route) -> TurnOut:
        record = out.record
        record.routed_by, record.route_reason = route.routed_by, route.reason
        if route.llm is not None:
            record.llm.insert(0, route.llm)
        return out

    def feedback(
        self, user_id: str | None, item_id: str, kind: str, session_id: str | None = None
    ) -> None:
        """Feedback goes to the session's catalog, else to the catalog holding the item."""
        name = None if session_id is None else self.session_catalog(session_id, user_id)
        if name is None:
            holders = [s for s in (self, *self.others.values()) if s.catalog.get_items([item_id])]
            name = holders[0].catalog.name if holders else self.catalog.name
        target = self._base(name)
        if target is None:
            super().feedback(user_id, item_id, kind, session_id)
        else:
            target.feedback(user_id, item_id, kind, session_id)

    def cards(self, items: list[RecommendedItem]) -> list[dict[str, Any]]:
        """Cards from the catalog that holds the items (the first catalog first)."""
        ids = [i.item_id for i in items]
        for service in (self, *self.others.values()):
            if len(service.catalog.get_items(ids)) == len(set(ids)):
                return ConversationService.cards(service, items)
        return super().cards(items)


def catalog_summaries(service: ConversationService) -> list[dict[str, Any]]:
    """Name, description and size of each catalog the service answers for."""
    if isinstance(service, RoutedService):
        return [c.summary() for c in service.router.cards]
    return [
        {
            "name": service.catalog.name,
            "description": describe_catalog(service.catalog, service.agent.profile),
            "n_items": len(service.agent.resolver.titles),
        }
    ]


def split_datasets(text: str) -> list[str]:
    """``"movielens-100k,planted-books"`` → the names, in order, each once."""
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise ConfigError("name at least one dataset")
    return names


def service_over(agents: list[Agent], store: MemoryStore) -> ConversationService:
    """One catalog: its service; several: a routed service over them."""
    return (
        ConversationService(agents[0], store) if len(agents) == 1 else RoutedService(agents, store)
    )


def open_service(options: AgentOptions, url: str | None = None) -> ConversationService:
    """The service for ``options.dataset`` (several comma-separated names: routed), over the
    memory store at ``url`` (opened after the agents are built)."""
    agents = [build_agent(replace(options, dataset=n)) for n in split_datasets(options.dataset)]
    store = MemoryStore.open(url)
    return service_over(agents, store)
