"""Reflection: an LLM plan is read back as a request, merged with the rules reading by
evidence, written back into the plan, and checked against the catalog.

The LLM reads; facts check. :func:`reading_of` says what an LLM plan asks for.
:func:`merge` combines it with the deterministic reading: the rules reader may *add* what the
message states literally (values named verbatim, numbers, titles that resolve) and its
literal negations win over an LLM inclusion of the same value — but it never deletes an LLM
constraint because it found no words for it ("with my six-year-old" → Children's stays).
:func:`amend_plan` writes the merged constraints into the LLM's own plan (its tools, seeds and
ranking kept); :func:`check_plan` lists what is still wrong (titles that resolve to nothing,
a missing lookup) as sentences an LLM can act on.
"""

from __future__ import annotations

from recpilot.agent.analysis import Request
from recpilot.agent.plan import ParsedStep, Plan, ToolCall
from recpilot.agent.rules import search_args
from recpilot.catalog.profile import CatalogProfile
from recpilot.catalog.schema import AttributeKind
from recpilot.tools.ranking import FinalizeArgs, LookupItemsArgs, RankArgs
from recpilot.tools.resolve import TitleResolver
from recpilot.tools.retrieval import RetrieveSemanticArgs, RetrieveSimilarArgs
from recpilot.tools.search import SearchCatalogArgs


def reading_of(steps: list[ParsedStep], resolver: TitleResolver) -> Request:
    """The request an LLM plan answers: its conditions, seeds, topic, ordering and count."""
    req = Request()
    for step in steps:
        args = step.args
        if isinstance(args, SearchCatalogArgs):
            req.add_all(req.include, args.include)
            req.add_all(req.exclude, args.exclude)
            for attribute, bounds in args.ranges.items():
                if bounds.min is not None or bounds.max is not None:
                    req.bound(attribute, bounds.min, bounds.max)
            if args.include:
                req.match = args.match
        elif isinstance(args, RetrieveSimilarArgs):
            req.like += [i for i in _ids(args.titles, resolver) if i not in req.like]
        elif isinstance(args, RetrieveSemanticArgs):
            req.about = args.text
        elif isinstance(args, RankArgs):
            if args.mode in ("popular", "recent"):
                req.mode = args.mode
            req.unwanted += [i for i in _ids(args.unwanted, resolver) if i not in req.unwanted]
        elif isinstance(args, FinalizeArgs):
            req.n = args.n
            if args.diversity is not None:
                req.diversity = args.diversity
        elif isinstance(args, LookupItemsArgs):
            req.lookup += _ids(args.titles, resolver)
            req.question = args.question
    return req


def merge(
    rules: Request,
    llm: Request,
    decided_by: dict[str, str],
    profile: CatalogProfile,
    *,
    extend_named: bool = False,
) -> tuple[Request, dict[str, str], list[str]]:
    """The request both readings support, who decided each constraint, and the LLM
    constraints rejected because the catalog has no such attribute or value.

    ``decided_by`` holds the rules reading's sources ("rules" or "memory"); LLM additions
    are marked "llm", constraints both read "rules+llm". Values the message names for an
    attribute decide it, unless ``extend_named`` and words of the message went unread: then
    the LLM's other values of that attribute are added ("un dessin animé drôle": Animation
    named, Comedy read from "drôle").
    """
    llm, rejected = _grounded(llm, profile)
    out = Request(
        match=rules.match if rules.include else llm.match,
        like=list(rules.like),
        unwanted=list(rules.unwanted),
        unresolved=list(rules.unresolved),
        liked=list(rules.liked),
        disliked=list(rules.disliked),
        n=rules.n if rules.n is not None else llm.n,
        mode=rules.mode if rules.mode != "personal" else llm.mode,
        diversity=rules.diversity if rules.diversity is not None else llm.diversity,
        about=rules.about or llm.about,
        lookup=rules.lookup or llm.lookup,
        question=rules.question or llm.question,
        limits=dict(rules.limits),
    )
    sources = dict(decided_by)
    added = False

    def mark(key: str, reads: bool = True) -> None:
        """``reads``: the constraint shows the LLM read something the rules did not (an
        ordering alone does not: "popular" is what a model falls back to)."""
        nonlocal added
        if key in sources:
            if "llm" not in sources[key]:
                sources[key] += "+llm"
        else:
            sources[key] = "llm"
            added = added or reads

    out.add_all(out.include, rules.include)
    out.add_all(out.exclude, rules.exclude)
    for attribute, values in llm.include.items():
        literal = rules.include.get(attribute, [])
        for value in values:
            if value in rules.exclude.get(attribute, []):
                continue  # the message negates it literally: the negation wins
            if literal and value not in literal and not (extend_named and rules.unexplained):
                continue  # the message names this attribute's values literally: they decide
            out.add(out.include, attribute, value)
            mark(f"include {attribute}={value}")
    for attribute, values in llm.exclude.items():
        for value in values:
            if value in rules.include.get(attribute, []):
                continue  # the message asks for it by name
            out.add(out.exclude, attribute, value)
            mark(f"exclude {attribute}={value}")
    out.ranges = dict(rules.ranges)
    for attribute, bounds in llm.ranges.items():
        if attribute in rules.ranges:  # literal numbers in the message win
            if rules.ranges[attribute] == bounds:
                mark(f"range {attribute}")
            continue
        out.ranges[attribute] = bounds
        mark(f"range {attribute}")
    for item_id in llm.like:
        if item_id not in out.like:
            out.like.append(item_id)
            mark(f"like {item_id}")
    if llm.about and not rules.about:
        mark("about")
    if llm.diversity is not None and rules.diversity is None:
        mark("diversity", reads=False)
    if llm.mode != "personal" and rules.mode == "personal":
        read = added or rules.include or rules.like or rules.about or rules.lookup or rules.ranges
        if llm.mode == "popular" and not read:
            out.mode = rules.mode  # "popular" with nothing read is a fallback, not a reading
        else:
            mark("mode", reads=False)
    # What the rules could not read counts as understood when the LLM added a constraint —
    # except what asks for something the catalog does not hold.
    out.unexplained = list(rules.unsupported) if added else list(rules.unexplained)
    out.unsupported = list(rules.unsupported)
    return out, sources, rejected


