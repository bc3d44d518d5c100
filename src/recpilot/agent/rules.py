"""The ``rules`` brain: a deterministic plan from a request, no LLM.

A product mode (instant, no model), the fast path when the rules reading accounts for the
whole message, and the fallback when an LLM fails. It produces the same
:class:`~recpilot.agent.plan.Plan` an LLM would.
"""

from __future__ import annotations

from typing import Any

from recpilot.agent.analysis import Request
from recpilot.agent.plan import Plan, ToolCall

DEFAULT_N = 5


def search_args(req: Request) -> dict[str, Any]:
    """``search_catalog`` arguments for the request's hard conditions ({} when none)."""
    search: dict[str, Any] = {}
    include = {a: list(v) for a, v in req.include.items() if v}
    exclude = {
        a: [v for v in values if v not in req.include.get(a, [])]
        for a, values in req.exclude.items()
    }
    exclude = {a: v for a, v in exclude.items() if v}
    if include:
        search["include"] = include
        if req.match == "any":
            search["match"] = "any"
    if exclude:
        search["exclude"] = exclude
    ranges = {
        a: {"min": low, "max": high}
        for a, (low, high) in req.ranges.items()
        if low is not None or high is not None
    }
    if ranges:
        search["ranges"] = ranges
    return search


def plan_from_request(req: Request, titles: dict[str, str], *, has_history: bool = False) -> Plan:
    """The canonical plan for a request: hard filters, then soft retrieval, then ranking,
    then the top n. Standing exclusions and limits must already be folded into ``req``."""
    if req.lookup:
        return Plan(
            steps=[
                ToolCall(
                    tool="lookup_items",
                    args={"titles": [titles[i] for i in req.lookup], "question": req.question},
                )
            ]
        )
    steps: list[ToolCall] = []
    if search := search_args(req):
        steps.append(ToolCall(tool="search_catalog", args=search))
    seeds = [titles[i] for i in req.like]
    if seeds:
        steps.append(ToolCall(tool="retrieve_similar", args={"titles": seeds}))
    if req.about:
        steps.append(ToolCall(tool="retrieve_semantic", args={"text": req.about}))
    unwanted = [titles[i] for i in req.unwanted]
    if not seeds and not req.about:
        mode = req.mode if req.mode != "personal" or has_history else "popular"
        steps.append(
            ToolCall(
                tool="rank", args={"mode": mode, **({"unwanted": unwanted} if unwanted else {})}
            )
        )
    elif unwanted or req.mode != "personal":
        order = "similar" if seeds and req.mode == "personal" else req.mode
        steps.append(ToolCall(tool="rank", args={"mode": order, "unwanted": unwanted}))
    steps.append(ToolCall(tool="finalize", args={"n": req.n or DEFAULT_N}))
    return Plan(steps=steps)
