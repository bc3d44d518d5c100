"""Team mode with a scripted LLM: the roles in order, the reflector's one revision, the
searcher's plans validated like plan-first, degrading to rules, and the user's context
reaching the analyst."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.team import Team
from recpilot.catalog.datasets import catalog_path
from recpilot.catalog.store import Catalog
from recpilot.cli import app
from recpilot.llm.base import LLM, LLMRequest
from recpilot.llm.scripted import FunctionLLM, ScriptedLLM
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent
from .minicatalog import FILMS, build

MANAGER = json.dumps({"constraints": "horror, 1980s, two films", "similar_to": [], "topic": ""})
ANALYST = json.dumps({"fits": "classic slashers", "avoid": "nothing in particular"})
OK = json.dumps({"ok": True, "problem": ""})
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
INTRO = "Try The Shining and A Nightmare on Elm Street tonight."
GENRES = {f[0]: f[2] for f in FILMS}
YEARS = {f[0]: f[3] for f in FILMS}


def team_agent(catalog: Catalog, suite: ModelSuite, llm: LLM) -> Agent:
    """Every message goes to the team (no routing); one LLM answers every role in order."""
    agent = llm_agent(catalog, suite, llm)
    assert agent.planner is not None
    agent.team = Team(agent.planner, llm, [a.name for a in catalog.attributes])
    return agent


def test_roles_are_called_in_order_and_recorded(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM(MANAGER, ANALYST, SCARY_80S, OK, INTRO)
    agent = team_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    purposes = ["manager", "analyst", "searcher", "reflector", "interpreter"]
    assert [c.purpose for c in turn.llm] == purposes and llm.pending == 0
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]
    assert turn.plan_source == "team" and not turn.degraded and turn.reply_source == "llm"
    manager, analyst, searcher, reflector, _ = llm.requests
    assert manager.json_schema is not None and "constraints" in manager.json_schema["properties"]
    assert analyst.json_schema is not None and "fits" in analyst.json_schema["properties"]
    # The searcher is the plan-first planner, told what the manager and analyst found.
    assert searcher.json_schema == agent.planner.schema  # type: ignore[union-attr]
    assert "horror, 1980s, two films" in searcher.messages[-1].content
    assert "classic slashers" in searcher.messages[-1].content
    # The reflector judged the draft's items, read from the catalog.
    assert "Shining, The" in reflector.messages[0].content
    assert "Nightmare on Elm Street, A" in reflector.messages[0].content


def test_reflector_objection_gets_exactly_one_revision(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    revised = json.loads(SCARY_80S)
    revised["steps"][1]["args"]["mode"] = "recent"
    objection = json.dumps({"ok": False, "problem": "order them by year, newest first"})
    llm = ScriptedLLM(MANAGER, ANALYST, SCARY_80S, objection, json.dumps(revised), INTRO)
    llm.enqueue(objection)  # a second objection would be asked for, and is not
    agent = team_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert [c.purpose for c in turn.llm] == [
        "manager",
        "analyst",
        "searcher",
        "reflector",
        "searcher",
        "interpreter",
    ]
    assert llm.pending == 1 and turn.plan_source == "team+revised"
    revision = llm.requests[4].messages[-1].content
    assert "order them by year, newest first" in revision and '"mode":"popular"' in revision
    assert turn.plan[1] == {"tool": "rank", "args": {"mode": "recent"}}
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_manager_titles_reach_the_searcher_only_when_they_resolve(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    manager = json.dumps(
        {"constraints": "", "similar_to": ["white t-shirts", "star wars"], "topic": ""}
    )
    llm = ScriptedLLM(manager, ANALYST, SCARY_80S, OK, INTRO)
    agent = team_agent(mini_catalog, suite, llm)
    agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    searcher = llm.requests[2].messages[-1].content
    assert "similar to: Star Wars" in searcher and "t-shirts" not in searcher


def test_hostile_searcher_plan_is_validated_like_plan_first(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    horror = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"genres": ["Horror"]}}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    llm = ScriptedLLM(MANAGER, ANALYST, horror, OK, INTRO)
    agent = team_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "no horror, 3 films from the 80s")
    # The literal negation wins over the searcher's inclusion, and the years are written in.
    assert turn.plan_source == "team+amended"
    assert turn.plan[0]["args"]["exclude"] == {"genres": ["Horror"]}
    assert "include" not in turn.plan[0]["args"]
    assert len(turn.items) == 3
    for item in turn.items:
        assert "Horror" not in GENRES[item.item_id] and 1980 <= YEARS[item.item_id] <= 1989


def test_invented_titles_twice_fall_back_to_the_rules_plan(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    invented = json.dumps(
        {
            "steps": [
                {"tool": "retrieve_similar", "args": {"titles": ["Star Wars: Episode IX"]}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    llm = ScriptedLLM(MANAGER, ANALYST, invented, invented, INTRO)
    agent = team_agent(mini_catalog, suite, llm)
    turn = agent.turn(new_session(agent, None), "no horror, 3 films from the 80s")
    assert [c.purpose for c in turn.llm] == [
        "manager",
        "analyst",
        "searcher",
        "searcher-repair",
        "interpreter",
    ]
    assert turn.plan_source == "rules-fallback"  # no reflector on the rules plan
    catalog_ids = {f[0] for f in FILMS}
    assert len(turn.items) == 3 and {i.item_id for i in turn.items} <= catalog_ids
    assert all("Horror" not in GENRES[i.item_id] for i in turn.items)


def test_llm_failure_mid_team_degrades_to_rules(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM(MANAGER)
    llm.enqueue_error("connection refused")
    llm.enqueue_error("connection refused")
    agent = team_agent(mini_catalog, suite, llm)
    agent.settings.llm_reply = False
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert [(c.purpose, c.ok) for c in turn.llm] == [
        ("manager", True),
        ("analyst", False),  # retried once, like the planner
        ("analyst", False),
    ]
    assert turn.degraded and turn.plan_source == "rules-fallback"
    assert turn.degraded_reasons == ["team analyst LLM unavailable: connection refused"]
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_spent_deadline_stops_the_team(mini_catalog: Catalog, suite: ModelSuite) -> None:
    def slow(request: LLMRequest) -> str:
        time.sleep(0.3)  # longer than the whole turn's budget
        return MANAGER

    llm = FunctionLLM(slow)
    agent = team_agent(mini_catalog, suite, llm)
    agent.settings.deadline_s = 0.2
    turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    assert [c.purpose for c in turn.llm] == ["manager"] and len(llm.requests) == 1
    assert turn.plan_source == "rules-fallback" and "deadline" in turn.degraded_reasons[0]
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]


def test_memory_and_profile_reach_the_analyst(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM(MANAGER, ANALYST, SCARY_80S, OK, INTRO)
    agent = team_agent(mini_catalog, suite, llm)
    session = new_session(agent, None)
    session.memory_context = "Profile: loves Ridley Scott; watches with teenagers."
    session.liked = ["32"]
    agent.turn(session, "2 scary movies from the 80s")
    analyst = llm.requests[1].messages[0].content
    assert "loves Ridley Scott" in analyst and "Blade Runner" in analyst
    assert "Candidates" in analyst and "Shining, The" in analyst  # the rules reading's rows
    assert "horror, 1980s, two films" in analyst  # the manager's sub-goals


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path))
    build(catalog_path("mini"), name="mini")
    return tmp_path


def test_ask_mode_team_through_the_cli(home: Path) -> None:
    # The scripted backend has no replies queued: the team's first role cannot answer.
    args = ["ask", "a cosy film for a family evening", "--json", "--dataset", "mini"]
    result = CliRunner().invoke(app, [*args, "--llm", "scripted", "--mode", "team"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["degraded"] and payload["items"]
    assert payload["degraded_reasons"][0].startswith("team manager LLM unavailable")
    bad = CliRunner().invoke(app, [*args, "--mode", "committee"])
    assert bad.exit_code == 2 and "team" in bad.output
