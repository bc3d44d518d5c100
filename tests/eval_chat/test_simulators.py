"""Leak filter and the attribute simulator: determinism by seed, no title leaks, and messages
the rules analyser reads back as the target's attributes."""

from __future__ import annotations

import re

import pytest

from recpilot.agent.analysis import Vocabulary, analyze
from recpilot.agent.lexicon import Lexicon
from recpilot.catalog.profile import build_profile
from recpilot.catalog.store import Catalog
from recpilot.eval.holdout import HeldOut, UserCase
from recpilot.eval.simulators import AttributeSimulator, LeakFilter, LLMSimulator
from recpilot.llm.scripted import ScriptedLLM
from recpilot.tools.resolve import TitleResolver


@pytest.mark.parametrize(
    "text",
    [
        "I want The Godfather tonight",
        "something like godfather, the",
        "any crime films like GODFATHER please",
        "maybe the Godfathr?",  # one typo: fuzzy ratio 16/17 > 0.85
    ],
)
def test_leak_filter_catches_title(text: str) -> None:
    assert LeakFilter("The Godfather").leaks(text)


@pytest.mark.parametrize(
    "text",
    ["crime dramas from the 70s", "something like Casino", "a father and his sons"],
)
def test_leak_filter_passes_unrelated(text: str) -> None:
    assert not LeakFilter("The Godfather").leaks(text)


def test_leak_filter_short_title_exact_only() -> None:
    leak = LeakFilter("Heat")
    assert leak.leaks("something with heat in it")
    assert not leak.leaks(
        "something to eat"
    )  # "eat" vs "heat" has ratio 0.86, but short titles match exactly


def _messages(holdout: HeldOut, seed: int) -> list[list[str]]:
    sim = AttributeSimulator(holdout.items, seed=seed)
    out = []
    for case in holdout.cases:
        sim.start(case)
        out.append([sim.message(t, []).text for t in range(1, 6)])
    return out


def test_attribute_simulator_is_deterministic_by_seed(holdout: HeldOut) -> None:
    assert _messages(holdout, 3) == _messages(holdout, 3)
    assert _messages(holdout, 3) != _messages(holdout, 4)


def test_attribute_simulator_never_leaks_target(holdout: HeldOut) -> None:
    for case, turns in zip(holdout.cases, _messages(holdout, 0), strict=True):
        title = holdout.items[case.target_id].title
        for text in turns:
            assert not LeakFilter(title).leaks(text), (title, text)


def test_similar_title_is_rejected_and_replaced(holdout: HeldOut) -> None:
    # horror1's target is "Alien"; the history film most like it is "Aliens" (fuzzy leak).
    case = next(c for c in holdout.cases if c.user_id == "horror1")
    assert holdout.items[case.target_id].title == "Alien"
    sim = AttributeSimulator(holdout.items, seed=0)
    sim.start(case)
    msg = sim.message(5, [])
    assert "similar" in msg.revealed
    assert msg.rejected >= 1
    assert "aliens" not in msg.text.lower()


def test_messages_carry_the_targets_attributes(world: Catalog, holdout: HeldOut) -> None:
    resolver = TitleResolver(world.titles())
    vocab = Vocabulary.build(build_profile(world), resolver, Lexicon.load())
    sim = AttributeSimulator(holdout.items, seed=1)
    for case in holdout.cases:
        target = holdout.items[case.target_id]
        sim.start(case)
        req = analyze(sim.full_request().text, vocab)
        genres = req.include.get("genres", [])
        assert set(genres) <= set(target.genres) and genres
        low, high = req.ranges["year"]
        assert target.year is not None and low is not None and high is not None
        assert low <= target.year <= high
        assert req.n == 10
        assert req.like and set(req.like) <= set(case.history)


def test_llm_simulator_regenerates_leaks_then_falls_back(holdout: HeldOut) -> None:
    case = next(c for c in holdout.cases if c.user_id == "horror1")  # target "Alien"
    llm = ScriptedLLM(
        "I want Alien!", "Maybe Alien again", "you know, alien", "Scary sci-fi please"
    )
    sim = LLMSimulator(llm, holdout.items, retries=2)
    sim.start(case)
    first = sim.message(1, [])
    # three leaking LLM drafts, then the attribute message (which may itself reject "Aliens")
    assert first.source == "fallback" and first.rejected >= 3
    assert not re.search(r"\balien\b", first.text.lower())
    second = sim.message(2, [])
    assert second.source == "llm" and second.text == "Scary sci-fi please"
    # the persona prompt names history films and attributes, never the target title
    prompt = llm.requests[0].messages[0].content
    assert "Horror" in prompt and "Alien;" not in prompt and not prompt.rstrip().endswith("Alien")


def test_simulator_requires_start(holdout: HeldOut) -> None:
    with pytest.raises(RuntimeError):
        AttributeSimulator(holdout.items).message(1, [])


def test_unused_case_type() -> None:
    case = UserCase("u", "1", ("2",))
    assert case.history == ("2",)
