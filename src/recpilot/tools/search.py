"""``search_catalog``: hard conditions compiled to parameterised SQL on the catalog.

The LLM never writes SQL. It fills typed conditions; attribute names are checked against
the catalog's schema (and quoted), values are always bound as parameters.
"""

from __future__ import annotations

import difflib
import logging
import time
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from recpilot.catalog.schema import AttributeKind
from recpilot.tools.base import Tool, ToolArgs, ToolContext, ToolResult

log = logging.getLogger(__name__)

# Candidates a filter hands on when it starts the bus: beyond this many matches (catalogs of
# hundreds of thousands of items) the most-interacted ones, so a turn stays within 100 ms.
MATCH_POOL = 5_000


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None


class SearchCatalogArgs(ToolArgs):
    include: dict[str, list[str]] = Field(
        default_factory=dict,
        description="categorical attribute -> values every result must have (e.g. genres)",
    )
    match: Literal["all", "any"] = Field(
        "all", description="whether results need all the included values or any one of them"
    )
    exclude: dict[str, list[str]] = Field(
        default_factory=dict, description="categorical attribute -> values no result may have"
    )
    ranges: dict[str, Range] = Field(
        default_factory=dict, description="numeric attribute -> inclusive bounds (e.g. year)"
    )
    title: str | None = Field(None, description="text the title must contain")


class SearchCatalog(Tool[SearchCatalogArgs]):
    name = "search_catalog"
    description = (
        "Filter the catalog by hard conditions (categorical values to include/exclude, numeric "
        "ranges, title text). Narrows the current candidates, or selects from the whole "
        "catalog when there are none yet."
    )
    args_model = SearchCatalogArgs

    def run(self, args: SearchCatalogArgs, ctx: ToolContext) -> ToolResult:
        try:
            where, params = compile_conditions(args, ctx)
        except ValueError as exc:
            return ToolResult(False, str(exc), len(ctx.bus))
        started = time.perf_counter()
        label = describe_conditions(args)
        evidence = matches_label(args)
        pooled = ""
        # Title text needs SQL's LIKE; every other condition is answered from memory.
        in_memory = args.title is None
        if ctx.bus.active:  # only the candidates are checked
            on_bus = ctx.bus.ids()
            at = ctx.models.indices(on_bus)
            if in_memory and len(at) == len(on_bus):
                kept = ctx.catalog.ids_at(at[np.isin(at, match_in_memory(args, ctx))])
            else:  # a title condition, or items added since the models were trained
                where.append("item_id IN (SELECT unnest(?))")
                params.append(on_bus)
                kept = ctx.catalog.ids_at(ctx.catalog.matching(where, params))
            ctx.bus.keep(kept, evidence=evidence)
        else:
            # item positions, catalog order
            matched = (
                match_in_memory(args, ctx) if in_memory else ctx.catalog.matching(where, params)
            )
            if len(matched) > MATCH_POOL:
                # A huge catalog: the most-interacted matches go on as candidates.
                counts = ctx.models.popularity  # items added since training count 0
                popularity = np.zeros(len(matched))
                known = matched < len(counts)
                popularity[known] = counts[matched[known]]
                top = np.argpartition(-popularity, MATCH_POOL - 1)[:MATCH_POOL]
                pooled = f" (the {MATCH_POOL:,} most-interacted of {len(matched):,} kept)"
                matched = np.sort(matched[top])
            ctx.bus.fill(ctx.catalog.ids_at(matched), None, evidence)
        ms = (time.perf_counter() - started) * 1000
        message = f"{len(ctx.bus)} items match {label or 'no conditions'}{pooled}"
        return ToolResult(True, message, len(ctx.bus), {"sql_ms": round(ms, 2)})


def match_in_memory(args: SearchCatalogArgs, ctx: ToolContext) -> np.ndarray:
    """Positions of the items meeting the conditions (all but ``title``), from the
    catalog's in-memory filter: what the compiled SQL returns, without a scan."""
    include = {attr: _canonical_values(ctx, attr, v) for attr, v in args.include.items()}
    exclude = {attr: _canonical_values(ctx, attr, v) for attr, v in args.exclude.items()}
    ranges = {attr: (bounds.min, bounds.max) for attr, bounds in args.ranges.items()}
    return ctx.catalog.item_filter().match(include, exclude, ranges, match_all=args.match == "all")


