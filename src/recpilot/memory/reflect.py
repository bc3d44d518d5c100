"""Reflective memory: each turn's plan and what became of it, and a report of plan shapes
that keep failing.

Outcomes: ``pending`` (shown, no reaction yet), ``empty`` (nothing recommended),
``degraded`` (the LLM failed, rules answered), ``accepted`` (a shown item was liked or
consumed), ``rejected`` (a shown item was disliked / not wanted), ``corrected`` (the next
message pushed back on what was shown). What an accepted turn earns (a demonstration for
the planner) is the conversation service's business (:mod:`recpilot.service.reflection`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from recpilot.memory.store import MemoryStore, PlanOutcomeRow

log = logging.getLogger(__name__)

FAILURES = frozenset({"empty", "degraded", "rejected", "corrected"})


def plan_shape(plan: list[dict[str, Any]]) -> str:
    """The sequence of tools, e.g. ``search_catalog>rank>finalize``."""
    return ">".join(str(step.get("tool")) for step in plan) or "(none)"


def initial_outcome(items: Sequence[str], degraded: bool) -> str:
    if degraded:
        return "degraded"
    return "pending" if items else "empty"


def outcome_row(
    turn_id: str,
    session_id: str,
    user_id: str | None,
    *,
    request: str,
    plan: list[dict[str, Any]],
    brain: str,
    items: list[str],
    degraded: bool,
) -> PlanOutcomeRow:
    return PlanOutcomeRow(
        turn_id=turn_id,
        session_id=session_id,
        user_id=user_id,
        request=request,
        plan=plan,
        shape=plan_shape(plan),
        brain=brain,
        items=items,
        outcome=initial_outcome(items, degraded),
        created_at=time.time(),
    )


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
