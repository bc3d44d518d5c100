"""``retrieve_similar`` (seed items → neighbours) and ``retrieve_semantic`` (free text →
embedding search). Over an active bus they re-score the candidates instead of replacing them,
so "like Fargo but a comedy" keeps the comedy filter and orders by similarity to Fargo."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from recpilot.models.base import top_k
from recpilot.models.text import TextEmbedding
from recpilot.tools.base import Tool, ToolArgs, ToolContext, ToolResult


class RetrieveSimilarArgs(ToolArgs):
    titles: list[str] = Field(..., min_length=1, max_length=5, description="seed item titles")
    k: int = Field(200, ge=1, le=2000, description="how many neighbours to keep")


class RetrieveSemanticArgs(ToolArgs):
    text: str = Field(..., min_length=1, max_length=300, description="what the items are about")
    k: int = Field(200, ge=1, le=2000, description="how many matches to keep")


class RetrieveSimilar(Tool[RetrieveSimilarArgs]):
    name = "retrieve_similar"
    description = (
        "Items similar to the given seed titles (collaborative neighbours; content embeddings "
        "for new items). The seeds themselves are never recommended."
    )
    args_model = RetrieveSimilarArgs

    def run(self, args: RetrieveSimilarArgs, ctx: ToolContext) -> ToolResult:
        ids, failed = ctx.resolve_titles(args.titles)
        if not ids:
            return ToolResult(False, ctx.describe_failures(failed), len(ctx.bus))
        ctx.seeds.extend(i for i in ids if i not in ctx.seeds)
        candidates = ctx.bus.ids() if ctx.bus.active else None
        scores, method = ctx.models.similar_scores(ids, candidates)
        seed_titles = ", ".join(ctx.resolver.titles[i] for i in ids)
        _apply(ctx, scores, args.k, f"similar to {seed_titles} ({method})", exclude=ids)
        message = f"{len(ctx.bus)} items similar to {seed_titles}"
        if failed:
            message += f"; {ctx.describe_failures(failed)}"
        return ToolResult(True, message, len(ctx.bus), {"seeds": ids})


class RetrieveSemantic(Tool[RetrieveSemanticArgs]):
    name = "retrieve_semantic"
    description = "Items whose text best matches a free-text description (embedding search)."
    args_model = RetrieveSemanticArgs

    def run(self, args: RetrieveSemanticArgs, ctx: ToolContext) -> ToolResult:
        evidence = f"text matches {args.text!r}"
        model = ctx.models.text_model() if ctx.bus.active else None
        if isinstance(model, TextEmbedding):
            # Re-scoring the candidates: every one gets its exact cosine, whatever the
            # catalog's size (an approximate search scores only its best few thousand).
            known = [c for c in ctx.bus.ids() if c in ctx.models.index]
            at = ctx.models.indices(known)
            _rescore(ctx, known, model.text_scores(args.text, at), evidence)
            return ToolResult(True, f"{len(ctx.bus)} items match {args.text!r}", len(ctx.bus))
        scores = ctx.models.semantic_scores(args.text)
        if scores is None:
            return ToolResult(False, "no text-embedding model is available", len(ctx.bus))
        _apply(ctx, scores, args.k, evidence, exclude=[])
        return ToolResult(True, f"{len(ctx.bus)} items match {args.text!r}", len(ctx.bus))


def _apply(ctx: ToolContext, scores: np.ndarray, k: int, evidence: str, exclude: list[str]) -> None:
    ids = ctx.models.item_ids
    if ctx.bus.active:
        ctx.bus.drop(exclude)
        known = [c for c in ctx.bus.ids() if c in ctx.models.index]
        _rescore(ctx, known, scores[ctx.models.indices(known)], evidence)
        return
    banned = ctx.models.indices(exclude)
    finite = np.where(np.isfinite(scores), scores, -np.inf)
    finite[banned] = -np.inf
    chosen = top_k(finite, k)[0]  # a partial sort: one pass over a million items
    ctx.bus.fill([ids[i] for i in chosen], [float(scores[i]) for i in chosen], evidence)


def _rescore(ctx: ToolContext, known: list[str], scores: np.ndarray, evidence: str) -> None:
    """Order the bus by ``scores`` (aligned with ``known``); candidates the model has no
    opinion on fall back to popularity order."""
    prior = np.log1p(ctx.models.popularity[ctx.models.indices(known)]) * 1e-6
    values = (np.asarray(scores, dtype=np.float64) + prior).tolist()
    ctx.bus.rescore(dict(zip(known, values, strict=True)), dict.fromkeys(known, evidence))
