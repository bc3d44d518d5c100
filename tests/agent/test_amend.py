"""The LLM reads, facts check: an LLM plan is read back, merged with the rules reading by
evidence and the merged request written into the plan."""

from __future__ import annotations

from recpilot.agent.analysis import Request
from recpilot.agent.plan import Plan, ToolCall, parse_plan
from recpilot.agent.validate import amend_plan, merge, reading_of
from recpilot.catalog.profile import AttributeProfile, CatalogProfile, Role
from recpilot.catalog.schema import AttributeKind
from recpilot.tools.registry import default_tools
from recpilot.tools.resolve import TitleResolver

RESOLVER = TitleResolver({"1": "Fargo (1996)", "2": "Heat (1995)"})
PROFILE = CatalogProfile(
    (
        AttributeProfile("genres", AttributeKind.categorical, ("Children's", "Comedy", "Horror")),
        AttributeProfile("year", AttributeKind.number, low=1920, high=1998, role=Role.time),
        AttributeProfile("price", AttributeKind.number, low=1, high=50, role=Role.price),
    )
)


def plan(*steps: tuple[str, dict]) -> Plan:  # type: ignore[type-arg]
    return Plan(steps=[ToolCall(tool=t, args=a) for t, a in steps])


def llm_reading(p: Plan) -> Request:
    steps, errors = parse_plan(p, default_tools())
    assert not errors
    return reading_of(steps, RESOLVER)


def test_an_llm_constraint_the_rules_cannot_see_survives() -> None:
    # "Something I can watch with my six-year-old": no rule reads it, the LLM does.
    rules = Request(unexplained=["six-year-old"])
    llm = llm_reading(
        plan(("search_catalog", {"include": {"genres": ["Children's"]}}), ("finalize", {"n": 5}))
    )
    merged, sources, _ = merge(rules, llm, {}, PROFILE)
    assert merged.include == {"genres": ["Children's"]}
    assert sources == {"include genres=Children's": "llm"}
    assert merged.unexplained == []  # the LLM read what the rules could not
    amended, changes = amend_plan(
        plan(("search_catalog", {"include": {"genres": ["Children's"]}}), ("finalize", {"n": 5})),
        merged,
        RESOLVER,
    )
    assert changes == [] and amended.steps[0].args["include"] == {"genres": ["Children's"]}


def test_a_literal_negation_beats_an_llm_inclusion() -> None:
    rules = Request(exclude={"genres": ["Horror"]}, include={"genres": ["Comedy"]})
    llm = llm_reading(plan(("search_catalog", {"include": {"genres": ["Horror", "Comedy"]}})))
    merged, sources, _ = merge(rules, llm, {"exclude genres=Horror": "rules"}, PROFILE)
    assert merged.include == {"genres": ["Comedy"]}
    assert merged.exclude == {"genres": ["Horror"]}
    assert sources["exclude genres=Horror"] == "rules"


def test_literal_numbers_win_and_llm_only_ranges_stay() -> None:
    rules = Request(ranges={"year": (1990.0, None)})
    llm = llm_reading(
        plan(
            (
                "search_catalog",
                {"ranges": {"year": {"min": 1980, "max": None}, "price": {"max": 20}}},
            )
        )
    )
    merged, sources, _ = merge(rules, llm, {"range year": "rules"}, PROFILE)
    assert merged.ranges == {"year": (1990.0, None), "price": (None, 20.0)}
    assert sources == {"range year": "rules", "range price": "llm"}


def test_an_llm_that_adds_nothing_leaves_the_request_not_understood() -> None:
    rules = Request(unexplained=["blorp"])
    merged, _, _ = merge(rules, llm_reading(plan(("rank", {"mode": "popular"}))), {}, PROFILE)
    assert merged.unexplained == ["blorp"]


def test_an_llm_ordering_alone_is_not_a_reading_of_an_unread_request() -> None:
    # "something I can watch with my six-year-old": a model that only says "popular" read
    # nothing; keeping its ordering would pass popular items off as the answer.
    rules = Request(unexplained=["six-year-old"])
    merged, sources, _ = merge(rules, llm_reading(plan(("rank", {"mode": "popular"}))), {}, PROFILE)
    assert merged.mode == "personal" and "mode" not in sources
    # With something read, the LLM's ordering is kept.
    rules = Request(include={"genres": ["Horror"]}, unexplained=["tonight"])
    merged, sources, _ = merge(rules, llm_reading(plan(("rank", {"mode": "popular"}))), {}, PROFILE)
    assert merged.mode == "popular" and sources["mode"] == "llm"


