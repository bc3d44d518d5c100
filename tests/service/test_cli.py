"""The CLI as adapters over the conversation service: ``ask`` and ``chat`` take any user id
and remember; ``recommend`` respects what was said in ``ask``; stated preferences are listed
and forgotten from the command line; API keys are created, listed and revoked."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from recpilot.agent.agent import Agent
from recpilot.cli import agent as agent_cli
from recpilot.cli import memory as memory_cli
from recpilot.cli import serve as serve_cli
from recpilot.memory.store import MemoryStore
from recpilot.service.keys import KeyRing

SYNTH = "memsynth"  # the catalog the agent fixture writes


def _app() -> typer.Typer:
    app = typer.Typer()
    agent_cli.register(app)
    memory_cli.register(app)
    serve_cli.register(app)
    return app


def _horror(agent: Agent, ids: list[str]) -> int:
    return sum("Horror" in (i.attributes["genres"] or []) for i in agent.catalog.get_items(ids))  # type: ignore[operator]


def test_ask_takes_any_user_and_remembers(agent: Agent, home: Path) -> None:
    db = f"sqlite:///{home / 'cli.sqlite3'}"
    run, app = CliRunner().invoke, _app()
    common = ["--dataset", SYNTH, "--db", db]
    out = run(app, ["ask", "I can't stand horror", "--user", "brand-new-user", "--json", *common])
    assert out.exit_code == 0, out.output
    first = json.loads(out.stdout)
    assert first["user_id"] == "brand-new-user" and first["session_id"]
    out = run(app, ["recommend", "--user", "brand-new-user", "--n", "20", "--json", *common])
    assert out.exit_code == 0, out.output
    picks = [i["item_id"] for i in json.loads(out.stdout)["items"]]
    assert len(picks) == 20 and _horror(agent, picks) == 0
    control = run(app, ["recommend", "--user", "someone-else", "--n", "20", "--json", *common])
    assert _horror(agent, [i["item_id"] for i in json.loads(control.stdout)["items"]]) > 0
    sid = first["session_id"]
    out = run(
        app,
        [
            "ask",
            "recommend 5 picks",
            "--user",
            "brand-new-user",
            "--session",
            sid,
            "--json",
            *common,
        ],
    )
    assert json.loads(out.stdout)["session_id"] == sid
    with MemoryStore.open(db) as store:
        assert store.turn_count(sid, "brand-new-user") == 2

    prefs = json.loads(run(app, ["user", "preferences", "brand-new-user", "--db", db]).stdout)
    assert [(p["kind"], p["value"]) for p in prefs] == [("exclude", "Horror")]
    out = run(app, ["user", "forget", "brand-new-user", prefs[0]["id"], "--db", db])
    assert out.exit_code == 0 and "never genres Horror" in out.stdout
    assert json.loads(run(app, ["user", "preferences", "brand-new-user", "--db", db]).stdout) == []
    missing = run(app, ["user", "forget", "brand-new-user", "nope", "--db", db])
    assert missing.exit_code != 0


def test_chat_with_a_user_remembers_likes_and_exclusions(agent: Agent, home: Path) -> None:
    db = f"sqlite:///{home / 'chat.sqlite3'}"
    lines = "no horror please\n/like 1\n/quit\n"
    out = CliRunner().invoke(
        _app(), ["chat", "--user", "chatty", "--dataset", SYNTH, "--db", db], input=lines
    )
    assert out.exit_code == 0, out.output
    assert "noted: like item 1" in out.stdout
    with MemoryStore.open(db) as store:
        profile = store.profile("chatty")
        [sid] = store.sessions("chatty")
        session = store.load_session(sid, "chatty")
    assert profile.exclusions == {"genres": ["Horror"]} and len(profile.liked) == 1
    assert session is not None and session.liked == profile.liked


def test_keys_create_list_revoke(home: Path) -> None:
    db = f"sqlite:///{home / 'keys.sqlite3'}"
    run, app = CliRunner().invoke, _app()
    made = run(app, ["keys", "create", "--user", "kim", "--db", db])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    with MemoryStore.open(db) as store:
        assert KeyRing(store).lookup(key) is not None
    [row] = json.loads(run(app, ["keys", "list", "--json", "--db", db]).stdout)
    assert row["user_id"] == "kim" and "sha256" not in row
    assert run(app, ["keys", "revoke", row["key_id"], "--db", db]).exit_code == 0
    with MemoryStore.open(db) as store:
        assert KeyRing(store).lookup(key) is None
    assert "revoked" in run(app, ["keys", "list", "--db", db]).stdout
    assert run(app, ["keys", "create", "--db", db]).exit_code != 0  # neither --user nor --admin
