"""Reflective memory: each turn's plan and what became of it, the demonstrations it earns,
and a report of plan shapes that keep failing.

Outcomes: ``pending`` (shown, no reaction yet), ``empty`` (nothing recommended),
``degraded`` (the LLM failed, rules answered), ``accepted`` (a shown item was liked or
consumed), ``rejected`` (a shown item was disliked / not wanted), ``corrected`` (the next
message pushed back on what was shown). An accepted (request → plan) pair that passes
the plan validator joins the grown demonstration bank the planner reads.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recpilot.agent.agent import Agent
from recpilot.agent.analysis import analyze
from recpilot.agent.plan import Plan, parse_plan
from recpilot.agent.trace import TurnRecord
from recpilot.agent.validate import check_plan
from recpilot.config import subdir
from recpilot.memory.store import MemoryStore, PlanOutcomeRow

log = logging.getLogger(__name__)

FAILURES = frozenset({"empty", "degraded", "rejected", "corrected"})


def plan_shape(plan: list[dict[str, Any]]) -> str:
    """The sequence of tools, e.g. ``search_catalog>rank>finalize``."""
    return ">".join(str(step.get("tool")) for step in plan) or "(none)"


def initial_outcome(record: TurnRecord) -> str:
    if record.degraded:
        return "degraded"
    return "pending" if record.items else "empty"


def outcome_row(
    turn_id: str, session_id: str, user_id: str | None, record: TurnRecord
) -> PlanOutcomeRow:
    return PlanOutcomeRow(
        turn_id=turn_id,
        session_id=session_id,
        user_id=user_id,
        request=record.message,
        plan=record.plan,
        shape=plan_shape(record.plan),
        brain=record.brain,
        items=[i.item_id for i in record.items],
        outcome=initial_outcome(record),
        created_at=time.time(),
    )


def grown_bank_path() -> Path:
    return subdir("demos") / "grown.jsonl"


def validated_demo(agent: Agent, request: str, plan: list[dict[str, Any]]) -> Plan | None:
    """The plan when it parses against the real tools and passes the plan checks for its
    request; else None."""
    if not request.strip() or not plan:
        return None
    candidate = Plan.model_validate({"steps": plan})
    steps, errors = parse_plan(candidate, agent.tools)
    if errors:
        return None
    req = analyze(request, agent.vocab, [])
    problems = check_plan(
        steps,
        req,
        agent.resolver,
        genre_attribute=agent.vocab.genre_attribute,
        year_attribute=agent.vocab.year_attribute or "year",
    )
    return None if problems else candidate


def grow_demo_bank(agent: Agent, row: PlanOutcomeRow, path: Path | None = None) -> bool:
    """Append an accepted turn's (request → plan) to the grown bank after validation;
    False when it does not validate or the request is already there."""
    path = path or grown_bank_path()
    plan = validated_demo(agent, row.request, row.plan)
    if plan is None:
        log.info("demo not grown: plan failed validation shape=%s", row.shape)
        return False
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip() and json.loads(line).get("request") == row.request:
                return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(json.dumps({"request": row.request, "plan": plan.model_dump()}) + "\n")
    log.info("demo grown shape=%s", row.shape)
    return True


def mark_feedback(
    store: MemoryStore, user_id: str, item_id: str, kind: str, session_id: str | None
) -> PlanOutcomeRow | None:
    """Set the outcome of the latest turn of this user that showed ``item_id``."""
    rows = store.outcomes(user_id=user_id, session_id=session_id)
    row = next((r for r in reversed(rows) if item_id in r.items), None)
    if row is None:
        return None
    row.outcome = "accepted" if kind in ("like", "consumed") else "rejected"
    store.set_outcome(row.turn_id, row.outcome)
    return row


class ShapeReport(BaseModel):
    shape: str
    turns: int
    failures: int
    outcomes: dict[str, int]
    examples: list[str] = Field(default_factory=list)  # failing requests (no user ids)


def failure_report(store: MemoryStore, *, min_failures: int = 2) -> list[ShapeReport]:
    """Plan shapes that failed at least ``min_failures`` times, most failures first."""
    by_shape: dict[str, list[PlanOutcomeRow]] = defaultdict(list)
    for row in store.outcomes():
        by_shape[row.shape].append(row)
    out = []
    for shape, rows in by_shape.items():
        failed = [r for r in rows if r.outcome in FAILURES]
        if len(failed) >= min_failures:
            out.append(
                ShapeReport(
                    shape=shape,
                    turns=len(rows),
                    failures=len(failed),
                    outcomes=dict(Counter(r.outcome for r in rows)),
                    examples=[r.request[:120] for r in failed[-3:]],
                )
            )
    out.sort(key=lambda s: (-s.failures, s.shape))
    return out