def test_values_and_ranges_the_catalog_lacks_are_rejected() -> None:
    llm = llm_reading(
        plan(
            (
                "search_catalog",
                {
                    "include": {"genres": ["comedy", "Cyberpunk"], "director": ["Hitchcock"]},
                    "ranges": {"genres": {"min": 1}},
                },
            )
        )
    )
    merged, sources, rejected = merge(Request(), llm, {}, PROFILE)
    assert merged.include == {"genres": ["Comedy"]}  # the catalog's own spelling
    assert merged.ranges == {}
    assert rejected == ["genres=Cyberpunk", "director=Hitchcock", "genres range"]
    assert sources == {"include genres=Comedy": "llm"}


def test_missing_search_and_seed_are_inserted_and_the_rest_is_kept() -> None:
    llm_plan = plan(("rank", {"mode": "similar"}), ("finalize", {"n": 5}))
    req = Request(
        include={"genres": ["Comedy"]},
        exclude={"genres": ["Horror"]},
        ranges={"year": (1990, None)},
        like=["1"],
        n=3,
    )
    amended, changes = amend_plan(llm_plan, req, RESOLVER)
    assert [s.tool for s in amended.steps] == [
        "search_catalog",
        "retrieve_similar",
        "rank",
        "finalize",
    ]
    search = amended.steps[0].args
    assert search == {
        "include": {"genres": ["Comedy"]},
        "exclude": {"genres": ["Horror"]},
        "ranges": {"year": {"min": 1990, "max": None}},
    }
    assert amended.steps[1].args == {"titles": ["Fargo (1996)"]}
    assert amended.steps[3].args == {"n": 3}
    assert changes[0] == "added search_catalog" and "finalize n = 3" in changes
    assert llm_plan.steps[-1].args == {"n": 5}  # the input plan is not changed


def test_later_searches_lose_their_conditions_to_the_first() -> None:
    llm_plan = plan(
        ("search_catalog", {"include": {"genres": ["Crime"]}}),
        ("search_catalog", {"include": {"genres": ["Crime"]}, "ranges": {"year": {"min": 1985}}}),
        ("finalize", {"n": 5}),
    )
    amended, _ = amend_plan(llm_plan, Request(include={"genres": ["Crime"]}), RESOLVER)
    assert [s.tool for s in amended.steps] == ["search_catalog", "finalize"]
    assert amended.steps[0].args == {"include": {"genres": ["Crime"]}}


def test_a_plan_that_already_agrees_is_unchanged() -> None:
    llm_plan = plan(
        (
            "search_catalog",
            {"include": {"genres": ["Horror"]}, "ranges": {"year": {"min": 1980, "max": 1989}}},
        ),
        ("finalize", {"n": 2}),
    )
    req = Request(include={"genres": ["Horror"]}, ranges={"year": (1980, 1989)}, n=2)
    assert amend_plan(llm_plan, req, RESOLVER)[1] == []


def test_lookups_are_left_to_the_llm() -> None:
    llm_plan = plan(("rank", {"mode": "popular"}))
    assert amend_plan(llm_plan, Request(lookup=["1"], n=2), RESOLVER) == (llm_plan, [])


def test_the_llm_adds_no_values_to_an_attribute_the_message_names_literally() -> None:
    # "a good whodunit" read literally as Mystery: an LLM's extra Thriller + Crime would make
    # an all-of filter nothing matches.
    rules = Request(include={"genres": ["Comedy"]}, unexplained=["mood"])
    llm = llm_reading(plan(("search_catalog", {"include": {"genres": ["Comedy", "Horror"]}})))
    merged, sources, _ = merge(rules, llm, {"include genres=Comedy": "rules"}, PROFILE)
    assert merged.include == {"genres": ["Comedy"]}
    assert sources == {"include genres=Comedy": "rules+llm"}  # agreed; Horror not added


def test_what_the_catalog_cannot_hold_stays_not_understood_whatever_the_llm_adds() -> None:
    rules = Request(
        unexplained=["directed", "steven", "spielberg"],
        unsupported=["directed", "steven", "spielberg"],
    )
    llm = llm_reading(plan(("search_catalog", {"include": {"genres": ["Horror"]}})))
    merged, _, _ = merge(rules, llm, {}, PROFILE)
    assert merged.unexplained == ["directed", "steven", "spielberg"]
