"""One user, one statement, every interface: after u0 (whose taste includes horror) says
"I can't stand horror" in a chat turn, no interface shows them horror — a new chat session,
REST recommend, the OpenAI endpoint, MCP and ``recpilot recommend --user`` (a separate
process on the same store). Before the statement each of them does show horror, so the test
can fail. Export shows the preference; removing it brings horror back; delete leaves no row."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
from mcp.client.streamable_http import streamable_http_client
from processes import run_cli

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.memory.schema import TABLES
from recpilot.memory.store import MemoryStore
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread

USER = "u0"  # planted: horror is this user's main taste
ADMIN = bearer_header(ADMIN_KEY)
INTERFACES = ["chat", "rest", "openai", "mcp", "cli"]


def _chat(base: str, db: str, home: str) -> list[str]:
    r = httpx.post(
        f"{base}/v1/sessions",
        json={"message": "recommend 20 picks", "user_id": USER},
        headers=ADMIN,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return [c["item_id"] for c in r.json()["items"]]


def _rest(base: str, db: str, home: str) -> list[str]:
    r = httpx.post(
        f"{base}/v1/recommend", json={"n": 20, "user_id": USER}, headers=ADMIN, timeout=30
    )
    assert r.status_code == 200, r.text
    return [c["item_id"] for c in r.json()["items"]]


def _openai(base: str, db: str, home: str) -> list[str]:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=ADMIN_KEY, max_retries=0)
    out = client.chat.completions.create(
        model="recpilot", user=USER, messages=[{"role": "user", "content": "recommend 20 picks"}]
    )
    return [c["item_id"] for c in (out.choices[0].message.model_extra or {})["recpilot"]["items"]]


def _mcp(base: str, db: str, home: str) -> list[str]:
    async def run() -> list[str]:
        async with (
            httpx2.AsyncClient(headers=ADMIN, timeout=30) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("recommend_for_user", {"user_id": USER, "n": 20})
            assert not result.is_error, result.content
            return [c["item_id"] for c in result.structured_content["items"]]

    return asyncio.run(run())


def _cli(base: str, db: str, home: str) -> list[str]:
    out = run_cli(
        home, "recommend", "--user", USER, "--n", "20", "--json", "--dataset", "serve-synth",
        "--db", db,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return [i["item_id"] for i in json.loads(out.stdout)["items"]]


ASK: dict[str, Callable[[str, str, str], list[str]]] = {
    "chat": _chat,
    "rest": _rest,
    "openai": _openai,
    "mcp": _mcp,
    "cli": _cli,
}


@pytest.fixture
def served(
    make_app: Callable[..., FastAPI], agent: Agent, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    db = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    with serve_in_thread(make_app(memory_url=db, mcp_http=True)) as base:
        yield base, db


def _horror(agent: Agent, ids: list[str]) -> int:
    return sum("Horror" in (i.attributes["genres"] or []) for i in agent.catalog.get_items(ids))  # type: ignore[operator]


@pytest.mark.parametrize("interface", INTERFACES)
def test_a_stated_dislike_holds_on_every_interface(
    interface: str, served: tuple[str, str], agent: Agent, serve_home: str
) -> None:
    base, db = served
    ask = ASK[interface]
    before = ask(base, db, serve_home)
    assert _horror(agent, before) > 0, "the control: without the statement horror is shown"

    said = httpx.post(
        f"{base}/v1/sessions",
        json={"message": "I can't stand horror", "user_id": USER},
        headers=ADMIN,
        timeout=30,
    )
    assert said.status_code == 200, said.text
    after = ask(base, db, serve_home)
    assert after and _horror(agent, after) == 0, after

    prefs = httpx.get(f"{base}/v1/users/{USER}/preferences", headers=ADMIN).json()
    assert [(p["kind"], p["attribute"], p["value"]) for p in prefs] == [
        ("exclude", "genres", "Horror")
    ]
    exported = httpx.get(f"{base}/v1/users/{USER}/export", headers=ADMIN).json()
    assert exported["preferences"] == prefs
    assert "Horror" in json.dumps(exported["profiles"])

    # Removing the one preference lifts it at once, on the same interface.
    gone = httpx.delete(f"{base}/v1/users/{USER}/preferences/{prefs[0]['id']}", headers=ADMIN)
    assert gone.status_code == 200 and gone.json()["value"] == "Horror"
    assert _horror(agent, ask(base, db, serve_home)) > 0


def test_delete_removes_the_preference_from_every_table(
    served: tuple[str, str], agent: Agent
) -> None:
    base, db = served
    for message in ("I can't stand horror", "recommend 5 picks"):
        httpx.post(
            f"{base}/v1/sessions",
            json={"message": message, "user_id": USER},
            headers=ADMIN,
            timeout=30,
        )
    _rest(base, db, "")
    with MemoryStore.open(db) as store:
        assert store.profile(USER).exclusions == {"genres": ["Horror"]}
        assert sum(store.count_user_rows(USER).values()) > 0
    deleted = httpx.delete(f"{base}/v1/users/{USER}", headers=ADMIN)
    assert deleted.status_code == 200
    with MemoryStore.open(db) as store:
        assert sum(store.count_user_rows(USER).values()) == 0
        for table in TABLES:
            rows = store._rows(f"SELECT * FROM {table}")
            assert "Horror" not in " ".join(str(v) for row in rows for v in row), table
    assert _horror(agent, _rest(base, db, "")) > 0  # nothing remembered any more
