"""amend_plan: the validator writes the analysed hard constraints into an LLM plan."""

from __future__ import annotations

from recpilot.agent.analysis import Request
from recpilot.agent.plan import Plan, ToolCall
from recpilot.agent.validate import amend_plan


def plan(*steps: tuple[str, dict]) -> Plan:  # type: ignore[type-arg]
    return Plan(steps=[ToolCall(tool=t, args=a) for t, a in steps])


def test_missing_search_is_inserted_first_and_the_rest_is_kept() -> None:
    llm_plan = plan(("retrieve_similar", {"titles": ["Fargo"]}), ("finalize", {"n": 5}))
    req = Request(include=["Comedy"], exclude=["Horror"], year_min=1990, like=["1"], n=3)
    amended, changes = amend_plan(llm_plan, req, session_excluded=["War", "Comedy"])
    assert [s.tool for s in amended.steps] == ["search_catalog", "retrieve_similar", "finalize"]
    search = amended.steps[0].args
    assert search["include"] == {"genres": ["Comedy"]} and search["match"] == "all"
    # session exclusions join the message's, but never one the message asks for
    assert search["exclude"] == {"genres": ["Horror", "War"]}
    assert search["ranges"] == {"year": {"min": 1990, "max": None}}
    assert amended.steps[1].args == {"titles": ["Fargo"]}
    assert amended.steps[2].args == {"n": 3}
    assert changes[0] == "added search_catalog" and "finalize n = 3" in changes
    assert llm_plan.steps[-1].args == {"n": 5}  # the input plan is not changed


def test_unasked_genres_and_ranges_are_removed_but_other_conditions_stay() -> None:
    llm_plan = plan(
        (
            "search_catalog",
            {
                "include": {"genres": ["Drama", "Crime"]},
                "exclude": {"genres": ["Horror"]},
                "ranges": {"year": {"min": 1980, "max": 1989}, "rating": {"min": 4}},
            },
        ),
        ("search_catalog", {"include": {"genres": ["Crime"]}, "ranges": {"year": {"min": 1985}}}),
        ("finalize", {"n": 5}),
    )
    amended, changes = amend_plan(llm_plan, Request(include=["Crime"]))
    first, second = amended.steps[0].args, amended.steps[1].args
    assert first["include"] == {"genres": ["Crime"]}
    assert first["exclude"] == {"genres": ["Horror"]}  # extra exclusions are never dropped
    assert first["ranges"] == {"rating": {"min": 4}}
    assert second["include"] == {} and second["ranges"] == {}
    assert "removed a year range" in changes
    assert amended.steps[2].args == {"n": 5}  # no count asked: the plan's own stays


def test_a_plan_that_already_agrees_is_unchanged() -> None:
    llm_plan = plan(
        (
            "search_catalog",
            {"include": {"genres": ["Horror"]}, "ranges": {"year": {"min": 1980, "max": 1989}}},
        ),
        ("finalize", {"n": 2}),
    )
    req = Request(include=["Horror"], year_min=1980, year_max=1989, n=2)
    assert amend_plan(llm_plan, req)[1] == []


def test_lookups_are_left_to_the_llm() -> None:
    llm_plan = plan(("rank", {"mode": "popular"}))
    assert amend_plan(llm_plan, Request(lookup=["1"], n=2)) == (llm_plan, [])
