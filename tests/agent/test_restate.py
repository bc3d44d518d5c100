"""Restate, then read: the LLM's plain-English restatement is read by the rules, merged with
the literal reading by evidence, and spares the planner call only when it is read in full."""

from __future__ import annotations

import json

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.analysis import analyze
from recpilot.agent.build import new_session
from recpilot.agent.restate import Restater, system_prompt, users_words
from recpilot.agent.validate import merge
from recpilot.catalog.profile import build_profile
from recpilot.catalog.store import Catalog
from recpilot.llm.scripted import ScriptedLLM
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent


def restating_agent(catalog: Catalog, suite: ModelSuite, llm: ScriptedLLM) -> Agent:
    agent = llm_agent(catalog, suite, llm, route=True)
    agent.restater = Restater(llm, agent.profile)
    agent.settings.llm_reply = False  # template replies: the scripted calls are the plan's
    return agent


def said(text: str) -> str:
    return json.dumps({"request": text})


def plan(*steps: tuple[str, dict[str, object]]) -> str:
    return json.dumps({"steps": [{"tool": t, "args": a} for t, a in steps]})


def genres(agent: Agent, item_ids: list[str]) -> list[set[str]]:
    rows = agent.catalog.get_items(item_ids)
    return [set(row.attributes["genres"]) for row in rows]  # type: ignore[arg-type]


def test_a_restatement_read_in_full_answers_without_the_planner(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    llm = ScriptedLLM(said("comedy"))  # one reply only: a planner call would fail the turn
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "Etwas Lustiges für heute Abend")
    assert record.plan_source == "llm-restated"
    assert [c.purpose for c in record.llm] == ["restate"] and not record.degraded
    assert record.not_understood == []
    assert record.decided_by == {"include genres=Comedy": "llm"}
    assert record.items and all(
        "Comedy" in g for g in genres(agent, [i.item_id for i in record.items])
    )
    # The user sees which catalog values the words were taken to mean, never the model's text.
    assert any("to mean genres Comedy" in note for note in record.notes)


def test_a_literal_negation_beats_the_restatement(mini_catalog: Catalog, suite: ModelSuite) -> None:
    # The model turns the request into horror; the message rules horror out by name.
    llm = ScriptedLLM(said("horror or comedy"))
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "no horror, just something to cheer me up")
    assert record.plan_source == "llm-restated"
    assert record.decided_by["exclude genres=Horror"] == "rules"
    assert "include genres=Horror" not in record.decided_by
    assert all("Horror" not in g for g in genres(agent, [i.item_id for i in record.items]))


def test_a_restatement_with_unread_words_goes_to_the_planner(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    llm = ScriptedLLM(
        said("films about whales"),
        plan(("search_catalog", {"include": {"genres": ["Sci-Fi"]}}), ("finalize", {"n": 3})),
    )
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "something with big sea creatures")
    assert [c.purpose for c in record.llm] == ["restate", "plan"]
    assert record.plan_source.startswith("llm") and record.plan_source != "llm-restated"
    assert llm.pending == 0


def test_a_restatement_that_adds_nothing_goes_to_the_planner(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    # Read in full, but it only repeats what the rules read: the unread words stay unread.
    llm = ScriptedLLM(said("comedy"), plan(("finalize", {"n": 5})))
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "comedy for my grandmother's birthday")
    assert [c.purpose for c in record.llm] == ["restate", "plan"]
    assert record.plan_source != "llm-restated"


def test_a_failed_or_unreadable_restatement_leaves_the_planner_to_answer(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    llm = ScriptedLLM(
        "not json at all",
        plan(("search_catalog", {"include": {"genres": ["Horror"]}}), ("finalize", {"n": 3})),
    )
    llm.enqueue_error("endpoint is down")
    llm.enqueue(
        plan(("search_catalog", {"include": {"genres": ["Crime"]}}), ("finalize", {"n": 3}))
    )
    agent = restating_agent(mini_catalog, suite, llm)
    session = new_session(agent, None)
    first = agent.turn(session, "something to keep me awake at night")
    assert first.plan_source.startswith("llm") and first.plan_source != "llm-restated"
    assert first.decided_by == {"include genres=Horror": "llm"} and not first.degraded
    second = agent.turn(session, "what my uncle watches")
    assert [(c.purpose, c.ok) for c in second.llm] == [("restate", False), ("plan", True)]
    assert second.decided_by == {"include genres=Crime": "llm"}


def test_routed_messages_make_no_restate_call(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = ScriptedLLM()  # any call would fail
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "3 comedies from the 90s")
    assert record.plan_source == "rules-routed" and record.llm == []


def test_the_prompt_lists_the_catalogs_own_words(mini_catalog: Catalog) -> None:
    prompt = system_prompt(build_profile(mini_catalog))
    assert "Sci-Fi" in prompt and "Children's" in prompt
    assert "year: a number from 1948 to 1998" in prompt


def test_a_restatement_that_keeps_the_users_words_is_said_not_understood(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    # The model found no catalog word for them and kept them: the catalog cannot answer
    # this, so the turn says so rather than asking the planner to guess (one reply only).
    llm = ScriptedLLM(said("films with Tom Hanks"))
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "films with Tom Hanks")
    assert [c.purpose for c in record.llm] == ["restate"] and not record.degraded
    assert record.plan_source == "llm-restated"
    assert {"tom", "hanks"} <= set(record.not_understood)
    assert record.answer_kind == "fallback"


def test_a_restatement_that_rewords_the_users_words_is_said_not_understood(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    # "ship" came back as "shipping": still the user's words, still nothing in the catalog.
    llm = ScriptedLLM(said("Canada shipping"))  # one reply only: no planner call
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "Which of your films ship to Canada?")
    assert [c.purpose for c in record.llm] == ["restate"]
    assert {"ship", "canada"} <= set(record.not_understood)
    assert record.answer_kind == "fallback"


@pytest.mark.parametrize(
    ("words", "message", "own"),
    [
        (["canada", "shipping"], "Which of your products ship to Canada?", True),
        (["haddad's"], "more by Noor Haddad", True),
        (["tea", "warmer"], "something to keep my tea hot", False),  # "warmer" is the model's
        (["pot", "dutch", "oven"], "Une poêle ou une cocotte", False),  # a translation
        ([], "anything", False),
    ],
)
def test_users_words_are_the_messages_words_or_their_stems(
    words: list[str], message: str, own: bool
) -> None:
    assert users_words(words, message) is own


def test_a_restatement_adds_values_for_the_words_the_rules_left_unread(
    mini_catalog: Catalog, suite: ModelSuite
) -> None:
    # "comedy" is named; "my grandmother would enjoy" is not read. The restatement's Romance
    # comes from those words, so it joins the named value instead of giving way to it.
    llm = ScriptedLLM(said("Comedy and Romance"))  # one reply only: no planner call
    agent = restating_agent(mini_catalog, suite, llm)
    record = agent.turn(new_session(agent, None), "a comedy my grandmother would enjoy")
    assert record.plan_source == "llm-restated"
    assert record.decided_by["include genres=Comedy"].startswith("rules")
    assert record.decided_by["include genres=Romance"] == "llm"
    # With every word of the message read, the named value decides alone.
    literal = analyze("a comedy tonight", agent.vocab)
    merged, _, _ = merge(
        literal, analyze("Comedy and Romance", agent.vocab), {}, agent.profile, extend_named=True
    )
    assert literal.unexplained == [] and merged.include == {"genres": ["Comedy"]}
