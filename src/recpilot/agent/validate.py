"""Reflection: deterministic checks of a plan against the message and the catalog.

Each problem is a sentence an LLM can act on ("the message asks for 3 items; set finalize
n=3"). The reference is the deterministic request analysis, so an LLM plan that drops a
stated constraint or invents a title is caught before anything runs.
"""

from __future__ import annotations

from recpilot.agent.analysis import Request
from recpilot.agent.plan import ParsedStep
from recpilot.tools.ranking import FinalizeArgs, LookupItemsArgs, RankArgs
from recpilot.tools.resolve import TitleResolver
from recpilot.tools.retrieval import RetrieveSimilarArgs
from recpilot.tools.search import SearchCatalogArgs


def check_plan(
    steps: list[ParsedStep],
    req: Request,
    resolver: TitleResolver,
    *,
    genre_attribute: str = "genres",
    year_attribute: str = "year",
    session_excluded: list[str] | None = None,
) -> list[str]:
    problems: list[str] = []
    searches = [s.args for s in steps if isinstance(s.args, SearchCatalogArgs)]
    include = {g for a in searches for g in a.include.get(genre_attribute, [])}
    exclude = {g for a in searches for g in a.exclude.get(genre_attribute, [])}
    for title in _titles(steps):
        res = resolver.resolve(title)
        if res.status == "ambiguous":
            options = "; ".join(resolver.titles[i] for i in res.options)
            problems.append(f"title {title!r} is ambiguous; use one of: {options}")
        elif res.status != "resolved":
            problems.append(f"no catalog title matches {title!r}; use exact catalog titles")
    if req.lookup:
        if not any(isinstance(s.args, LookupItemsArgs) for s in steps):
            problems.append("the message asks about specific items; use lookup_items")
        return problems
    for genre in req.include:
        if genre not in include:
            problems.append(
                f"the message asks for {genre}; add it to search_catalog include {genre_attribute}"
            )
    for genre in sorted(include - set(req.include)):
        problems.append(f"the message does not ask for {genre}; remove it from include")
    for genre in [*req.exclude, *(session_excluded or [])]:
        if genre not in exclude:
            problems.append(
                f"the user ruled out {genre}; add it to search_catalog exclude {genre_attribute}"
            )
    low, high = _year_bounds(searches, year_attribute)
    if req.year_min is not None and low != req.year_min:
        problems.append(
            f"the message implies {year_attribute} min {req.year_min} ({'; '.join(req.year_phrases)})"
        )
    if req.year_max is not None and high != req.year_max:
        problems.append(
            f"the message implies {year_attribute} max {req.year_max} ({'; '.join(req.year_phrases)})"
        )
    if req.year_min is None and req.year_max is None and (low is not None or high is not None):
        problems.append(f"the message states no {year_attribute} range; remove ranges")
    seeds = {
        i
        for s in steps
        if isinstance(s.args, RetrieveSimilarArgs)
        for i in _ids(s.args.titles, resolver)
    }
    for item_id in req.like:
        if item_id not in seeds:
            problems.append(
                f"the message asks for items like {resolver.titles[item_id]!r}; add retrieve_similar"
            )
    finals = [s.args.n for s in steps if isinstance(s.args, FinalizeArgs)]
    if req.n is not None and (not finals or finals[-1] != req.n):
        problems.append(f"the message asks for {req.n} items; set finalize n={req.n}")
    return problems


def _titles(steps: list[ParsedStep]) -> list[str]:
    out: list[str] = []
    for step in steps:
        args = step.args
        if isinstance(args, RetrieveSimilarArgs | LookupItemsArgs):
            out.extend(args.titles)
        elif isinstance(args, RankArgs):
            out.extend([*args.prefer, *args.unwanted])
    return out


def _ids(titles: list[str], resolver: TitleResolver) -> list[str]:
    ids = []
    for title in titles:
        res = resolver.resolve(title)
        if res.item_id:
            ids.append(res.item_id)
    return ids


def _year_bounds(
    searches: list[SearchCatalogArgs], attribute: str
) -> tuple[int | None, int | None]:
    lows = [a.ranges[attribute].min for a in searches if attribute in a.ranges]
    highs = [a.ranges[attribute].max for a in searches if attribute in a.ranges]
    low = max((v for v in lows if v is not None), default=None)
    high = min((v for v in highs if v is not None), default=None)
    return (None if low is None else int(low), None if high is None else int(high))
