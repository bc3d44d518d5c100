"""Plan-first planning with a scripted LLM: accepted plans, repair rounds, degraded
fallbacks, schema grounding and reply grounding."""

from __future__ import annotations

import json
import time

from recpilot.agent.build import new_session
from recpilot.agent.plan import plan_schema
from recpilot.catalog.store import Catalog
from recpilot.llm.base import LLMRequest
from recpilot.llm.scripted import FunctionLLM, ScriptedLLM
from recpilot.tools.registry import default_tools
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent

SCARY_80S = json.dumps(
    {
        "steps": [
            {
                "tool": "search_catalog",
                "args": {
                    "include": {"genres": ["Horror"]},
                    "ranges": {"year": {"min": 1980, "max": 1989}},
                },
            },
            {"tool": "rank", "args": {"mode": "popular"}},
            {"tool": "finalize", "args": {"n": 2}},
        ]
    }
)


def test_valid_plan_is_used_and_reply_is_grounded(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM(SCARY_80S, "Try The Shining and A Nightmare on Elm Street tonight.")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]
    assert turn.llm_calls == 2 and [c.purpose for c in turn.llm] == ["plan", "reply"]
    assert turn.reply_source == "llm" and not turn.degraded
    # The planner asked for schema-constrained output with the catalog's real genres.
    schema = llm.requests[0].json_schema
    assert (
        schema is not None
        and "Film-Noir" not in json.dumps(schema)
        and "Horror" in json.dumps(schema)
    )


