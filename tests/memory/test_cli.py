"""The memory commands through a Typer app (registered the way cli/__init__ will)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from recpilot.agent.agent import Agent
from recpilot.cli import memory as memory_cli

SYNTH_NAME = "memsynth"  # the catalog the agent fixture writes


def _app() -> typer.Typer:
    app = typer.Typer()
    memory_cli.register(app)
    return app


def test_recommend_feedback_show_export_delete(agent: Agent, home: Path) -> None:
    db = f"sqlite:///{home / 'cli.sqlite3'}"
    run = CliRunner().invoke
    app = _app()
    out = run(
        app,
        ["recommend", "--user", "neo", "--n", "4", "--json", "--dataset", SYNTH_NAME, "--db", db],
    )
    assert out.exit_code == 0, out.output
    items = json.loads(out.stdout)["items"]
    assert len(items) == 4
    out = run(
        app,
        [
            "feedback",
            items[0]["item_id"],
            "watched",
            "--user",
            "neo",
            "--dataset",
            SYNTH_NAME,
            "--db",
            db,
        ],
    )
    assert out.exit_code == 0, out.output
    shown = json.loads(run(app, ["user", "show", "neo", "--db", db]).stdout)
    assert shown["profile"]["consumed"] == [items[0]["item_id"]]
    exported = json.loads(run(app, ["user", "export", "neo", "--db", db]).stdout)
    assert exported["feedback"][0]["kind"] == "consumed" and exported["turns"]
    deleted = json.loads(run(app, ["user", "delete", "neo", "--yes", "--db", db]).stdout)
    assert deleted["feedback"] == 1 and deleted["profiles"] == 1
    after = json.loads(run(app, ["user", "show", "neo", "--db", db]).stdout)
    assert sum(after["rows"].values()) == 0
