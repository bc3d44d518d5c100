"""One turn of the agent: read the message, plan, validate, execute over the bus, reply.

The brain is either an LLM (plan-first, with demonstrations and validation) or the rules
planner; a failing LLM never fails the turn — it answers from the rules plan, flagged
degraded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Any

from recpilot.agent.analysis import Request, Vocabulary, analyze
from recpilot.agent.executor import Execution, execute
from recpilot.agent.factcheck import FactChecker, rewrite
from recpilot.agent.lexicon import Lexicon
from recpilot.agent.plan import Plan, parse_plan
from recpilot.agent.planner import LLMPlanner, PlanOutcome, rejected_note
from recpilot.agent.react import ReactLoop, ReactRun, dump
from recpilot.agent.respond import (
    build_items,
    check_grounding,
    reply_prompt,
    template_reply,
    tidy_intro,
    with_list,
)
from recpilot.agent.restate import Restater, users_words
from recpilot.agent.rules import plan_from_request
from recpilot.agent.session import Session
from recpilot.agent.team import Team, TeamTurn
from recpilot.agent.trace import LLMCall, TurnRecord
from recpilot.agent.untrusted import fenced, quoted
from recpilot.agent.validate import merge
from recpilot.catalog.profile import CatalogProfile, Role, build_profile
from recpilot.catalog.schema import Item
from recpilot.catalog.store import Catalog
from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, CallNotMade, LLMRequest, Message
from recpilot.llm.deadline import Deadline, within
from recpilot.tools.base import Tool, ToolContext
from recpilot.tools.bus import CandidateBus
from recpilot.tools.registry import default_tools
from recpilot.tools.resolve import TitleResolver
from recpilot.tools.suite import ModelSuite

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
CONTEXT_TITLE_CHARS = 80  # one title in the planner's session context
CONTEXT_MEMORY_CHARS = 400  # the summary, the memories, the ruled-out list
CONTEXT_CHARS = 1500  # the whole session context block
MAX_RESTATED_VALUES = 3  # more values of one attribute in a restatement: a vocabulary dump


@dataclass
class AgentSettings:
    llm_reply: bool = True  # write the reply with the LLM (else the template)
    # Skip the LLM when the rules reading explains every word of the message.
    route: bool = True
    # Seconds the turn's LLM calls may take together (plan, repair, critic, reply); None:
    # the backend's default (recpilot.llm.deadline).
    deadline_s: float | None = None


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
        team: Team | None = None,
        tools: dict[str, Tool[Any]] | None = None,
        settings: AgentSettings | None = None,
        profile: CatalogProfile | None = None,
    ) -> None:
        self.catalog = catalog
        self.models = models
        self.llm = llm
        # Replies may use their own backend instance (for the embedded model: its own KV
        # prefix, so the planner's system prompt stays cached between turns).
        self.reply_llm = reply_llm or llm
        self.planner = planner
        self.react = react
        self.team = team  # team mode: roles around the planner (recpilot.agent.team)
        self.tools = tools or default_tools()
        self.settings = settings or AgentSettings()
        titles = catalog.titles()
        popularity = {i: float(models.popularity[k]) for k, i in enumerate(models.item_ids)}
        self.resolver = TitleResolver(titles, popularity=popularity)
        self.profile = profile or build_profile(catalog)
        lexicon = Lexicon.load(catalog.path.with_suffix(".lexicon.json"))
        self.vocab = Vocabulary.build(self.profile, self.resolver, lexicon)
        # Restate, then read (recpilot.agent.restate): set by build_agent for validated plans.
        self.restater: Restater | None = None

    @cached_property
    def fact_checker(self) -> FactChecker:
        """Built on the first LLM reply: the rules brain never needs it, and over a
        million titles it costs a minute and gigabytes."""
        return FactChecker.from_catalog(self.catalog)

    @property
    def brain(self) -> str:
        return "rules" if self.llm is None else self.llm.name

    def _deadline(self) -> Deadline | None:
        """This turn's LLM deadline (None without an LLM)."""
        if self.llm is None:
            return None
        return Deadline(self.settings.deadline_s or self.llm.turn_deadline_s)

    def turn(self, session: Session, message: str) -> TurnRecord:
        """One whole turn: read, route, plan, execute, reply."""
        started = time.perf_counter()
        deadline = self._deadline()
        record = TurnRecord(message=message, brain=self.brain)
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
            record.notes.append(
                f"Your message was cut to its first {MAX_MESSAGE_CHARS} characters."
            )
        req = analyze(message, self.vocab, session.shown)
        if req.corrections:
            read_as = ", ".join(f"{a!r} as {b!r}" for a, b in req.corrections.items())
            record.notes.append(f"I read {read_as}.")
        for item_id in req.liked:
            session.like(item_id)
        for item_id in req.disliked:
            session.dislike(item_id)
        session.lift(req.include)
        session.prefer(req.preferred)
        decided_by = {key: "rules" for key in constraint_keys(req)}
        req = with_standing(req, session, decided_by)
        rules_plan = plan_from_request(
            req, self.resolver.titles, has_history=bool(session.history or session.liked)
        )
        t_plan = time.perf_counter()
        marks: dict[str, float] = {}
        ran = self._react(message, session, record, deadline)
        if ran is None:
            ran = self._plan_and_execute(
                message, req, rules_plan, decided_by, session, record, marks, deadline
            )
        ctx, notes = ran
        t_tools = marks.get("tools", t_plan)  # ReAct interleaves planning and tools
        items = build_items(ctx)
        record.items = items
        unresolved = {r.query for r in ctx.unresolved} | set(req.unresolved)
        record.notes.extend(self._name_notes(unresolved))
        record.notes.extend(notes)
        self._flag_failed_steps(record)
        t_reply = time.perf_counter()
        used = {s.tool for s in record.steps}
        lookup = "lookup_items" in used and used <= {"lookup_items", "finalize"}
        record.reply = self._reply(message, record, lookup, ctx, within(self.reply_llm, deadline))
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
        decided_by: dict[str, str],
        session: Session,
        record: TurnRecord,
        marks: dict[str, float],
        deadline: Deadline | None,
    ) -> tuple[ToolContext, list[str]]:
        """Plan-first: plan (LLM or rules), then run the plan over a fresh bus."""
        outcome = self._plan(message, req, rules_plan, decided_by, session, deadline)
        record.llm.extend(outcome.calls)
        record.notes.extend(outcome.notes)
        record.degraded_reasons.extend(outcome.degraded_reasons)
        record.plan_source = outcome.source
        record.plan_amendments = outcome.amendments
        reading = outcome.reading
        # A question about named items has no constraints to decide.
        record.decided_by = {} if reading.lookup else outcome.decided_by
        # What the user rules out (in the rules' or the LLM's reading) holds for the session.
        session.exclude(reading.exclude)
        session.limits.update(reading.limits)
        if reading.diversity is not None:  # "surprise me": the session's setting until changed
            session.diversity = reading.diversity
        plan = outcome.plan
        # Words no reader used, and names that matched no catalog item.
        record.not_understood = [*reading.unexplained, *reading.unresolved]
        if reading.unexplained:  # (unresolved names get their own note)
            words = ", ".join(repr(w) for w in reading.unexplained)
            record.notes.append(f"I did not understand {words}.")
        if interpreted := _interpretation(req.unexplained, reading.unexplained, record.decided_by):
            # The LLM read what the rules could not: say how, so a wrong reading shows.
            record.notes.append(interpreted)
        if record.not_understood and not _understood(reading):
            # Nothing was read from the request: offer picks explicitly, never as its answer.
            record.answer_kind = "fallback"
            plan = plan_from_request(
                Request(n=reading.n, exclude=reading.exclude, ranges=reading.ranges),
                self.resolver.titles,
                has_history=bool(session.history or session.liked),
            )
            record.notes.append(
                "Nothing else in your message told me what to pick, so these are "
                + ("picks from your history" if session.history else "popular picks")
                + " instead, not an answer to your request. Could you say it another way "
                "(a category, a year, a title you like)?"
            )
        elif record.not_understood:
            record.notes.append("I answered the rest of your request and ignored that part.")
        marks["tools"] = time.perf_counter()
        run = self._execute(plan, session)
        llm_added = any(who == "llm" for who in record.decided_by.values())
        if run.relaxed and llm_added and _understood(req):
            # The LLM's additions left nothing that meets every condition: keep to what the
            # message says literally (and memory) before relaxing any of it.
            literal = self._execute(rules_plan, session)
            if not literal.relaxed:
                plan, run = rules_plan, literal
                record.decided_by = {k: v for k, v in record.decided_by.items() if v != "llm"}
                record.not_understood = [*req.unexplained, *req.unresolved]
                record.notes.append(
                    "Nothing matched your words together with my reading of the rest, so I "
                    "kept to what you said."
                )
        record.plan = [step.model_dump() for step in plan.steps]
        record.steps = run.steps
        if not run.context.bus.candidates and not record.not_understood:
            record.answer_kind = "none"
        return run.context, run.notes

    def _execute(self, plan: Plan, session: Session) -> Execution:
        steps, _ = parse_plan(plan, self.tools)
        time_like = self.profile.roles.get(Role.time)
        widen = frozenset([time_like] if time_like else [])
        return execute(steps, self.tools, lambda: self._context(session), widen=widen)

    def _rows(self, plan: Plan, session: Session) -> list[Item]:
        """The catalog rows ``plan`` ends with (a draft run, for the team's roles)."""
        return self.catalog.get_items(self._execute(plan, session).context.bus.ids())

    def _react(
        self, message: str, session: Session, record: TurnRecord, deadline: Deadline | None
    ) -> tuple[ToolContext, list[str]] | None:
        """ReAct mode: one tool per LLM step, every step under the turn's deadline. ``None``
        when the loop fails (the turn then runs the rules plan, flagged degraded)."""
        if self.react is None:
            return None
        ctx = self._context(session)
        llm = within(self.react.llm, deadline)
        run: ReactRun = self.react.run(f"{self._context_text(session)}{message}", ctx, llm)
        record.llm.extend(run.calls)
        record.plan = dump(run.plan)
        record.plan_source = "react"
        record.steps = run.steps
        if run.failed is None and ctx.bus.candidates:
            return ctx, []
        record.degraded_reasons.append(f"ReAct loop failed: {run.failed or 'no items'}")
        return None

    def _plan(
        self,
        message: str,
        req: Request,
        rules_plan: Plan,
        decided_by: dict[str, str],
        session: Session,
        deadline: Deadline | None,
    ) -> PlanOutcome:
        """The rules plan when there is no LLM, when the ReAct loop already failed, or when
        the rules reading explains every word of the message (routing: the LLM is only asked
        what the rules could not read); the LLM planner otherwise (in team mode, with the
        team's roles around it)."""
        if self.planner is None or self.react is not None:
            source = "rules" if self.planner is None else "rules-fallback"
            return PlanOutcome(plan=rules_plan, reading=req, decided_by=decided_by, source=source)
        if self.settings.route and not req.unexplained and not req.unresolved:
            return PlanOutcome(
                plan=rules_plan, reading=req, decided_by=decided_by, source="rules-routed"
            )
        restated, calls = self._restated(message, req, rules_plan, decided_by, session, deadline)
        if restated is not None:
            return restated
        context = self._context_text(session)
        llm = within(self.planner.llm, deadline)
        if self.team is not None:
            rows = partial(self._rows, session=session)
            turn = TeamTurn(message, context, req, rules_plan, decided_by, rows)
            role_llm = within(self.team.llm, deadline)
            outcome = self.team.plan(turn, llm or self.planner.llm, role_llm or self.team.llm)
        else:
            outcome = self.planner.plan(message, context, req, rules_plan, decided_by, llm)
        outcome.calls[:0] = calls
        failed = next((c for c in calls if not c.ok), None)
        if failed is not None and outcome.degraded_reasons:
            # The restatement met the fault first (a hang spends the turn's time): name it.
            first = outcome.degraded_reasons[0]
            if first.startswith("LLM unavailable"):
                outcome.degraded_reasons[0] = f"LLM unavailable: {failed.error}"
        return outcome

    def _restated(
        self,
        message: str,
        req: Request,
        rules_plan: Plan,
        decided_by: dict[str, str],
        session: Session,
        deadline: Deadline | None,
    ) -> tuple[PlanOutcome | None, list[LLMCall]]:
        """What the LLM's restatement of ``message`` settles (recpilot.agent.restate), and the
        call it made. When its rules reading adds to the literal one: the rules plan for the
        merged request. When it kept every word the rules could not read: the literal plan,
        those words not understood. ``None`` otherwise: the planner is asked."""
        if self.restater is None:
            return None, []
        restatement = self.restater.restate(message, within(self.restater.llm, deadline))
        calls = [restatement.call] if restatement.call is not None else []
        if restatement.text is None:
            return None, calls
        reading = analyze(restatement.text, self.vocab, session.shown)
        log.info("restated %r unread=%s", restatement.text, reading.unexplained)
        if any(len(values) > MAX_RESTATED_VALUES for values in reading.include.values()):
            return None, calls  # a list of the catalog's values is no reading of the request
        if not set(req.like) <= set(reading.like):
            return None, calls  # it lost a title the user named
        # A restatement keeps the user's request whole, so the values it adds to an attribute
        # the message names come from the words the rules could not read.
        merged, sources, rejected = merge(req, reading, decided_by, self.profile, extend_named=True)
        if merged.unexplained or merged.unresolved:  # it added nothing to the literal reading
            if req.unexplained and (
                set(req.unexplained) <= set(reading.unexplained)
                or users_words(reading.unexplained, message)
            ):
                # It kept the user's own words for what it could not name in catalog words
                # ("laptops", "ship to Canada" as "Canada shipping"): the catalog has nothing
                # for them; say so rather than ask the planner to guess. New words of its
                # own ("tea warmer") go to the planner, which may map them to a value.
                outcome = PlanOutcome(
                    plan=rules_plan,
                    calls=calls,
                    reading=req,
                    decided_by=decided_by,
                    source="llm-restated",
                )
                return outcome, calls
            return None, calls
        # What the restatement kept of the user's words but no reader understood stays not
        # understood ("a red rain jacket": red jackets, and 'rain' said to be unused).
        merged.unexplained = list(dict.fromkeys([*merged.unexplained, *reading.unexplained]))
        merged.unresolved = list(dict.fromkeys([*merged.unresolved, *reading.unresolved]))
        plan = plan_from_request(
            merged, self.resolver.titles, has_history=bool(session.history or session.liked)
        )
        outcome = PlanOutcome(
            plan=plan, calls=calls, reading=merged, decided_by=sources, source="llm-restated"
        )
        if rejected:
            outcome.notes.append(rejected_note(rejected, message))
        return outcome, calls

    def _flag_failed_steps(self, record: TurnRecord) -> None:
        """A filter or retrieval step that failed changes the answer: say so, flag it."""
        for step in record.steps:
            if not step.ok and step.tool in ("search_catalog", "retrieve_semantic", "rank"):
                record.degraded_reasons.append(f"{step.tool} failed: {step.message}")
                record.notes.append(
                    f"I could not apply one step ({step.tool}: {step.message}), so the "
                    "results ignore it."
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
            preferred={a: list(v) for a, v in session.preferred.items()},
            diversity=session.diversity,
        )

    def _name_notes(self, names: set[str]) -> list[str]:
        """Tell the user about names that matched no item, or several."""
        notes: list[str] = []
        missing: list[str] = []
        for name in sorted(names):
            res = self.resolver.resolve(name)
            if res.status == "ambiguous":
                options = [self.catalog.get_item(i) for i in res.options]
                time_attr = self.profile.roles.get(Role.time, "")
                listed = "; ".join(
                    f"{o.title} ({o.attributes.get(time_attr) or o.item_id})" for o in options if o
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
        """What the planner knows of this session, as one fenced block of data: titles are
        catalog text and the summary and memories are the user's own words, so none of it
        is read as instructions (control characters and chat markers go, lengths are
        capped)."""
        titles = self.resolver.titles
        lines = []
        if session.shown:
            shown = "; ".join(
                f"{k}. {quoted(titles[i], CONTEXT_TITLE_CHARS)}"
                for k, i in enumerate(session.shown, 1)
                if i in titles
            )
            lines.append(f"Previously shown: {shown}")
        if session.liked:
            liked = [quoted(titles[i], CONTEXT_TITLE_CHARS) for i in session.liked if i in titles]
            lines.append("Liked: " + "; ".join(liked))
        if session.excluded:
            ruled_out = [f"{a} {v}" for a, values in session.excluded.items() for v in values]
            lines.append("Ruled out: " + quoted(", ".join(ruled_out), CONTEXT_MEMORY_CHARS))
        for label, text in (("Summary", session.summary), ("Memory", session.memory_context)):
            if text:
                lines.append(f"{label}: {quoted(text, CONTEXT_MEMORY_CHARS)}")
        if not lines:
            return ""
        return fenced("Session context", lines, CONTEXT_CHARS) + "\n"

    def _reply(
        self, message: str, record: TurnRecord, lookup: bool, ctx: ToolContext, llm: LLM | None
    ) -> str:
        """The reply: the LLM's introduction over the data-backed list, or the template.
        ``llm``: the reply backend seen through the turn's deadline."""
        template = template_reply(record.items, record.notes, lookup)
        # A factual answer is the catalog row itself: LLM prose about an item invents facts
        # (a 1.5B reply credited Casablanca to Hitchcock), so lookups keep the template.
        if llm is None or not self.settings.llm_reply or not record.items or lookup:
            return template
        purpose = "reply" if self.team is None else "interpreter"
        prompt = reply_prompt(message, record.items, record.notes)
        request = LLMRequest(
            messages=[Message(role="user", content=prompt)], max_tokens=60, temperature=0.0
        )
        try:
            response = llm.request(request)
        except LLMUnavailable as exc:
            if not isinstance(exc, CallNotMade):
                record.llm.append(LLMCall.failed(purpose, llm.name, exc))
            skipped = isinstance(exc, CallNotMade)
            record.degraded_reasons.append(
                f"reply LLM {'skipped' if skipped else 'unavailable'}: {exc}"
            )
            return template
        record.llm.append(LLMCall.answered(purpose, response))
        grounding = check_grounding(response.text, record.items, ctx.seeds, self.resolver)
        if not grounding.ok or not response.text.strip():
            record.notes.append(
                "The LLM reply named items outside the result; used the template reply."
            )
            return template
        # Every statement the intro makes about the listed items is checked against their
        # rows; sentences the catalog contradicts or cannot back are dropped.
        rows = self.catalog.get_items([item.item_id for item in record.items])
        check = self.fact_checker.check(tidy_intro(response.text), rows)
        record.notes.extend(check.notes)
        intro = rewrite(check)
        if not intro:
            return template
        record.reply_source = "llm"
        record.intro = intro
        return with_list(intro, record.items)


def constraint_keys(req: Request) -> list[str]:
    """The request's constraints by name ("include genres=Comedy", "range year", ...)."""
    keys = [f"include {a}={v}" for a, values in req.include.items() for v in values]
    keys += [f"exclude {a}={v}" for a, values in req.exclude.items() for v in values]
    keys += [f"range {a}" for a in req.ranges]
    keys += [f"like {i}" for i in req.like]
    if req.about:
        keys.append("about")
    if req.mode != "personal":
        keys.append("mode")
    if req.diversity is not None:
        keys.append("diversity")
    return keys


def with_standing(req: Request, session: Session, decided_by: dict[str, str]) -> Request:
    """The request with the session's standing exclusions and limits folded in (marked
    "memory" in ``decided_by``), except values the message asks for again."""
    out = replace(
        req,
        exclude={a: list(v) for a, v in req.exclude.items()},
        ranges=dict(req.ranges),
    )
    for attribute, values in session.excluded.items():
        for value in values:
            if value in req.include.get(attribute, []) or value in out.exclude.get(attribute, []):
                continue
            out.exclude.setdefault(attribute, []).append(value)
            decided_by[f"exclude {attribute}={value}"] = "memory"
    for attribute, bounds in session.limits.items():
        if attribute not in out.ranges:
            out.ranges[attribute] = bounds
            decided_by[f"range {attribute}"] = "memory"
    return out


def _interpretation(unread: list[str], still_unread: list[str], decided_by: dict[str, str]) -> str:
    """ "I took 'six-year-old' to mean genres Children's." when the LLM read words the rules
    could not ("" otherwise)."""
    words = [w for w in unread if w not in still_unread]
    wording = {"include": "{}", "exclude": "no {}", "range": "a limit on {}"}
    meant = [
        wording[kind].format(what.replace("=", " "))
        for key, who in decided_by.items()
        if who == "llm" and (kind := key.split(" ", 1)[0]) in wording
        for what in [key.split(" ", 1)[1]]
    ]
    if not words or not meant:
        return ""
    quoted = ", ".join(f"'{w}'" for w in words[:6])
    return f"I took {quoted} to mean {'; '.join(meant)}."


def _understood(req: Request) -> bool:
    """Whether anything that selects items was read (a count alone does not)."""
    return bool(
        req.include
        or req.like
        or req.about
        or req.lookup
        or req.mode != "personal"
        or any(k not in req.limits for k in req.ranges)
    )


def _ms(a: float, b: float) -> float:
    return round((b - a) * 1000, 3)
