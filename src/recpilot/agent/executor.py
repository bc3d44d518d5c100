"""Run a plan's tool calls in order over a fresh candidate bus; relax hard conditions in a
defined order when nothing survives, and say so."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from recpilot.agent.plan import ParsedStep
from recpilot.agent.trace import StepRecord
from recpilot.tools.base import Tool, ToolContext
from recpilot.tools.ranking import FinalizeArgs
from recpilot.tools.search import Range, SearchCatalogArgs, describe_conditions

YEAR_WIDEN = 5  # years a time range widens by (the only numeric limit ever widened)


@dataclass
class Execution:
    context: ToolContext
    steps: list[StepRecord]
    notes: list[str] = field(default_factory=list)
    requested: int = 5
    relaxed: bool = False  # the conditions had to be relaxed to find anything


def execute(
    steps: list[ParsedStep],
    tools: dict[str, Tool[Any]],
    new_context: Callable[[], ToolContext],
    *,
    widen: frozenset[str] = frozenset(),
) -> Execution:
    """Execute; if a recommendation plan ends empty, retry with relaxed conditions.
    ``widen``: the attributes whose ranges may widen by ``YEAR_WIDEN`` (the time-like one);
    any other limit (a price, a rating) is kept or dropped, never quietly moved."""
    steps = _with_finalize(steps)
    requested = next((s.args.n for s in steps if isinstance(s.args, FinalizeArgs)), 0)
    run = _run(steps, tools, new_context())
    if run.context.bus.candidates or _is_lookup(steps):
        _note_shortfall(run, requested)
        return run
    for label, relaxed in _relaxations(steps, widen):
        retry = _run(relaxed, tools, new_context())
        if retry.context.bus.candidates:
            retry.notes.append(f"Nothing matched every condition, so I relaxed them: {label}.")
            retry.steps = run.steps + retry.steps
            retry.relaxed = True
            _note_shortfall(retry, requested)
            return retry
    run.notes.append("Nothing in the catalog matches these conditions, even relaxed.")
    run.relaxed = True
    return run


def _run(steps: list[ParsedStep], tools: dict[str, Tool[Any]], ctx: ToolContext) -> Execution:
    records: list[StepRecord] = []
    for step in steps:
        started = time.perf_counter()
        result = tools[step.tool].run(step.args, ctx)
        records.append(
            StepRecord(
                tool=step.tool,
                args=step.args.model_dump(exclude_defaults=True),
                ok=result.ok,
                message=result.message,
                size=result.size,
                ms=round((time.perf_counter() - started) * 1000, 3),
            )
        )
    requested = next((s.args.n for s in steps if isinstance(s.args, FinalizeArgs)), 5)
    return Execution(ctx, records, requested=requested)


def _with_finalize(steps: list[ParsedStep]) -> list[ParsedStep]:
    """Exactly one finalize, last (lookups end without one)."""
    finals = [s for s in steps if s.tool == "finalize"]
    rest = [s for s in steps if s.tool != "finalize"]
    if _is_lookup(rest):
        return rest
    final = finals[-1] if finals else ParsedStep(tool="finalize", args=FinalizeArgs())
    return [*rest, final]


def _is_lookup(steps: list[ParsedStep]) -> bool:
    return bool(steps) and all(s.tool == "lookup_items" for s in steps if s.tool != "finalize")


def _note_shortfall(run: Execution, requested: int) -> None:
    got = len(run.context.bus.candidates)
    if 0 < got < requested and not _only_lookup(run):
        run.notes.append(
            f"Only {got} item{'s' if got != 1 else ''} match{'es' if got == 1 else ''} — you asked for {requested}."
        )


def _only_lookup(run: Execution) -> bool:
    return all(s.tool in ("lookup_items", "finalize") for s in run.steps)


def _relaxations(
    steps: list[ParsedStep], widen: frozenset[str]
) -> list[tuple[str, list[ParsedStep]]]:
    """Relaxed variants of the plan, mildest first: drop title text, accept any included value
    instead of all, widen time ranges, drop ranges, drop the included values. Exclusions are
    never relaxed: what the user ruled out stays out."""
    searches = [s for s in steps if isinstance(s.args, SearchCatalogArgs)]
    if not searches:
        return []
    original = searches[0].args
    assert isinstance(original, SearchCatalogArgs)
    variants: list[tuple[str, SearchCatalogArgs]] = []
    current = original.model_copy(deep=True)
    if current.title:
        current = current.model_copy(update={"title": None})
        variants.append((f"ignored the title text {original.title!r}", current))
    if current.match == "all" and any(len(v) > 1 for v in current.include.values()):
        current = current.model_copy(update={"match": "any"})
        variants.append(("accepted any of the requested values instead of all", current))
    if widened_names := [k for k in current.ranges if k in widen]:
        widened = {
            k: r
            if k not in widen
            else Range(
                min=None if r.min is None else r.min - YEAR_WIDEN,
                max=None if r.max is None else r.max + YEAR_WIDEN,
            )
            for k, r in current.ranges.items()
        }
        current = current.model_copy(update={"ranges": widened})
        variants.append((f"widened {', '.join(widened_names)} by {YEAR_WIDEN}", current))
    if current.ranges:
        names = ", ".join(current.ranges)
        current = current.model_copy(update={"ranges": {}})
        variants.append((f"dropped the {names} range", current))
    if current.include:
        current = current.model_copy(update={"include": {}})
        variants.append(("dropped the requested categories", current))
    out = []
    for label, args in variants:
        replaced = [ParsedStep(tool=s.tool, args=args) if s is searches[0] else s for s in steps]
        out.append((f"{label} (now: {describe_conditions(args) or 'no conditions'})", replaced))
    return out
