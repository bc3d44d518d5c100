"""A catalog that is not movies, through every interface: the planted book catalog
(author, category, language, price, pages, published) read by REST sessions, the
OpenAI-compatible endpoint and MCP — every returned item checked against its row."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread
from recpilot.testing import ensure_catalog

ADMIN = bearer_header(ADMIN_KEY)
REQUEST = "Mystery books under 12 dollars"


@pytest.fixture(scope="module")
def books_agent(serve_home: str) -> Agent:
    catalog = ensure_catalog("planted-books")
    return build_agent(
        AgentOptions(dataset=catalog.name, embedder="hashing", demos="none"), catalog
    )


@pytest.fixture
def served(make_app: Callable[..., FastAPI], books_agent: Agent, tmp_path: Path) -> Iterator[str]:
    db = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    with serve_in_thread(make_app(agent=books_agent, memory_url=db, mcp_http=True)) as base:
        yield base


def _mystery_under_12(agent: Agent, ids: list[str]) -> bool:
    rows = [i.attributes for i in agent.catalog.get_items(ids)]
    return bool(rows) and all(
        "Mystery" in (r["category"] or []) and float(r["price"]) < 12  # type: ignore[arg-type, operator]
        for r in rows
    )


def test_rest_session_reads_the_book_request(served: str, books_agent: Agent) -> None:
    r = httpx.post(
        f"{served}/v1/sessions",
        json={"message": REQUEST, "user_id": "reader"},
        headers=ADMIN,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert _mystery_under_12(books_agent, [c["item_id"] for c in body["items"]])
    assert all(c["labels"] and "Mystery" in c["labels"] for c in body["items"])
    assert all(isinstance(c["time"], int | float) for c in body["items"])  # published


def test_openai_endpoint_reads_the_book_request(served: str, books_agent: Agent) -> None:
    client = openai.OpenAI(base_url=f"{served}/v1", api_key=ADMIN_KEY, max_retries=0)
    out = client.chat.completions.create(
        model="recpilot", user="reader", messages=[{"role": "user", "content": REQUEST}]
    )
    extra: dict[str, Any] = out.choices[0].message.model_extra or {}
    ids = [c["item_id"] for c in extra["recpilot"]["items"]]
    assert _mystery_under_12(books_agent, ids)


def test_mcp_describes_and_filters_the_book_catalog(served: str, books_agent: Agent) -> None:
    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        async with (
            httpx2.AsyncClient(headers=ADMIN, timeout=30) as http,
            Client(streamable_http_client(f"{served}/mcp", http_client=http)) as client,
        ):
            described = await client.call_tool("describe_catalog", {})
            found = await client.call_tool(
                "search_catalog",
                {
                    "include": {"category": ["Poetry"], "language": ["French"]},
                    "ranges": {"price": {"max": 20}},
                    "limit": 5,
                },
            )
            assert not found.is_error, found.content
            return described.structured_content, found.structured_content  # type: ignore[return-value]

    described, found = asyncio.run(run())
    names = {a["name"]: a for a in described["attributes"]}
    assert names["published"]["role"] == "time" and names["price"]["role"] == "price"
    assert "genres" not in names and "Poetry" in names["category"]["values"]
    assert found["items"] and all(
        "Poetry" in i["attributes"]["category"]
        and "French" in i["attributes"]["language"]
        and i["attributes"]["price"] <= 20
        for i in found["items"]
    )