def _grounded(req: Request, profile: CatalogProfile) -> tuple[Request, list[str]]:
    """``req`` without the values and ranges the catalog does not have."""
    rejected: list[str] = []
    out = Request(match=req.match, like=req.like, unwanted=req.unwanted, n=req.n, mode=req.mode)
    out.diversity = req.diversity
    out.about, out.lookup, out.question = req.about, req.lookup, req.question
    for source, target in ((req.include, out.include), (req.exclude, out.exclude)):
        for attribute, values in source.items():
            for value in values:
                canonical = profile.canonical(attribute, value)
                if canonical is None:
                    rejected.append(f"{attribute}={value}")
                else:
                    out.add(target, attribute, canonical)
    for attribute, bounds in req.ranges.items():
        spec = profile.get(attribute)
        if spec is None or spec.kind != AttributeKind.number:
            rejected.append(f"{attribute} range")
        else:
            out.ranges[attribute] = bounds
    return out, rejected


def amend_plan(plan: Plan, req: Request, resolver: TitleResolver) -> tuple[Plan, list[str]]:
    """The plan with the request's conditions written in, and what was changed.

    The first ``search_catalog`` gets exactly the request's conditions (later ones keep
    only what they add); one is inserted first when the plan has none; missing "like X"
    seeds get a ``retrieve_similar``; the last ``finalize`` gets the asked-for count and
    diversity. The LLM's choice of tools, seeds and ranking is kept.
    """
    if req.lookup:
        return plan, []
    steps = [ToolCall(tool=s.tool, args=dict(s.args)) for s in plan.steps]
    changes: list[str] = []
    wanted = search_args(req)
    searches = [s for s in steps if s.tool == "search_catalog"]
    if not searches and wanted:
        steps.insert(0, ToolCall(tool="search_catalog", args={}))
        searches = steps[:1]
        changes.append("added search_catalog")
    for k, search in enumerate(searches):
        # The first search carries every condition; later ones keep only a title filter.
        target = dict(wanted) if k == 0 else {}
        if search.args.get("title"):
            target["title"] = search.args["title"]
        if _conditions(search.args) != _conditions(target):
            changes.append(_describe_change(search.args, target))
        search.args = target
    seeds = {
        i
        for s in steps
        if s.tool == "retrieve_similar"
        for i in _ids(list(s.args.get("titles", [])), resolver)
    }
    missing = [resolver.titles[i] for i in req.like if i not in seeds]
    if missing:
        at = next((k for k, s in enumerate(steps) if s.tool != "search_catalog"), len(steps))
        steps.insert(at, ToolCall(tool="retrieve_similar", args={"titles": missing}))
        changes.append(f"added retrieve_similar for {', '.join(missing)}")
    for key, value in (("n", req.n), ("diversity", req.diversity)):
        if value is None:
            continue
        finals = [s for s in steps if s.tool == "finalize"]
        if not finals:
            steps.append(ToolCall(tool="finalize", args={key: value}))
            changes.append(f"added finalize {key}={value}")
        elif finals[-1].args.get(key) != value:
            finals[-1].args[key] = value
            changes.append(f"finalize {key} = {value}")
    return Plan(steps=[s for s in steps if s.tool != "search_catalog" or s.args]), changes


def check_plan(steps: list[ParsedStep], req: Request, resolver: TitleResolver) -> list[str]:
    """What is still wrong with a (merged, amended) plan, as repair messages."""
    problems: list[str] = []
    for title in _titles(steps):
        res = resolver.resolve(title)
        if res.status == "ambiguous":
            options = "; ".join(resolver.titles[i] for i in res.options)
            problems.append(f"title {title!r} is ambiguous; use one of: {options}")
        elif res.status != "resolved":
            problems.append(f"no catalog title matches {title!r}; use exact catalog titles")
    if req.lookup and not any(isinstance(s.args, LookupItemsArgs) for s in steps):
        problems.append("the message asks about specific items; use lookup_items")
    return problems


def _conditions(args: dict[str, object]) -> dict[str, object]:
    keys = ("include", "exclude", "ranges", "match", "title")
    return {k: args[k] for k in keys if args.get(k) and not (k == "match" and args[k] == "all")}


def _describe_change(before: dict[str, object], after: dict[str, object]) -> str:
    parts = []
    for key in ("include", "exclude", "ranges"):
        if before.get(key) != after.get(key):
            parts.append(f"{key} = {after.get(key) or {}}")
    return "; ".join(parts) or "conditions rewritten"


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
        if res.status == "resolved" and res.item_id and res.item_id not in ids:
            ids.append(res.item_id)
    return ids
