"""Turns off the event loop: 50 concurrent sessions without bleed, per-session locking,
a full queue answering 429 with Retry-After, degraded turns when the LLM fails."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recpilot.agent.agent import Agent
from recpilot.llm.base import LLMRequest
from recpilot.llm.scripted import FunctionLLM, ScriptedLLM
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread, synthetic_agent

GENRES = ["Action", "Comedy", "Documentary", "Drama", "Horror", "Romance", "Sci-Fi", "Thriller"]


def test_fifty_concurrent_sessions_do_not_bleed(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(threads=4, queue_size=100)

    async def one(
        client: httpx.AsyncClient, k: int
    ) -> tuple[int, str, dict[str, object], dict[str, object]]:
        user, genre = f"u{k + 10}", GENRES[k % len(GENRES)]
        first = await client.post(
            "/v1/sessions",
            json={"message": f"{genre} please", "user_id": user},
            headers=bearer_header(ADMIN_KEY),
        )
        sid = first.json()["session_id"]
        await client.post(
            f"/v1/sessions/{sid}/messages",
            json={"message": f"no horror thanks {k}"},
            headers=bearer_header(ADMIN_KEY),
        )
        view = await client.get(f"/v1/sessions/{sid}", headers=bearer_header(ADMIN_KEY))
        return k, sid, first.json(), view.json()

    async def run(base: str) -> list[tuple[int, str, dict[str, object], dict[str, object]]]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await asyncio.gather(*(one(client, k) for k in range(50)))

    with serve_in_thread(app) as base:
        results = asyncio.run(run(base))
    assert len({sid for _, sid, _, _ in results}) == 50
    for k, _, first, view in results:
        genre = GENRES[k % len(GENRES)]
        assert view["user_id"] == f"u{k + 10}"
        assert [t["message"] for t in view["turns"]] == [f"{genre} please", f"no horror thanks {k}"]  # type: ignore[index]
        items = first["items"]
        assert items and all(genre in c["labels"] for c in items), (k, items)  # type: ignore[union-attr]


def _slow_llm(delay_s: float, log: list[tuple[str, float, float]]) -> FunctionLLM:
    lock = threading.Lock()

    def fn(req: LLMRequest) -> str:
        start = time.perf_counter()
        time.sleep(delay_s)
        # The message reaches the prompt quoted (as data), so find the tag anywhere in it.
        tag = next(iter(re.findall(r"tag[AB]\d", req.messages[-1].content)), "?")
        with lock:
            log.append((tag, start, time.perf_counter()))
        return "not json"  # the planner fails -> the turn answers from the rules plan, degraded

    return FunctionLLM(fn, name="slow")


def test_per_session_lock_serialises_one_session(
    serve_home: str, make_app: Callable[..., FastAPI]
) -> None:
    calls: list[tuple[str, float, float]] = []
    agent = synthetic_agent(llm=_slow_llm(0.25, calls))
    app = make_app(agent=agent, threads=4, queue_size=10)

    async def burst(base: str) -> list[int]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            start = await client.post(
                "/v1/sessions",
                json={"message": "tagA0 drama", "user_id": "u3"},
                headers=bearer_header(ADMIN_KEY),
            )
            assert start.status_code == 200, start.text
            sid = start.json()["session_id"]
            same = [
                client.post(
                    f"/v1/sessions/{sid}/messages",
                    json={"message": f"tagA{k} comedy"},
                    headers=bearer_header(ADMIN_KEY),
                )
                for k in (1, 2)
            ]
            other = client.post(
                "/v1/sessions",
                json={"message": "tagB1 comedy", "user_id": "u4"},
                headers=bearer_header(ADMIN_KEY),
            )
            responses = await asyncio.gather(*same, other)
            return [r.status_code for r in responses]

    with serve_in_thread(app) as base:
        assert asyncio.run(burst(base)) == [200, 200, 200]
    spans: dict[str, tuple[float, float]] = {}
    for tag, start, end in calls:  # each turn makes one planner call (the reply falls back)
        lo, hi = spans.get(tag[:5], (start, end))
        spans[tag[:5]] = (min(lo, start), max(hi, end))
    a1, a2, b1 = spans["tagA1"], spans["tagA2"], spans["tagB1"]
    assert a1[1] <= a2[0] or a2[1] <= a1[0], "two turns of one session overlapped"
    overlaps_b = (b1[0] < a1[1] and a1[0] < b1[1]) or (b1[0] < a2[1] and a2[0] < b1[1])
    assert overlaps_b, "a different session should run alongside"


def test_full_queue_answers_429_with_retry_after(
    serve_home: str, make_app: Callable[..., FastAPI]
) -> None:
    agent = synthetic_agent(llm=_slow_llm(0.4, []))
    app = make_app(agent=agent, threads=1, queue_size=1, retry_after_s=3)

    async def flood(base: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            return await asyncio.gather(
                *(
                    client.post(
                        "/v1/sessions",
                        json={"message": f"tag{k} drama", "user_id": "u5"},
                        headers=bearer_header(ADMIN_KEY),
                    )
                    for k in range(5)
                )
            )

    with serve_in_thread(app) as base:
        responses = asyncio.run(flood(base))
        metrics = httpx.get(f"{base}/metrics", headers=bearer_header(ADMIN_KEY)).text
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 429, 429, 429]  # 1 running + 1 waiting admitted
    rejected = next(r for r in responses if r.status_code == 429)
    assert (
        rejected.headers["retry-after"] == "3" and rejected.json()["error"]["type"] == "overloaded"
    )
    assert 'status="429"' in metrics


def test_failing_llm_gives_a_degraded_turn(
    serve_home: str, make_app: Callable[..., FastAPI], agent: Agent
) -> None:
    llm = ScriptedLLM()
    llm.enqueue_error("endpoint down")
    llm.enqueue_error("endpoint down")
    failing = synthetic_agent(llm=llm)
    with TestClient(make_app(agent=failing)) as client:
        r = client.post(
            "/v1/sessions",
            # words the rules cannot read, so the turn needs the (failing) LLM
            json={"message": "horror please, with a twisty ending", "user_id": "u1"},
            headers=bearer_header(ADMIN_KEY),
        )
        body = r.json()
        assert r.status_code == 200 and body["degraded"] is True
        assert body["items"] and all("Horror" in c["labels"] for c in body["items"])
        assert any("endpoint down" in reason for reason in body["degraded_reasons"])
        metrics = client.get("/metrics", headers=bearer_header(ADMIN_KEY)).text
        assert "recpilot_degraded_turns_total 1" in metrics
