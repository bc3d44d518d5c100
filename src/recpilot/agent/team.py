"""Team mode: collaborating roles over the same tools, bus, memory and validation.

One turn of the team, each role one LLM call with its own short prompt and JSON schema
(:mod:`recpilot.agent.team_prompts`):

1. **manager** splits the request into sub-goals (constraints, titles it resembles — kept
   only when they resolve to catalog titles —, topic);
2. **analyst** reads the user's profile and memory context and the candidate rows a plain
   (rules) reading of the request finds, and notes what fits and what to avoid;
3. **searcher** writes the plan: it *is* the plan-first planner (:class:`LLMPlanner`), asked
   with the team's notes as extra context, so its plan is merged with the rules reading,
   amended and checked exactly like a plan-first plan (one repair round included);
4. **reflector** judges the draft items (the plan run over a fresh bus) against the request:
   ok, or the one problem; an objection sends the plan back to the searcher once, and the
   revision is validated the same way (a revision that fails validation keeps the draft);
5. **interpreter** writes the reply — the agent's reply step, through the same grounding and
   fact check (:meth:`recpilot.agent.agent.Agent._reply`).

Every call lands in the turn record with its role as ``purpose``. A role the LLM cannot
answer before a plan exists sends the turn to the rules plan, flagged degraded (as a dead
planner does); an unreadable answer from the manager or analyst leaves that role's notes
out and is recorded as a failed call. Everything else (reading, merging, running the tools,
ranking) is the deterministic code plan-first uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recpilot.agent.analysis import Request
from recpilot.agent.plan import Plan
from recpilot.agent.planner import LLMPlanner, PlanOutcome
from recpilot.agent.team_prompts import (
    ANALYST_SCHEMA,
    MANAGER_SCHEMA,
    NOTE_CHARS,
    REFLECTOR_SCHEMA,
    analyst_prompt,
    manager_prompt,
    reflector_prompt,
    revision_notes,
    team_notes,
)
from recpilot.agent.trace import LLMCall
from recpilot.agent.untrusted import one_line
from recpilot.catalog.schema import Item
from recpilot.errors import LLMUnavailable, RecpilotError
from recpilot.llm.base import LLM, CallNotMade, LLMRequest, Message
from recpilot.llm.json_output import parse_json

log = logging.getLogger(__name__)

ANALYST_ROWS = 6  # candidate rows the analyst reads
REFLECTOR_ROWS = 10  # draft rows the reflector reads
ROLE_MAX_TOKENS = 120
# The planner's call purposes, as the searcher's.
SEARCHER_PURPOSES = {"plan": "searcher", "repair": "searcher-repair", "critic": "searcher-critic"}


@dataclass(frozen=True)
class TeamTurn:
    """What the team is given for one turn."""

    message: str
    context: str  # the session's fenced context block (profile, memories, likes), or ""
    request: Request  # the rules reading (standing exclusions and limits folded in)
    fallback: Plan  # the rules plan
    decided_by: dict[str, str]
    rows: Callable[[Plan], list[Item]]  # runs a plan over a fresh bus: the final rows


@dataclass
class _Notes:
    goals: str = ""
    fits: str = ""
    avoid: str = ""
    calls: list[LLMCall] = field(default_factory=list)


class RoleFailed(Exception):
    """A role's LLM call could not be made or answered (the turn degrades)."""

    def __init__(self, role: str, error: LLMUnavailable) -> None:
        super().__init__(f"team {role} LLM unavailable: {error}")
        self.role = role


