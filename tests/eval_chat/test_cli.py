"""``eval chat`` / ``eval one-turn`` end to end on the planted world (rules brain, scripted LLM)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from recpilot.catalog.datasets import catalogs_dir
from recpilot.cli.evaluate_chat import register
from recpilot.errors import ConfigError

from .world import build


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> typer.Typer:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path / "home"))
    build(catalogs_dir() / "chatworld.duckdb")
    group = typer.Typer()
    register(group)
    return group


def _run(app: typer.Typer, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_chat_rules_agent_against_floors(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "report"
    payload = _run(
        app, "chat", "--dataset", "chatworld", "--users", "12", "--turns", "3", "--embedder",
        "hashing", "--systems", "agent,agent[demos=none,validate=false],pop,ease", "--out", str(out),
    )  # fmt: skip
    names = [s["name"] for s in payload["systems"]]
    assert names == ["agent", "agent[demos=none,validate=false]", "pop", "ease"]
    by = {s["name"]: s["metrics"] for s in payload["systems"]}
    assert by["agent"]["out_of_catalog_rate"] == 0.0
    assert len(by["agent"]["hit_by_turn"]["hit@10"]) == 3
    # floors ignore the dialogue: their hit rate cannot grow after turn 1
    assert len(set(by["pop"]["hit_by_turn"]["hit@10"])) == 1
    assert payload["config"]["seed"] == 0 and payload["config"]["simulator"] == "attribute"
    assert payload["config"]["holdout"]["users"] == 12
    for name in (
        "report.md",
        "report.json",
        "hit_by_turn.png",
        "cost_by_turn.png",
        "dialogues.jsonl",
    ):
        assert (out / name).stat().st_size > 0
    assert "| agent |" in (out / "report.md").read_text()
    assert not (out / "dialogues.partial.jsonl").exists()  # removed once the report is written


def test_dead_llm_degrades_every_agent_turn_and_yields_no_llm_only_items(
    app: typer.Typer, tmp_path: Path
) -> None:
    # 'scripted' resolves to a ScriptedLLM with nothing queued: every call is LLMUnavailable
    payload = _run(
        app, "chat", "--dataset", "chatworld", "--users", "4", "--turns", "2", "--llm", "scripted",
        "--embedder", "hashing", "--systems", "agent[route=false],llm-only", "--template-reply",
        "--out", str(tmp_path / "r"),
    )  # fmt: skip
    agent, only = payload["systems"]
    # Routing off, so every turn asks the dead LLM: each is answered from the rules plan.
    assert agent["metrics"]["degraded_rate"] == 1.0
    assert agent["metrics"]["out_of_catalog_rate"] == 0.0
    assert only["metrics"]["degraded_rate"] == 1.0 and only["metrics"]["hit"]["hit@10"] == 0.0
    assert only["hallucination_rate"] == 0.0  # no titles at all


def test_one_turn_protocols(app: typer.Typer, tmp_path: Path) -> None:
    payload = _run(
        app, "one-turn", "--dataset", "chatworld", "--users", "12", "--embedder", "hashing",
        "--systems", "agent,pop", "--out", str(tmp_path / "o"),
    )  # fmt: skip
    assert payload["systems"] == []  # no dialogues in the one-turn command
    assert [r["system"] for r in payload["retrieval"]] == ["agent", "pop"]
    assert [r["scorer"] for r in payload["ranking"]] == ["agent rank tool", "pop"]
    for r in payload["ranking"]:
        assert 0.0 <= r["hr"]["hr@1"] <= r["hr"]["hr@3"] <= r["hr"]["hr@5"] <= 1.0


@pytest.mark.parametrize(
    "args",
    [
        ["--systems", "agent,bogus"],
        ["--systems", "llm-only"],  # needs an LLM
        ["--systems", "agent[demos=sometimes]"],
        ["--simulator", "psychic"],
    ],
)
def test_usage_errors(app: typer.Typer, args: list[str]) -> None:
    with pytest.raises(ConfigError):
        CliRunner().invoke(
            app, ["chat", "--dataset", "chatworld", "--users", "2", *args], catch_exceptions=False
        )
