"""``rank`` orders the bus (personalised, popular, similar, recent); ``finalize`` takes the
top n, removing what the user has seen or rejected and re-ordering for variety by the
diversity setting (tools/diversify.py); ``lookup_items`` answers questions about
named items from their catalog rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
from pydantic import Field

from recpilot.tools.base import Tool, ToolArgs, ToolContext, ToolResult
from recpilot.tools.diversify import DEFAULT_DIVERSITY, DiversifyConfig, diversify
from recpilot.tools.search import items_with


class RankArgs(ToolArgs):
    mode: Literal["personal", "popular", "similar", "recent"] = Field(
        "personal",
        description="personal: the user's history and likes; popular; similar: to prefer; "
        "recent: newest first",
    )
    prefer: list[str] = Field(
        default_factory=list, max_length=5, description="titles to lean towards"
    )
    unwanted: list[str] = Field(default_factory=list, max_length=10, description="titles to drop")


class FinalizeArgs(ToolArgs):
    n: int = Field(5, ge=1, le=20, description="how many items to recommend")
    diversity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="variety and less mainstream picks: 0 off, 1 most; only when the user "
        "asks for it (surprise me, hidden gems, more variety)",
    )


class LookupItemsArgs(ToolArgs):
    titles: list[str] = Field(..., min_length=1, max_length=5, description="items asked about")
    question: str = Field("", max_length=300, description="what the user wants to know")


class Rank(Tool[RankArgs]):
    name = "rank"
    description = "Order the candidates: personal (trained model on the user's history), popular, similar, recent."
    args_model = RankArgs

    def run(self, args: RankArgs, ctx: ToolContext) -> ToolResult:
        prefer, failed = ctx.resolve_titles(args.prefer)
        unwanted, failed_unwanted = ctx.resolve_titles(args.unwanted)
        failed += failed_unwanted
        ctx.disliked.extend(i for i in unwanted if i not in ctx.disliked)
        if args.mode in ("popular", "recent") and ctx.diversity is None:
            ctx.diversity = 0.0  # an ordering asked for is kept, unless variety is asked too
        scores, label = _scores(args.mode, prefer, ctx)
        scores, label = _boost_preferred(scores, label, ctx)
        if not ctx.bus.active:
            # Nothing retrieved yet: the whole catalog is in play; keep its best RANK_POOL.
            fill_top(ctx, scores, label, exclude=[*unwanted, *_seen(ctx)])
            message = f"ranked the catalog ({args.mode})"
        else:
            ctx.bus.drop(unwanted)
            index = ctx.models.index
            by_id = {c: float(scores[index[c]]) for c in ctx.bus.ids() if c in index}
            ctx.bus.rescore(by_id, {c: label for c in by_id} if label else None)
            message = f"ranked {len(ctx.bus)} items ({args.mode})"
        if failed:
            message += f"; {ctx.describe_failures(failed)}"
        return ToolResult(True, message, len(ctx.bus))


def _scores(mode: str, prefer: list[str], ctx: ToolContext) -> tuple[np.ndarray, str]:
    models = ctx.models
    if mode == "popular":
        return models.popularity_scores(), ""
    if mode == "recent":
        return models.recency_scores(), ""
    if mode == "similar":
        seeds = prefer or ctx.seeds or ctx.liked
        if seeds:
            return models.similar_scores(seeds)[0], ""
    history = [*ctx.history, *ctx.liked, *prefer]
    if not history:
        return models.popularity_scores(), ""
    label = "fits your taste" if ctx.history or ctx.liked else ""
    weights = None
    if ctx.history_weights:
        # Items named now, or liked without being in the history, count as much as the
        # strongest taste; liked history items keep their (decayed) history weight.
        top = max(ctx.history_weights.values())
        in_history = set(ctx.history)
        fresh = [i for i in ctx.liked if i not in in_history] + prefer
        weights = {**ctx.history_weights, **dict.fromkeys(fresh, top)}
    return models.personal_scores(history, weights), label


PREFER_BOOST = 1.0  # a loved value lifts an item by the whole score range: loved ones lead


def _boost_preferred(scores: np.ndarray, label: str, ctx: ToolContext) -> tuple[np.ndarray, str]:
    """Items holding a value the user loves ("I love anything by Kubrick") move up by
    ``PREFER_BOOST`` of the score range, so they lead the candidates that passed the
    request's filters: a lasting taste, not a filter (the others still follow)."""
    ids = items_with(ctx, ctx.preferred)
    if not ids:
        return scores, label
    finite = scores[np.isfinite(scores)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    boosted = np.asarray(scores, dtype=np.float64).copy()
    boosted[ctx.models.indices(ids)] += PREFER_BOOST * (spread or 1.0)
    loved = ", ".join(v for values in ctx.preferred.values() for v in values)
    return boosted, ", ".join(p for p in (label, f"you love {loved}") if p)


class Finalize(Tool[FinalizeArgs]):
    name = "finalize"
    description = (
        "Keep the top n candidates as the recommendation, dropping seen or rejected items."
    )
    args_model = FinalizeArgs

    def run(self, args: FinalizeArgs, ctx: ToolContext) -> ToolResult:
        if not ctx.bus.active:
            scores, label = _scores("personal", [], ctx)
            fill_top(ctx, scores, label, exclude=_seen(ctx))
        ctx.bus.drop(_seen(ctx))
        how = ""
        if ctx.facts:  # an answer about named items is not re-ordered
            ctx.bus.candidates = ctx.bus.top(args.n)
        else:
            setting = args.diversity if args.diversity is not None else ctx.diversity
            config = DiversifyConfig(DEFAULT_DIVERSITY if setting is None else setting)
            how = diversify(ctx.bus, ctx.models, args.n, config)
        message = f"{len(ctx.bus)} items final (asked for {args.n})" + (f"; {how}" if how else "")
        return ToolResult(True, message, len(ctx.bus))


RANK_POOL = 500  # candidates kept when ranking the whole catalog (finalize takes ≤ 20)


def _seen(ctx: ToolContext) -> set[str]:
    """Items never recommended: the user's history, rejections, seeds and current likes."""
    return set(ctx.history) | set(ctx.disliked) | set(ctx.seeds) | set(ctx.liked)


def fill_top(ctx: ToolContext, scores: np.ndarray, evidence: str, exclude: Iterable[str]) -> None:
    """Fill the bus with the best-scoring items of the whole catalog, excluded ones left
    out — vectorised, so ranking 1,682 or 1M items costs one partial sort."""
    masked = np.where(np.isfinite(scores), scores, -np.inf).astype(np.float64, copy=True)
    index = ctx.models.index
    banned = [index[i] for i in exclude if i in index]
    masked[banned] = -np.inf
    k = min(RANK_POOL, int(np.isfinite(masked).sum()))
    if k == 0:
        ctx.bus.fill([], None, evidence)
        return
    top = np.argpartition(-masked, k - 1)[:k]
    top = top[np.lexsort((top, -masked[top]))]
    ids = ctx.models.item_ids
    ctx.bus.fill([ids[i] for i in top], [float(scores[i]) for i in top], evidence)


class LookupItems(Tool[LookupItemsArgs]):
    name = "lookup_items"
    description = (
        "Answer questions about specific items from their catalog rows (year, genres, ...)."
    )
    args_model = LookupItemsArgs

    def run(self, args: LookupItemsArgs, ctx: ToolContext) -> ToolResult:
        ids, failed = ctx.resolve_titles(args.titles)
        for item in ctx.catalog.get_items(ids):
            ctx.facts[item.item_id] = item_facts(item.title, item.attributes)
        if not ids:
            return ToolResult(False, ctx.describe_failures(failed), 0)
        ctx.bus.fill(ids, None, "you asked about it")
        message = " | ".join(ctx.facts[i] for i in ids if i in ctx.facts)
        return ToolResult(True, message, len(ids), {"facts": dict(ctx.facts)})


def item_facts(title: str, attributes: Mapping[str, object]) -> str:
    parts = [title]
    for name, value in attributes.items():
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, list):
            parts.append(f"{name}: {', '.join(str(v) for v in value)}")
        elif isinstance(value, float) and value.is_integer():
            parts.append(f"{name}: {int(value)}")
        else:
            parts.append(f"{name}: {value}")
    return "; ".join(parts)
