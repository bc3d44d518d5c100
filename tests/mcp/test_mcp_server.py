"""The MCP tools through the official MCP SDK client: streamable HTTP under the web server
(with API-key isolation) and stdio (``python -m recpilot.mcp_server``)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from typing import Any

import httpx2
from fastapi import FastAPI
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.server.testing import ALICE_KEY, bearer_header, serve_in_thread

TOOLS = {
    "list_catalogs",
    "describe_catalog",
    "search_catalog",
    "similar_items",
    "recommend_for_user",
    "item_details",
    "record_feedback",
    "list_preferences",
    "remove_preference",
}


def _data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    data: dict[str, Any] = result.structured_content
    return data


async def _exercise(client: Client, agent: Agent, user: str) -> None:
    listed = await client.list_tools()
    assert {t.name for t in listed.tools} == TOOLS
    for tool in listed.tools:
        assert tool.description and tool.input_schema["type"] == "object"
    search = next(t for t in listed.tools if t.name == "search_catalog")
    assert {"include", "exclude", "ranges", "limit"} <= set(search.input_schema["properties"])
    catalogs = _data(await client.call_tool("list_catalogs", {}))["catalogs"]
    assert [c["name"] for c in catalogs] == [agent.catalog.name] and catalogs[0]["description"]
    elsewhere = await client.call_tool("search_catalog", {"catalog": "vinyl", "limit": 1})
    assert elsewhere.is_error and agent.catalog.name in str(elsewhere.content)
    described = _data(await client.call_tool("describe_catalog", {}))
    genres = next(a for a in described["attributes"] if a["name"] == "genres")
    assert genres["role"] == "category" and "Horror" in genres["values"]

    titles = agent.catalog.titles()
    found = _data(
        await client.call_tool(
            "search_catalog",
            {"include": {"genres": ["Horror"]}, "ranges": {"year": {"min": 1990}}, "limit": 5},
        )
    )
    assert found["items"] and found["total"] >= len(found["items"])
    assert all(
        "Horror" in i["attributes"]["genres"] and i["attributes"]["year"] >= 1990
        for i in found["items"]
    )
    wrong = await client.call_tool("search_catalog", {"include": {"genres": ["Horor"]}})
    assert wrong.is_error and "Horror" in str(wrong.content)

    seed = found["items"][0]
    similar = _data(await client.call_tool("similar_items", {"items": [seed["title"]], "n": 4}))
    assert len(similar["items"]) == 4 and seed["item_id"] not in [
        c["item_id"] for c in similar["items"]
    ]
    assert all(titles[c["item_id"]] == c["title"] for c in similar["items"])

    ranked = _data(
        await client.call_tool(
            "recommend_for_user", {"user_id": user, "n": 5, "include": {"genres": ["Drama"]}}
        )
    )
    assert len(ranked["items"]) == 5 and all("Drama" in c["labels"] for c in ranked["items"])

    details = _data(await client.call_tool("item_details", {"item_ids": ["i3", "nope"]}))
    assert details["items"][0]["title"] == titles["i3"] and details["unknown"] == ["nope"]

    liked = ranked["items"][0]["item_id"]
    ok = _data(
        await client.call_tool(
            "record_feedback", {"user_id": user, "item_id": liked, "kind": "like"}
        )
    )
    assert ok["ok"] is True
    bad = await client.call_tool(
        "record_feedback", {"user_id": user, "item_id": "nope", "kind": "like"}
    )
    assert bad.is_error


def test_mcp_over_http_with_key_isolation(make_app: Callable[..., FastAPI], agent: Agent) -> None:
    async def run(base: str) -> None:
        async with (
            httpx2.AsyncClient(headers=bearer_header(ALICE_KEY), timeout=30) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            await _exercise(client, agent, "u1")
            other = await client.call_tool("recommend_for_user", {"user_id": "u2", "n": 3})
            assert other.is_error and "u2" in str(other.content)
        async with (
            httpx2.AsyncClient(timeout=30) as anonymous,
            Client(streamable_http_client(f"{base}/mcp", http_client=anonymous)) as client,
        ):
            denied = await client.call_tool("item_details", {"item_ids": ["i3"]})
            assert denied.is_error and "API key" in str(denied.content)

    with serve_in_thread(make_app(mcp_http=True)) as base:
        asyncio.run(run(base))


def test_mcp_over_stdio(serve_home: str, agent: Agent) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[
            "-m",
            "recpilot.mcp_server",
            "--dataset",
            agent.catalog.name,
            "--user",
            "u7",
            "--embedder",
            "hashing",
        ],
        env={**os.environ, "RECPILOT_HOME": serve_home},
    )

    async def run() -> None:
        async with Client(params, read_timeout_seconds=60) as client:
            await _exercise(client, agent, "u7")
            other = await client.call_tool(
                "record_feedback", {"user_id": "u8", "item_id": "i1", "kind": "like"}
            )
            assert other.is_error

    asyncio.run(run())
