"""Demonstrations: dynamic selection by similarity, and growing the bank with only plans
that validate and return items."""

from __future__ import annotations

import json
from pathlib import Path

from recpilot.agent.demos import DemoSelector, load_bank
from recpilot.agent.demos_gen import generate
from recpilot.catalog.store import Catalog
from recpilot.llm.scripted import ScriptedLLM
from recpilot.models.embedders import HashingEmbedder
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent


def test_shipped_bank_plans_are_valid() -> None:
    from recpilot.agent.plan import parse_plan
    from recpilot.tools.registry import default_tools

    bank = load_bank()
    assert len(bank) >= 20
    for demo in bank:
        assert parse_plan(demo.plan, default_tools())[1] == [], demo.request


def test_dynamic_selection_picks_the_nearest_examples() -> None:
    bank = load_bank()
    dynamic = DemoSelector(bank, HashingEmbedder(), k=2, mode="dynamic")
    fixed = DemoSelector(bank, HashingEmbedder(), k=2, mode="fixed")
    chosen = [d.request for d in dynamic.select("when was Star Wars released?")]
    assert chosen[-1] == "when was Star Wars released?"  # most similar shown last
    assert [d.request for d in fixed.select("anything")] == [d.request for d in bank[:2]]


def test_generation_keeps_only_validated_non_empty_plans(
    mini_catalog: Catalog, suite: ModelSuite, tmp_path: Path
) -> None:
    good_plan = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"genres": ["Horror"]}}},
                {"tool": "rank", "args": {"mode": "popular"}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    bad_plan = json.dumps(
        {
            "steps": [
                {"tool": "retrieve_similar", "args": {"titles": ["Zardoz Returns"]}},
                {"tool": "finalize", "args": {"n": 3}},
            ]
        }
    )
    # An unknown seed title is not something the validator can write in (a wrong genre would
    # be amended): asked twice, the planner falls back to the rules plan and the case is dropped.
    llm = ScriptedLLM(
        json.dumps({"request": "3 scary films"}), good_plan,  # kept
        json.dumps({"request": "something like Fargo"}), bad_plan, bad_plan,  # rejected
    )  # fmt: skip
    agent = llm_agent(mini_catalog, suite, llm)
    agent.settings.llm_reply = False
    out = tmp_path / "grown.jsonl"
    report = generate(agent, llm, load_bank(), 2, out)
    assert (report.kept, report.rejected_invalid) == (1, 1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["request"] for r in rows] == ["3 scary films"]
    assert load_bank(out)[-1].request == "3 scary films"
