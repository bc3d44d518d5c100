"""One turn of the agent: read the message, plan, validate, execute over the bus, reply.

The brain is either an LLM (plan-first, with demonstrations and validation) or the rules
planner; a failing LLM never fails the turn — it answers from the rules plan, flagged
degraded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from recpilot.agent.analysis import Request, Vocabulary, analyze
from recpilot.agent.executor import execute
from recpilot.agent.plan import Plan, parse_plan
from recpilot.agent.planner import LLMPlanner, PlanOutcome
from recpilot.agent.react import ReactLoop, ReactRun, dump
from recpilot.agent.respond import (
    build_items,
    check_grounding,
    reply_prompt,
    template_reply,
    tidy_intro,
    with_list,
)
from recpilot.agent.rules import plan_from_request
from recpilot.agent.session import Session
from recpilot.agent.trace import LLMCall, TurnRecord
from recpilot.catalog.store import Catalog
from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.tools.base import Tool, ToolContext
from recpilot.tools.bus import CandidateBus
from recpilot.tools.registry import default_tools
from recpilot.tools.resolve import TitleResolver
from recpilot.tools.suite import ModelSuite

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000


@dataclass
class AgentSettings:
    llm_reply: bool = True  # write the reply with the LLM (else the template)


class Agent:
    """Owns the catalog view, models and tools; sessions are passed in by the caller."""

    def __init__(
        self,
        catalog: Catalog,
        models: ModelSuite,
        *,
        llm: LLM | None = None,
        reply_llm: LLM | None = None,
        planner: LLMPlanner | None = None,
        react: ReactLoop | None = None,
        tools: dict[str, Tool[Any]] | None = None,
        settings: AgentSettings | None = None,
    ) -> None:
        self.catalog = catalog
        self.models = models
        self.llm = llm
        # Replies may use their own backend instance (for the embedded model: its own KV
        # prefix, so the planner's system prompt stays cached between turns).
        self.reply_llm = reply_llm or llm
        self.planner = planner
        self.react = react
        self.tools = tools or default_tools()
        self.settings = settings or AgentSettings()
        titles = catalog.titles()
        popularity = {i: float(models.popularity[k]) for k, i in enumerate(models.item_ids)}
        self.resolver = TitleResolver(titles, popularity=popularity)
        genre_attr = _genre_attribute(catalog)
        self.vocab = Vocabulary(
            genres=catalog.categorical_values(genre_attr) if genre_attr else [],
            resolver=self.resolver,
            genre_attribute=genre_attr or "genres",
            year_attribute="year" if catalog.attribute("year") else None,
        )

    @property
    def brain(self) -> str:
        return "rules" if self.llm is None else self.llm.name

    def turn(self, session: Session, message: str) -> TurnRecord:
        started = time.perf_counter()
        record = TurnRecord(message=message, brain=self.brain)
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
            record.notes.append(
                f"Your message was cut to its first {MAX_MESSAGE_CHARS} characters."
            )
        req = analyze(message, self.vocab, session.shown)
        for item_id in req.liked:
            session.like(item_id)
        for item_id in req.disliked:
            session.dislike(item_id)
        genre_attr = self.vocab.genre_attribute
        if req.exclude:
            session.exclude({genre_attr: req.exclude})
        rules_plan = plan_from_request(
            req,
            self.resolver.titles,
            excluded_genres=session.excluded.get(genre_attr, []),
            genre_attribute=self.vocab.genre_attribute,
            year_attribute=self.vocab.year_attribute,
            has_history=bool(session.history or session.liked),
        )
        t_plan = time.perf_counter()
        marks: dict[str, float] = {}
        ran = self._react(message, session, record)
        if ran is None:
            ran = self._plan_and_execute(message, req, rules_plan, session, record, marks)
        ctx, notes = ran
        t_tools = marks.get("tools", t_plan)  # ReAct interleaves planning and tools
        items = build_items(ctx)
        record.items = items
        record.notes.extend(
            self._name_notes({r.query for r in ctx.unresolved} | set(req.unresolved))
        )
        record.notes.extend(notes)
        t_reply = time.perf_counter()
        used = {s.tool for s in record.steps}
        lookup = "lookup_items" in used and used <= {"lookup_items", "finalize"}
        record.reply = self._reply(message, record, lookup, ctx)
        done = time.perf_counter()
        record.degraded = bool(record.degraded_reasons)
        record.timings_ms = {
            "analyze": _ms(started, t_plan),
            "plan": _ms(t_plan, t_tools),
            "tools": _ms(t_tools, t_reply),
            "reply": _ms(t_reply, done),
            "total": _ms(started, done),
        }
        session.remember(record)
        return record

    def _plan_and_execute(
        self,
        message: str,
        req: Request,
        rules_plan: Plan,
        session: Session,
        record: TurnRecord,
        marks: dict[str, float],
    ) -> tuple[ToolContext, list[str]]:
        """Plan-first: plan (LLM or rules), then run the plan over a fresh bus."""
        outcome = (
            PlanOutcome(plan=rules_plan, source="rules-fallback")
            if self.react is not None  # the ReAct loop failed: no second LLM attempt
            else self._plan(message, req, rules_plan, session)
        )
        record.llm.extend(outcome.calls)
        record.notes.extend(outcome.notes)
        record.degraded_reasons.extend(outcome.degraded_reasons)
        record.plan = [step.model_dump() for step in outcome.plan.steps]
        record.plan_source = outcome.source
        record.plan_amendments = outcome.amendments
        steps, _ = parse_plan(outcome.plan, self.tools)
        marks["tools"] = time.perf_counter()
        run = execute(steps, self.tools, lambda: self._context(session))
        record.steps = run.steps
        return run.context, run.notes

    def _react(
        self, message: str, session: Session, record: TurnRecord
    ) -> tuple[ToolContext, list[str]] | None:
        """ReAct mode: one tool per LLM step. ``None`` when the loop fails (the turn then
        runs the rules plan, flagged degraded)."""
        if self.react is None:
            return None
        ctx = self._context(session)
        run: ReactRun = self.react.run(f"{self._context_text(session)}{message}", ctx)
        record.llm.extend(run.calls)
        record.plan = dump(run.plan)
        record.plan_source = "react"
        record.steps = run.steps
        if run.failed is None and ctx.bus.candidates:
            return ctx, []
        record.degraded_reasons.append(f"ReAct loop failed: {run.failed or 'no items'}")
        return None

    def _plan(self, message: str, req: Request, rules_plan: Plan, session: Session) -> PlanOutcome:
        if self.planner is None:
            return PlanOutcome(plan=rules_plan, source="rules")
        return self.planner.plan(
            message,
            self._context_text(session),
            req,
            rules_plan,
            session.excluded.get(self.vocab.genre_attribute, []),
        )

    def _context(self, session: Session) -> ToolContext:
        return ToolContext(
            catalog=self.catalog,
            models=self.models,
            resolver=self.resolver,
            bus=CandidateBus(),
            history=list(session.history),
            history_weights=dict(session.history_weights),
            liked=list(session.liked),
            disliked=list(session.disliked),
        )

    def _name_notes(self, names: set[str]) -> list[str]:
        """Tell the user about names that matched no item, or several."""
        notes: list[str] = []
        missing: list[str] = []
        for name in sorted(names):
            res = self.resolver.resolve(name)
            if res.status == "ambiguous":
                options = [self.catalog.get_item(i) for i in res.options]
                listed = "; ".join(
                    f"{o.title} ({o.attributes.get('year', o.item_id)})" for o in options if o
                )
                notes.append(f"{name!r} matches several items ({listed}) — which one did you mean?")
            else:
                missing.append(repr(name))
        if missing:
            notes.append(
                f"I could not find {', '.join(missing)} in the catalog, so I did not use "
                + ("it." if len(missing) == 1 else "them.")
            )
        return notes

    def _context_text(self, session: Session) -> str:
        titles = self.resolver.titles
        parts = []
        if session.shown:
            shown = "; ".join(
                f"{k}. {titles[i]}" for k, i in enumerate(session.shown, 1) if i in titles
            )
            parts.append(f"Previously shown: {shown}.")
        if session.liked:
            parts.append(
                "Liked: " + "; ".join(titles[i] for i in session.liked if i in titles) + "."
            )
        if session.excluded:
            ruled_out = [f"{a} {v}" for a, values in session.excluded.items() for v in values]
            parts.append("Ruled out: " + ", ".join(ruled_out) + ".")
        parts += [text for text in (session.summary, session.memory_context) if text]
        return ("[" + " ".join(parts) + "]\n") if parts else ""

    def _reply(self, message: str, record: TurnRecord, lookup: bool, ctx: ToolContext) -> str:
        template = template_reply(record.items, record.notes, lookup)
        llm = self.reply_llm
        # A factual answer is the catalog row itself: LLM prose about an item invents facts
        # (a 1.5B reply credited Casablanca to Hitchcock), so lookups keep the template.
        if llm is None or not self.settings.llm_reply or not record.items or lookup:
            return template
        prompt = reply_prompt(message, record.items, record.notes)
        request = LLMRequest(
            messages=[Message(role="user", content=prompt)], max_tokens=60, temperature=0.0
        )
        try:
            response = llm.request(request)
        except LLMUnavailable as exc:
            record.llm.append(LLMCall.failed("reply", llm.name, exc))
            record.degraded_reasons.append(f"reply LLM unavailable: {exc}")
            return template
        record.llm.append(LLMCall.answered("reply", response))
        grounding = check_grounding(response.text, record.items, ctx.seeds, self.resolver)
        if not grounding.ok or not response.text.strip():
            record.notes.append(
                "The LLM reply named items outside the result; used the template reply."
            )
            return template
        intro = tidy_intro(response.text)
        if not intro:
            return template
        record.reply_source = "llm"
        record.intro = intro
        return with_list(intro, record.items)


def _genre_attribute(catalog: Catalog) -> str | None:
    for spec in catalog.attributes:
        if spec.kind.value == "categorical" and spec.name in (
            "genres",
            "genre",
            "class",
            "categories",
            "tags",
        ):
            return spec.name
    return next((s.name for s in catalog.attributes if s.kind.value == "categorical"), None)


def _ms(a: float, b: float) -> float:
    return round((b - a) * 1000, 3)