def test_dropped_constraint_is_written_in_without_another_call(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    no_years = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"genres": ["Horror"]}}},
                {"tool": "rank", "args": {"mode": "popular"}},
                {"tool": "finalize", "args": {"n": 5}},
            ]
        }
    )
    llm = ScriptedLLM(no_years, "The Shining and A Nightmare on Elm Street.")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    # The year range and the count come from the message analysis; no repair call is needed.
    assert [c.purpose for c in turn.llm] == ["plan", "reply"]
    assert turn.plan_source == "llm+amended"
    assert turn.plan_amendments == [
        "ranges = {'year': {'min': 1980, 'max': 1989}}",
        "finalize n = 2",
    ]
    assert turn.decided_by == {
        "include genres=Horror": "rules+llm",
        "range year": "rules",
        "mode": "llm",
    }
    assert turn.plan[0]["args"]["ranges"] == {"year": {"min": 1980, "max": 1989}}
    assert turn.plan[1] == {"tool": "rank", "args": {"mode": "popular"}}  # the LLM's choice kept
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_repair_round_gets_only_what_the_validator_could_not_fix(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    no_years_and_a_wrong_title = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"genres": ["Horror"]}}},
                {"tool": "retrieve_similar", "args": {"titles": ["Alien 7: Resurrection"]}},
                {"tool": "finalize", "args": {"n": 2}},
            ]
        }
    )
    llm = ScriptedLLM(no_years_and_a_wrong_title, SCARY_80S, "Two scary films.")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert [c.purpose for c in turn.llm] == ["plan", "repair", "reply"]
    repair = llm.requests[1].messages
    problems = repair[-1].content
    assert "no catalog title matches 'Alien 7: Resurrection'" in problems
    assert "year" not in problems  # already written in
    amended = json.loads(repair[-2].content)  # the plan shown back is the amended one
    assert amended["steps"][0]["args"]["ranges"] == {"year": {"min": 1980, "max": 1989}}
    assert turn.plan_source == "llm+repair"
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_invented_title_goes_back_to_the_llm(mini_catalog: Catalog, suite: ModelSuite) -> None:
    invented = json.dumps(
        {
            "steps": [
                {"tool": "retrieve_similar", "args": {"titles": ["Star Wars: Episode IX"]}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    fixed = json.dumps(
        {
            "steps": [
                {"tool": "retrieve_similar", "args": {"titles": ["Star Wars"]}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    llm = ScriptedLLM(invented, fixed, "Here you go.")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "3 movies like Star Wars")
    assert (
        "no catalog title matches 'Star Wars: Episode IX'" in llm.requests[1].messages[-1].content
    )
    assert [i.item_id for i in turn.items] and "31" not in [i.item_id for i in turn.items]


def test_dead_llm_degrades_to_rules_and_still_answers(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    llm = ScriptedLLM()
    llm.enqueue_error("connection refused")
    llm.enqueue_error("connection refused")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert turn.degraded and any("unavailable" in r for r in turn.degraded_reasons)
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]  # the rules plan
    assert turn.reply_source == "template"


def test_output_failing_the_schema_twice_degrades(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM(
        "I think you should watch Alien!", '{"steps": [{"tool": "hack_db", "args": {}}]}', "reply"
    )
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "a scary movie")
    assert turn.degraded
    assert all(
        "Horror" in (mini_catalog.get_item(i.item_id).attributes["genres"] or [])
        for i in turn.items
    )  # type: ignore[union-attr, operator]


def test_reply_naming_other_titles_falls_back_to_template(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    llm = ScriptedLLM(
        SCARY_80S, "You'll love The Shining, and also Blade Runner and Reservoir Dogs!"
    )
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert turn.reply_source == "template"
    assert "Blade Runner" not in turn.reply


def test_without_validation_the_llm_plan_runs_as_written(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    no_years = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"genres": ["Horror"]}}},
                {"tool": "finalize", "args": {"n": 5}},
            ]
        }
    )
    llm = ScriptedLLM(no_years, "ok")
    agent = llm_agent(mini_catalog, suite, llm, validate=False)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert turn.llm_calls == 2 and len(turn.items) == 5


def test_plan_schema_grounds_vocabulary(mini_catalog: Catalog) -> None:
    schema = plan_schema(default_tools(), mini_catalog)
    variants = schema["properties"]["steps"]["items"]["anyOf"]
    search = next(v for v in variants if v["properties"]["tool"]["const"] == "search_catalog")
    genres = search["properties"]["args"]["properties"]["include"]["properties"]["genres"]
    assert genres["items"]["enum"] == mini_catalog.categorical_values("genres")
    year = search["properties"]["args"]["properties"]["ranges"]["properties"]["year"]["properties"][
        "min"
    ]
    assert year["minimum"] == 1948 and year["maximum"] == 1999


def test_react_runs_one_tool_per_llm_call(mini_catalog: Catalog, suite: ModelSuite) -> None:
    from recpilot.agent.planner import system_prompt
    from recpilot.agent.react import ReactLoop

    steps = [
        {
            "tool": "search_catalog",
            "args": {
                "include": {"genres": ["Horror"]},
                "ranges": {"year": {"min": 1980, "max": 1989}},
            },
        },
        {"tool": "finalize", "args": {"n": 2}},
    ]
    llm = ScriptedLLM(*(json.dumps(s) for s in steps))
    agent = llm_agent(mini_catalog, suite, llm)
    agent.react = ReactLoop(
        llm, agent.tools, mini_catalog, system_prompt(agent.tools, mini_catalog)
    )
    agent.settings.llm_reply = False
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert [c.purpose for c in turn.llm] == ["react", "react"]
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]
    # The second call saw the first tool's observation.
    assert "Observation: search_catalog: 2 items match" in llm.requests[1].messages[-1].content


def test_react_that_never_finishes_degrades_to_rules(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    from recpilot.agent.planner import system_prompt
    from recpilot.agent.react import MAX_STEPS, ReactLoop

    llm = ScriptedLLM(*([json.dumps({"tool": "rank", "args": {"mode": "popular"}})] * MAX_STEPS))
    agent = llm_agent(mini_catalog, suite, llm)
    agent.react = ReactLoop(
        llm, agent.tools, mini_catalog, system_prompt(agent.tools, mini_catalog)
    )
    agent.settings.llm_reply = False
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert turn.degraded and sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_llm_critic_sends_a_plan_back_once(mini_catalog: Catalog, suite: ModelSuite) -> None:
    """The validators cannot know that "not too long ago" means recent; the critic can. Its
    objection triggers one repair round; the repaired plan is used."""
    popular = json.dumps(
        {
            "steps": [
                {"tool": "rank", "args": {"mode": "popular"}},
                {"tool": "finalize", "args": {"n": 2}},
            ]
        }
    )
    recent = json.dumps(
        {
            "steps": [
                {"tool": "rank", "args": {"mode": "recent"}},
                {"tool": "finalize", "args": {"n": 2}},
            ]
        }
    )
    verdict = json.dumps(
        {"ok": False, "problem": "the user wants recent films; use rank mode recent"}
    )
    llm = ScriptedLLM(popular, verdict, recent)
    agent = llm_agent(mini_catalog, suite, llm)
    assert agent.planner is not None
    agent.planner.settings.critic = True
    agent.settings.llm_reply = False
    turn = agent.turn(new_session(agent, None), "2 films from not too long ago")
    assert [c.purpose for c in turn.llm] == ["plan", "critic", "repair"]
    assert "critic: the user wants recent films" in llm.requests[2].messages[-1].content
    assert [i.item_id for i in turn.items] == ["9", "35"]  # the two newest films


def test_llm_intro_is_cut_to_whole_sentences() -> None:
    from recpilot.agent.respond import tidy_intro

    chatty = (
        "Sure, here are two short friendly sentences introducing the picks:\n\n"
        '1. "Hey there! These are funny picks close to Fargo. The first one is Toy Story from 1995, '
        "which is a classic comedy that's a bit like Fargo. The second one is 'The Birdcage"
    )
    # The numbered line is dropped (the list comes from the data), so nothing usable is left.
    assert tidy_intro(chatty) == ""
    assert tidy_intro(
        "Sure! Here you go. These picks are funny and recent. Enjoy them all. More"
    ) == ("These picks are funny and recent. Enjoy them all.")
    assert tidy_intro("Great picks for a scary night in. They are all from the 80s.") == (
        "Great picks for a scary night in. They are all from the 80s."
    )


def test_lookup_answer_comes_from_the_catalog_row_not_llm_prose(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    lookup = json.dumps(
        {"steps": [{"tool": "lookup_items", "args": {"titles": ["Fargo"], "question": "year"}}]}
    )
    # Only the plan is scripted: a reply request would find the queue empty and fail the turn
    # over to degraded, so the assertions below also prove no reply call is made.
    llm = ScriptedLLM(lookup)
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "when was Fargo released?")
    assert [c.purpose for c in turn.llm] == ["plan"] and not turn.degraded
    assert turn.reply_source == "template" and "1996" in turn.reply


def test_a_reply_sentence_the_catalog_contradicts_is_dropped(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    # The Shining is a 1980 horror film in the catalog: "a 1995 comedy" contradicts its row.
    llm = ScriptedLLM(SCARY_80S, "The Shining is a 1995 comedy. Two classic scares for tonight.")
    agent = llm_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert turn.intro == "Two classic scares for tonight."
    assert "1995" not in turn.reply and "comedy" not in turn.reply.split("\n")[0]
    assert any("does not bear out" in note for note in turn.notes)


def test_react_stops_when_the_turns_deadline_is_spent(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    from recpilot.agent.planner import system_prompt
    from recpilot.agent.react import ReactLoop

    def slow(request: LLMRequest) -> str:
        time.sleep(0.3)  # longer than the whole turn's budget
        return json.dumps({"tool": "rank", "args": {"mode": "popular"}})

    llm = FunctionLLM(slow)
    agent = llm_agent(mini_catalog, suite, llm)
    agent.react = ReactLoop(
        llm, agent.tools, mini_catalog, system_prompt(agent.tools, mini_catalog)
    )
    agent.settings.llm_reply = False
    agent.settings.deadline_s = 0.2
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    # One step ran past the budget; no second step was asked for, and the rules plan answered.
    assert len(llm.requests) == 1
    assert turn.degraded and "deadline" in turn.degraded_reasons[0]
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]
