"""Async handlers never run blocking work on the event loop: every catalog read (DuckDB)
and every memory-store statement made while serving REST, the OpenAI endpoint and MCP runs
in a worker thread. Checked by recording, for each such call, whether the calling thread
has a running event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import httpx2
import openai
import pytest
from fastapi import FastAPI
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.agent.agent import Agent
from recpilot.catalog.store import Catalog
from recpilot.memory.store import MemoryStore
from recpilot.server.testing import ADMIN_KEY, ALICE_KEY, bearer_header, serve_in_thread

ALICE = bearer_header(ALICE_KEY)


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def test_no_catalog_or_store_call_runs_on_the_event_loop(
    make_app: Callable[..., FastAPI], agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    offenders: list[str] = []

    def watch(cls: type, name: str) -> None:
        original = getattr(cls, name)

        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _on_loop():
                offenders.append(f"{cls.__name__}.{name}")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, wrapped)

    for name in ("query", "get_items", "get_item", "titles", "interactions"):
        watch(Catalog, name)
    watch(MemoryStore, "_exec")

    with serve_in_thread(make_app(mcp_http=True)) as base:
        with httpx.Client(base_url=base, headers=ALICE, timeout=30) as c:
            sid = c.post("/v1/sessions", json={"message": "no horror please"}).json()["session_id"]
            c.post(f"/v1/sessions/{sid}/messages", json={"message": "comedy", "stream": True})
            c.get(f"/v1/sessions/{sid}")
            c.post("/v1/recommend", json={"n": 5})
            c.post("/v1/items/search", json={"include": {"genres": ["Drama"]}, "limit": 3})
            c.get("/v1/items/i3")
            c.get("/v1/items/i3/similar?n=3")
            c.post("/v1/feedback", json={"item_id": "i3", "kind": "like", "session_id": sid})
            prefs = c.get("/v1/users/u1/preferences").json()
            c.delete(f"/v1/users/u1/preferences/{prefs[0]['id']}")
            c.get("/v1/users/u1/profile")
            c.get("/v1/users/u1/export")
        client = openai.OpenAI(base_url=f"{base}/v1", api_key=ALICE_KEY, max_retries=0)
        client.chat.completions.create(
            model="recpilot", messages=[{"role": "user", "content": "drama please"}]
        )
        for _ in client.chat.completions.create(
            model="recpilot", messages=[{"role": "user", "content": "drama"}], stream=True
        ):
            pass

        async def mcp() -> None:
            async with (
                httpx2.AsyncClient(headers=ALICE, timeout=30) as http,
                Client(streamable_http_client(f"{base}/mcp", http_client=http)) as session,
            ):
                await session.call_tool("recommend_for_user", {"user_id": "u1", "n": 3})
                await session.call_tool("similar_items", {"items": ["i3"], "n": 3})
                await session.call_tool(
                    "search_catalog", {"include": {"genres": ["Drama"]}, "limit": 3}
                )
                await session.call_tool("item_details", {"item_ids": ["i3"]})
                await session.call_tool("list_preferences", {"user_id": "u1"})

        asyncio.run(mcp())
        httpx.delete(f"{base}/v1/users/u1", headers=bearer_header(ADMIN_KEY))
    assert offenders == []
