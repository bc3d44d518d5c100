"""What an accepted turn earns: its (request → plan) joins the grown demonstration bank the
planner reads, if the plan passes the plan checks for its request."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from recpilot.agent.agent import Agent
from recpilot.agent.analysis import analyze
from recpilot.agent.demos import shareable
from recpilot.agent.plan import Plan, parse_plan
from recpilot.agent.validate import check_plan
from recpilot.config import subdir
from recpilot.memory.records import PlanOutcomeRow

log = logging.getLogger(__name__)


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
    if not shareable(request, [*req.unexplained, *req.unresolved]):
        return None  # every user's planner reads the bank: only fully read, plain requests
    problems = check_plan(steps, req, agent.resolver)
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
