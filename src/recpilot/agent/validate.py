"""Reflection: deterministic checks of a plan against the message and the catalog.

Each problem is a sentence an LLM can act on ("the message asks for 3 items; set finalize
n=3"). The reference is the deterministic request analysis, so an LLM plan that drops a
stated constraint or invents a title is caught before anything runs.

:func:`amend_plan` repairs the mechanical part without another LLM call: it writes the
analysed genres, exclusions, year bounds and count into the plan's own steps. Problems it cannot fix
(unknown or ambiguous titles, a missing "like X" retrieval, a lookup) still go back to the
LLM.
"""

from __future__ import annotations

from recpilot.agent.analysis import Request
from recpilot.agent.plan import ParsedStep, Plan, ToolCall
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


def amend_plan(
    plan: Plan,
    req: Request,
    *,
    genre_attribute: str = "genres",
    year_attribute: str = "year",
    session_excluded: list[str] | None = None,
) -> tuple[Plan, list[str]]:
    """The plan with the request's hard constraints written in, and what was changed.

    Genres to include and the year range are set exactly as analysed (on the first
    ``search_catalog``, removed from later ones); missing exclusions are added; the last
    ``finalize`` gets the asked-for count. A search step is inserted first when the plan has
    none. The LLM's choice of tools, seeds and ranking is kept.
    """
    if req.lookup:
        return plan, []
    steps = [ToolCall(tool=s.tool, args=dict(s.args)) for s in plan.steps]
    changes: list[str] = []
    exclude = [g for g in [*req.exclude, *(session_excluded or [])] if g not in req.include]
    years = {"min": req.year_min, "max": req.year_max}
    has_years = req.year_min is not None or req.year_max is not None
    searches = [s for s in steps if s.tool == "search_catalog"]
    if not searches and (req.include or exclude or has_years):
        steps.insert(0, ToolCall(tool="search_catalog", args={}))
        searches = steps[:1]
        changes.append("added search_catalog")
    for k, search in enumerate(searches):
        include = dict(search.args.get("include") or {})
        wanted = req.include if k == 0 else []
        if sorted(include.get(genre_attribute, [])) != sorted(wanted):
            include[genre_attribute] = list(wanted)
            changes.append(f"include {genre_attribute} = {wanted}")
        search.args["include"] = {a: v for a, v in include.items() if v}
        if k == 0 and req.include:
            search.args["match"] = req.match
        excluded = dict(search.args.get("exclude") or {})
        have = list(excluded.get(genre_attribute, []))
        missing = [g for g in exclude if g not in have] if k == 0 else []
        if missing:
            excluded[genre_attribute] = have + missing
            changes.append(f"exclude {genre_attribute} += {missing}")
        search.args["exclude"] = excluded
        ranges = dict(search.args.get("ranges") or {})
        if k == 0 and has_years:
            if ranges.get(year_attribute) != years:
                changes.append(f"{year_attribute} range = {req.year_min}..{req.year_max}")
            ranges[year_attribute] = years
        elif ranges.pop(year_attribute, None) is not None:
            changes.append(f"removed a {year_attribute} range")
        search.args["ranges"] = ranges
    if req.n is not None:
        finals = [s for s in steps if s.tool == "finalize"]
        if not finals:
            steps.append(ToolCall(tool="finalize", args={"n": req.n}))
            changes.append(f"added finalize n={req.n}")
        elif finals[-1].args.get("n") != req.n:
            finals[-1].args["n"] = req.n
            changes.append(f"finalize n = {req.n}")
    return Plan(steps=steps), changes


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
