"""The typed plans the service runs for recommendations and similar items, as turn records:
what was asked (in words), each step, and which conditions came from memory."""

from __future__ import annotations

from recpilot.agent.executor import Execution
from recpilot.agent.plan import ParsedStep
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.tools.search import SearchCatalogArgs, describe_conditions


def plan_record(
    message: str,
    steps: list[ParsedStep],
    run: Execution,
    items: list[RecommendedItem],
    reply: str,
) -> TurnRecord:
    return TurnRecord(
        message=message,
        brain="rules",
        reply=reply,
        items=items,
        plan=[{"tool": s.tool, "args": s.args.model_dump(exclude_defaults=True)} for s in steps],
        plan_source="service",
        steps=run.steps,
        notes=list(run.notes),
        answer_kind="answer" if items else "none",
    )


def request_text(
    verb: str, n: int, filters: SearchCatalogArgs | None, seeds: list[str] | None = None
) -> str:
    """What was asked, in words: "recommend (10) where genres Drama"."""
    text = f"{verb} {', '.join(seeds)}" if seeds else verb
    text += f" ({n})"
    if filters is not None and (described := describe_conditions(filters)):
        text += f" where {described}"
    return text


def memory_decisions(standing: SearchCatalogArgs | None) -> dict[str, str]:
    """The standing conditions, as ``decided_by`` entries: decided by memory."""
    if standing is None:
        return {}
    out = {f"exclude {a}={v}": "memory" for a, values in standing.exclude.items() for v in values}
    out.update({f"range {a}": "memory" for a in standing.ranges})
    return out


def ruled_out_notes(
    filters: SearchCatalogArgs | None, standing: SearchCatalogArgs | None
) -> list[str]:
    """A request that asks for values the user ruled out gets told why they stay out."""
    if filters is None or standing is None:
        return []
    clash = [
        v
        for attribute, values in filters.include.items()
        for v in values
        if v.lower() in {x.lower() for x in standing.exclude.get(attribute, [])}
    ]
    if not clash:
        return []
    return [
        f"{', '.join(clash)} stay{'s' if len(clash) == 1 else ''} out: the user ruled "
        f"{'it' if len(clash) == 1 else 'them'} out (remove that stated preference to see "
        f"{'it' if len(clash) == 1 else 'them'} again)."
    ]