class Team:
    """The roles around one plan-first planner. ``llm`` answers the manager, analyst and
    reflector (for the embedded model an instance of its own, so the planner's cached
    prompt prefix survives between the searcher's calls); the searcher uses the planner's."""

    def __init__(self, planner: LLMPlanner, llm: LLM, attributes: list[str]) -> None:
        self.planner = planner
        self.llm = llm
        self.attributes = attributes

    def plan(self, turn: TeamTurn, searcher_llm: LLM, role_llm: LLM) -> PlanOutcome:
        """Manager, analyst, searcher, reflector (and at most one revision). The LLMs are
        the turn's, seen through its deadline."""
        notes = _Notes()
        try:
            self._manager(turn, role_llm, notes)
            self._analyst(turn, role_llm, notes)
        except RoleFailed as exc:
            return PlanOutcome(
                plan=turn.fallback,
                calls=notes.calls,
                degraded_reasons=[str(exc)],
                reading=turn.request,
                decided_by=dict(turn.decided_by),
                source="rules-fallback",
            )
        context = turn.context + team_notes(notes.goals, notes.fits, notes.avoid)
        draft = self._search(turn, context, searcher_llm)
        draft.calls[:0] = notes.calls
        if not draft.source.startswith("llm"):
            return draft  # the searcher fell back to the rules plan (and says why)
        draft.source = "team" + draft.source.removeprefix("llm")
        problem = self._reflect(turn, draft, role_llm)
        if not problem:
            return draft
        revised = self._search(turn, context + revision_notes(draft.plan, problem), searcher_llm)
        calls = [*draft.calls, *revised.calls]
        if not revised.source.startswith("llm"):
            draft.calls = calls
            draft.degraded_reasons += revised.degraded_reasons
            log.info("team revision rejected; the draft stands: %s", revised.notes)
            return draft
        revised.calls = calls
        revised.notes = [*draft.notes, *revised.notes]
        revised.source = "team" + revised.source.removeprefix("llm") + "+revised"
        return revised

    # ------------------------------------------------------------------ roles

    def _manager(self, turn: TeamTurn, llm: LLM, notes: _Notes) -> None:
        answer = self._ask(
            "manager", llm, manager_prompt(turn.message, self.attributes), MANAGER_SCHEMA, notes
        )
        if answer is None:
            return
        parts = [f"constraints: {_field(answer, 'constraints')}"]
        similar = answer.get("similar_to")
        titles = self._catalog_titles(similar[:3] if isinstance(similar, list) else [])
        if titles:
            parts.append("similar to: " + ", ".join(one_line(t, 80) for t in titles))
        parts.append(f"topic: {_field(answer, 'topic')}")
        notes.goals = "; ".join(p for p in parts if not p.endswith(": "))

    def _catalog_titles(self, names: list[Any]) -> list[str]:
        """The catalog titles ``names`` resolve to; the rest are dropped (a small model fills
        the field with categories or made-up titles, which the searcher then copies into
        title arguments that fail validation)."""
        resolver = self.planner.resolver
        out: list[str] = []
        for name in names:
            res = resolver.resolve(str(name))
            if res.status == "resolved" and res.item_id is not None:
                title = resolver.titles[res.item_id]
                if title not in out:
                    out.append(title)
        return out

    def _analyst(self, turn: TeamTurn, llm: LLM, notes: _Notes) -> None:
        rows = turn.rows(turn.fallback)[:ANALYST_ROWS]
        prompt = analyst_prompt(turn.message, turn.context, notes.goals or "(none)", rows)
        answer = self._ask("analyst", llm, prompt, ANALYST_SCHEMA, notes)
        if answer is not None:
            notes.fits, notes.avoid = _field(answer, "fits"), _field(answer, "avoid")

    def _search(self, turn: TeamTurn, context: str, llm: LLM) -> PlanOutcome:
        outcome = self.planner.plan(
            turn.message, context, turn.request, turn.fallback, turn.decided_by, llm
        )
        outcome.calls = [
            c.model_copy(update={"purpose": SEARCHER_PURPOSES.get(c.purpose, c.purpose)})
            for c in outcome.calls
        ]
        return outcome

    def _reflect(self, turn: TeamTurn, draft: PlanOutcome, llm: LLM) -> str:
        """The reflector's one problem with the draft items ("" when it finds none or
        cannot answer: an unavailable reflector leaves the validated draft standing)."""
        rows = turn.rows(draft.plan)[:REFLECTOR_ROWS]
        prompt = reflector_prompt(turn.message, rows)
        holder = _Notes()
        try:
            verdict = self._ask("reflector", llm, prompt, REFLECTOR_SCHEMA, holder)
        except RoleFailed as exc:
            draft.calls += holder.calls
            draft.degraded_reasons.append(str(exc))
            return ""
        draft.calls += holder.calls
        if verdict is None or verdict.get("ok") is not False:
            return ""
        return _field(verdict, "problem")

    def _ask(
        self, role: str, llm: LLM, prompt: str, schema: dict[str, Any], notes: _Notes
    ) -> dict[str, Any] | None:
        """One role call: its JSON answer, or ``None`` when the answer is unreadable (a
        failed call in the record). Retries once when the call fails, unless it was not
        made (deadline spent, circuit open); raises :class:`RoleFailed` after that."""
        request = LLMRequest(
            messages=[Message(role="user", content=prompt)],
            json_schema=schema,
            max_tokens=ROLE_MAX_TOKENS,
        )
        first: LLMUnavailable | None = None
        while True:
            try:
                response = llm.request(request)
                break
            except LLMUnavailable as exc:
                if not isinstance(exc, CallNotMade):
                    notes.calls.append(LLMCall.failed(role, llm.name, exc))
                if first is None and not isinstance(exc, CallNotMade):
                    first = exc
                    continue
                raise RoleFailed(role, first or exc) from exc
        try:
            answer = parse_json(response.text)
        except RecpilotError as exc:
            answer = exc
        if not isinstance(answer, dict):
            call = LLMCall.answered(role, response)
            notes.calls.append(call.model_copy(update={"ok": False, "error": "unreadable answer"}))
            log.info("team %s answer unreadable: %.200r", role, response.text)
            return None
        notes.calls.append(LLMCall.answered(role, response))
        return answer


def _field(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    return one_line(value, NOTE_CHARS) if isinstance(value, str) else ""
