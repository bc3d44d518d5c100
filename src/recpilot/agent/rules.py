"""The ``rules`` brain: a deterministic plan from the request analysis, no LLM.

A product mode (instant, no model) and the fallback when an LLM fails. It produces the same
:class:`~recpilot.agent.plan.Plan` an LLM would.
"""

from __future__ import annotations

from typing import Any

from recpilot.agent.analysis import Request
from recpilot.agent.plan import Plan, ToolCall

DEFAULT_N = 5


def plan_from_request(
    req: Request,
    titles: dict[str, str],
    *,
    excluded_genres: list[str] | None = None,
    genre_attribute: str = "genres",
    year_attribute: str | None = "year",
    has_history: bool = False,
) -> Plan:
    """The canonical plan for an analysed request: hard filters, then soft retrieval, then
    ranking, then the top n."""
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
    exclude = [*req.exclude, *(g for g in excluded_genres or [] if g not in req.exclude)]
    exclude = [g for g in exclude if g not in req.include]
    search: dict[str, Any] = {}
    if req.include:
        search["include"] = {genre_attribute: req.include}
        if req.match == "any":
            search["match"] = "any"
    if exclude:
        search["exclude"] = {genre_attribute: exclude}
    if year_attribute and (req.year_min is not None or req.year_max is not None):
        search["ranges"] = {year_attribute: {"min": req.year_min, "max": req.year_max}}
    if search:
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
