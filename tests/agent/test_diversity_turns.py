"""The diversity setting stated in conversation: the rules reader sets it ("surprise me",
"hidden gems", es/fr/de), it holds for the session until changed, an LLM plan can carry it on
``finalize`` and the validator writes the rules' reading into an LLM plan."""

from __future__ import annotations

import json

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.catalog.store import Catalog
from recpilot.llm.scripted import ScriptedLLM
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent


def _finalize(turn: TurnRecord) -> str:
    return next(s.message for s in turn.steps if s.tool == "finalize")


def test_surprise_me_sets_the_knob_for_the_session_until_changed(
    agent: Agent, session: Session
) -> None:
    first = agent.turn(session, "surprise me")
    assert session.diversity == 0.8
    assert "diversity 0.8" in _finalize(first) and first.items
    assert first.decided_by.get("diversity") == "rules" and not first.not_understood
    later = agent.turn(session, "a comedy")  # not restated: the setting holds
    assert session.diversity == 0.8 and "diversity 0.8" in _finalize(later)
    plain = agent.turn(session, "more mainstream please")
    assert session.diversity == 0.0 and "diversity" not in _finalize(plain)


def test_the_setting_is_read_in_other_languages(agent: Agent) -> None:
    for message, setting in (
        ("hidden gems from the 80s", 0.9),
        ("sorpréndeme", 0.8),
        ("quelque chose de différent", 0.7),
        ("Geheimtipps bitte", 0.9),
    ):
        session = new_session(agent, None)
        turn = agent.turn(session, message)
        assert session.diversity == setting, message
        assert f"diversity {setting:g}" in _finalize(turn), message


def test_without_a_statement_personal_ranking_gets_the_default_and_orderings_are_kept(
    agent: Agent, session: Session
) -> None:
    from recpilot.tools.diversify import DEFAULT_DIVERSITY

    alien = agent.resolver.resolve("Alien").item_id
    assert alien is not None
    session.liked.append(alien)
    personal = agent.turn(session, "3 films")
    assert f"diversity {DEFAULT_DIVERSITY:g}" in _finalize(personal)
    newest = agent.turn(new_session(agent, None), "the newest films")
    assert "diversity" not in _finalize(newest)  # an ordering asked for keeps its order


def test_an_llm_plan_carries_the_setting_and_the_rules_reading_is_written_in(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    off_the_radar = json.dumps(
        {
            "steps": [
                {"tool": "rank", "args": {"mode": "personal"}},
                {"tool": "finalize", "args": {"n": 3, "diversity": 0.9}},
            ]
        }
    )
    plain = json.dumps({"steps": [{"tool": "finalize", "args": {"n": 3}}]})
    agent = llm_agent(mini_catalog, suite, ScriptedLLM(off_the_radar, plain))
    agent.settings.llm_reply = False
    session = new_session(agent, None)
    first = agent.turn(session, "stuff nobody has heard of")
    assert session.diversity == 0.9 and "diversity 0.9" in _finalize(first)
    assert first.decided_by.get("diversity") == "llm"
    second = agent.turn(session, "surprise me with a comedy")  # the LLM plan omits it
    assert any("finalize diversity = 0.8" in a for a in second.plan_amendments)
    assert session.diversity == 0.8 and "diversity 0.8" in _finalize(second)