def compile_conditions(args: SearchCatalogArgs, ctx: ToolContext) -> tuple[list[str], list[object]]:
    """``WHERE`` clauses and their parameters; ``ValueError`` with a fixable message when an
    attribute or value is not in the catalog."""
    where: list[str] = []
    params: list[object] = []
    for attr, values in args.include.items():
        canon = _canonical_values(ctx, attr, values)
        if canon:
            fn = "list_has_all" if args.match == "all" else "list_has_any"
            where.append(f"{fn}({_column(ctx, attr, AttributeKind.categorical)}, ?)")
            params.append(canon)
    for attr, values in args.exclude.items():
        canon = _canonical_values(ctx, attr, values)
        if canon:
            col = _column(ctx, attr, AttributeKind.categorical)
            where.append(f"NOT coalesce(list_has_any({col}, ?), false)")
            params.append(canon)
    for attr, bounds in args.ranges.items():
        col = _column(ctx, attr, AttributeKind.number)
        if bounds.min is not None:
            where.append(f"{col} >= ?")
            params.append(bounds.min)
        if bounds.max is not None:
            where.append(f"{col} <= ?")
            params.append(bounds.max)
    if args.title:
        where.append("lower(title) LIKE ?")
        params.append(f"%{args.title.lower()}%")
    return where, params


def items_with(ctx: ToolContext, values: dict[str, list[str]]) -> list[str]:
    """Items holding any of ``values`` (categorical attribute -> values). An attribute with
    a value the catalog no longer has (a remembered taste after the catalog changed) is
    skipped with its values, not an error."""
    found: set[str] = set()
    for attribute, wanted in values.items():
        if not wanted:
            continue
        args = SearchCatalogArgs(include={attribute: wanted}, match="any")
        try:
            where, params = compile_conditions(args, ctx)
        except ValueError:
            log.info("skipping a preference the catalog does not hold: %s=%s", attribute, wanted)
            continue
        sql = f"SELECT item_id FROM items WHERE {' AND '.join(where)}"
        found.update(row[0] for row in ctx.catalog.query(sql, params))
    return sorted(found)


def describe_conditions(args: SearchCatalogArgs) -> str:
    """The conditions in words, attribute by attribute: "genres Horror; year 1990–1999"."""
    joiner = " and " if args.match == "all" else " or "
    parts = [f"{attr} {joiner.join(v)}" for attr, v in args.include.items() if v]
    parts += [f"not {attr} {', '.join(v)}" for attr, v in args.exclude.items() if v]
    parts += [f"{attr} {_bounds(b, '≥ ', '≤ ')}" for attr, b in args.ranges.items() if _bounds(b)]
    if args.title:
        parts.append(f"title contains {args.title!r}")
    return "; ".join(parts)


def matches_label(args: SearchCatalogArgs) -> str:
    """The short evidence an item carries for passing the filter: "matches Horror, 1990–1999"."""
    parts = [("/" if args.match == "any" else " & ").join(v) for v in args.include.values() if v]
    parts += [f"no {', '.join(v)}" for v in args.exclude.values() if v]
    parts += [_bounds(b, "from ", "until ") for b in args.ranges.values() if _bounds(b)]
    if args.title:
        parts.append(f"title has {args.title!r}")
    return f"matches {', '.join(parts)}" if parts else ""


def _bounds(bounds: Range, low: str = "≥ ", high: str = "≤ ") -> str:
    if bounds.min is not None and bounds.max is not None:
        return f"{bounds.min:g}–{bounds.max:g}"
    if bounds.min is not None:
        return f"{low}{bounds.min:g}"
    if bounds.max is not None:
        return f"{high}{bounds.max:g}"
    return ""


def _column(ctx: ToolContext, attr: str, kind: AttributeKind) -> str:
    spec = ctx.catalog.attribute(attr)
    if spec is None or spec.kind != kind:
        valid = [a.name for a in ctx.catalog.attributes if a.kind == kind]
        raise ValueError(f"unknown {kind.value} attribute {attr!r}; valid: {', '.join(valid)}")
    return '"' + spec.name.replace('"', '""') + '"'


def _canonical_values(ctx: ToolContext, attr: str, values: list[str]) -> list[str]:
    _column(ctx, attr, AttributeKind.categorical)
    vocab = ctx.catalog.categorical_values(attr)
    by_lower = {v.lower(): v for v in vocab}
    out: list[str] = []
    for value in values:
        canon = by_lower.get(value.strip().lower())
        if canon is None:
            close = difflib.get_close_matches(value, vocab, n=3, cutoff=0.5)
            hint = (
                f"; did you mean {', '.join(close)}?" if close else f"; valid: {', '.join(vocab)}"
            )
            raise ValueError(f"{attr} has no value {value!r}{hint}")
        if canon not in out:
            out.append(canon)
    return out
