"""The diversity setting on every interface: the same request at setting 0 and at setting 1
over REST (session and recommend bodies), the OpenAI endpoint (an extension field in the
body), MCP (a tool argument) and ``recpilot ask --diversity`` (a separate process) — setting 1
spreads the items over more categories each time, so the knob reaches the ranking from every
surface. Out-of-range values are refused with a clear error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
from mcp.client.streamable_http import streamable_http_client
from processes import run_cli

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread

USER = "u1"
ADMIN = bearer_header(ADMIN_KEY)
MESSAGE = "8 picks please"


def _session(base: str, db: str, home: str, diversity: float) -> list[str]:
    body = {"message": MESSAGE, "user_id": USER, "diversity": diversity}
    r = httpx.post(f"{base}/v1/sessions", json=body, headers=ADMIN, timeout=30)
    assert r.status_code == 200, r.text
    return [c["item_id"] for c in r.json()["items"]]


def _recommend(base: str, db: str, home: str, diversity: float) -> list[str]:
    body = {"n": 8, "user_id": USER, "diversity": diversity}
    r = httpx.post(f"{base}/v1/recommend", json=body, headers=ADMIN, timeout=30)
    assert r.status_code == 200, r.text
    return [c["item_id"] for c in r.json()["items"]]


def _openai(base: str, db: str, home: str, diversity: float) -> list[str]:
    client = openai.OpenAI(base_url=f"{base}/v1", api_key=ADMIN_KEY, max_retries=0)
    out = client.chat.completions.create(
        model="recpilot",
        user=USER,
        messages=[{"role": "user", "content": MESSAGE}],
        extra_body={"diversity": diversity},
    )
    return [c["item_id"] for c in (out.choices[0].message.model_extra or {})["recpilot"]["items"]]


def _mcp(base: str, db: str, home: str, diversity: float) -> list[str]:
    async def run() -> list[str]:
        async with (
            httpx2.AsyncClient(headers=ADMIN, timeout=30) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            args = {"user_id": USER, "n": 8, "diversity": diversity}
            result = await client.call_tool("recommend_for_user", args)
            assert not result.is_error, result.content
            return [c["item_id"] for c in result.structured_content["items"]]

    return asyncio.run(run())


def _cli(base: str, db: str, home: str, diversity: float) -> list[str]:
    out = run_cli(
        home, "ask", MESSAGE, "--user", USER, "--json", "--dataset", "serve-synth",
        "--db", db, "--diversity", str(diversity),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return [i["item_id"] for i in json.loads(out.stdout)["items"]]


ASK: dict[str, Callable[[str, str, str, float], list[str]]] = {
    "rest-session": _session,
    "rest-recommend": _recommend,
    "openai": _openai,
    "mcp": _mcp,
    "cli": _cli,
}


@pytest.fixture(scope="module")
def served(
    make_app: Callable[..., FastAPI], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('diversity') / 'memory.sqlite3'}"
    with serve_in_thread(make_app(memory_url=db, mcp_http=True)) as base:
        yield base, db


@pytest.fixture(scope="module")
def make_app(agent: Agent, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., FastAPI]:
    from recpilot.server import ServerSettings, create_app
    from recpilot.server.testing import test_keys as keys

    keys_file = tmp_path_factory.mktemp("keys") / "keys.json"

    def make(**overrides: object) -> FastAPI:
        values: dict[str, object] = {"api_keys": keys(), "keys_file": str(keys_file)}
        values.update(overrides)
        return create_app(ServerSettings.model_validate(values), agent=agent)

    return make


def _spread(agent: Agent, ids: list[str]) -> int:
    """How many distinct main-category values the items hold together."""
    rows = agent.catalog.get_items(ids)
    return len({g for row in rows for g in row.attributes["genres"] or []})  # type: ignore[union-attr]


@pytest.mark.parametrize("interface", list(ASK))
def test_the_knob_spreads_the_categories_on_every_interface(
    interface: str, served: tuple[str, str], agent: Agent, serve_home: str
) -> None:
    base, db = served
    ask = ASK[interface]
    plain, varied = ask(base, db, serve_home, 0.0), ask(base, db, serve_home, 1.0)
    assert len(plain) == len(varied) == 8
    assert _spread(agent, varied) > _spread(agent, plain), (plain, varied)


def test_a_session_keeps_its_setting_and_bad_values_are_refused(
    served: tuple[str, str], agent: Agent
) -> None:
    base, _ = served
    first = httpx.post(
        f"{base}/v1/sessions",
        json={"message": MESSAGE, "user_id": USER, "diversity": 1},
        headers=ADMIN,
        timeout=30,
    ).json()
    again = httpx.post(
        f"{base}/v1/sessions/{first['session_id']}/messages",
        json={"message": "8 more"},
        headers=ADMIN,
        timeout=30,
    ).json()
    steps = [s for s in again["trace"]["steps"] if s["tool"] == "finalize"]
    assert "diversity 1" in steps[0]["message"]
    for path, body in (
        ("/v1/sessions", {"message": MESSAGE, "diversity": 1.5}),
        ("/v1/recommend", {"user_id": USER, "diversity": -0.1}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}], "diversity": 2}),
    ):
        r = httpx.post(f"{base}{path}", json=body, headers=ADMIN, timeout=30)
        assert r.status_code == 422 and "diversity" in r.text, (path, r.text)
