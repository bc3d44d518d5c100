"""Load bench of the HTTP API with the rules brain on loopback, on the durable memory store.

Starts uvicorn on 127.0.0.1 in a thread over a memory store (a SQLite file in a temp data
home by default, or ``--db URL``, e.g. PostgreSQL), runs C concurrent clients in a
*separate process* (so the load generator does not share the server's GIL) for a fixed
number of requests (bounded), and prints requests/s and latency percentiles. Modes:

* ``recommend`` — ``POST /v1/recommend`` for catalog users (each answer is stored as a turn);
* ``turns``     — chat turns (``POST /v1/sessions`` then four follow-ups per session);
                  also prints the per-turn memory overhead (load, apply, retrieve, store:
                  ``trace.timings_ms.memory``) and the agent's own time;
* ``feedback``  — ``POST /v1/feedback`` (one committed write each): sustained writes/s.

    .venv/bin/python bench/server_load.py [--mode recommend] [--clients 32] [--requests 3000]
        [--db URL] [--dataset NAME|synthetic]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time
from typing import Any

import httpx

from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import (
    ADMIN_KEY,
    bearer_header,
    serve_in_thread,
    synthetic_agent,
    test_keys,
)

MESSAGES = (
    "recommend something",
    "no horror please",
    "funny ones from the 90s",
    "something like the first one",
    "3 dramas",
)
FOLLOW_UPS = 4  # turns after the first, per session


async def _load(base: str, mode: str, clients: int, total: int, users: int) -> dict[str, Any]:
    latencies: list[float] = []
    memory_ms: list[float] = []
    agent_ms: list[float] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, timeout=60, limits=limits, headers=bearer_header(ADMIN_KEY)
    ) as client:

        async def call(k: int, session: str | None) -> dict[str, Any]:
            user = f"u{k % users}"
            if mode == "recommend":
                path, body = "/v1/recommend", {"n": 10, "user_id": user}
            elif mode == "feedback":
                path, body = "/v1/feedback", {"item_id": f"i{k % 1000}", "kind": "like", "user_id": user}  # fmt: skip
            else:
                message = MESSAGES[k % len(MESSAGES)]
                path = f"/v1/sessions/{session}/messages" if session else "/v1/sessions"
                body = {"message": message} if session else {"message": message, "user_id": user}
            started = time.perf_counter()
            r = await client.post(path, json=body)
            latencies.append(time.perf_counter() - started)
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code}: {r.text[:200]}")
            data: dict[str, Any] = r.json()
            if mode == "turns":
                timings = data["trace"]["timings_ms"]
                memory_ms.append(timings["memory"])
                agent_ms.append(timings["total"])
            return data

        async def worker() -> None:
            session: str | None = None
            turns = 0  # follow-ups sent in the current session
            for k in counter:
                out = await call(k, session)
                if mode == "turns":
                    turns = 0 if session is None else turns + 1
                    session = None if turns >= FOLLOW_UPS else out["session_id"]

        await asyncio.gather(*(worker() for _ in range(clients)))
    return {"latencies": latencies, "memory_ms": memory_ms, "agent_ms": agent_ms}


def _client(
    base: str, mode: str, clients: int, total: int, users: int, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    started = time.perf_counter()
    result = asyncio.run(_load(base, mode, clients, total, users))
    out.put((result, time.perf_counter() - started))


def _run_client(
    base: str, mode: str, clients: int, total: int, users: int
) -> tuple[dict[str, Any], float]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_client, args=(base, mode, clients, total, users, out))
    proc.start()
    result, wall = out.get(timeout=900)
    proc.join(timeout=30)
    return result, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["recommend", "turns", "feedback"], default="recommend")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--db", default=None, help="memory store URL (default: temp SQLite)")
    parser.add_argument("--workers", type=int, default=2, help="server worker threads")
    parser.add_argument(
        "--dataset", default="synthetic", help="'synthetic' or a catalog name (e.g. movielens-100k)"
    )
    args = parser.parse_args()
    os.environ.setdefault("RECPILOT_HOME", tempfile.mkdtemp(prefix="recpilot-bench-"))
    if args.dataset == "synthetic":
        agent, users = synthetic_agent(items=1682, users=943, seed=3), 943
    else:
        from recpilot.agent.build import AgentOptions, build_agent

        agent = build_agent(AgentOptions(dataset=args.dataset))
        users = 943
    settings = ServerSettings(
        api_keys=test_keys(),
        mcp_http=False,
        memory_url=args.db,
        workers=args.workers,
        queue_size=max(32, args.clients),
        rate_limit_per_min=0,  # measuring throughput, not the per-key limit
    )
    app = create_app(settings, agent=agent)
    store = app.state.recpilot.store
    with serve_in_thread(app) as base:
        _run_client(base, args.mode, args.clients, min(200, args.requests), users)  # warm-up
        size0 = store.size_bytes()
        result, wall = _run_client(base, args.mode, args.clients, args.requests, users)
        size1 = store.size_bytes()
    lat = [x * 1000 for x in result["latencies"]]
    print(
        f"mode={args.mode} dataset={agent.catalog.name} store={store.dialect} "
        f"clients={args.clients} requests={len(lat)} workers={args.workers} cores={os.cpu_count()}"
    )
    print(
        "| req/s | p50 ms | p95 ms | p99 ms | mean ms | store growth |\n|---|---|---|---|---|---|"
    )
    print(
        f"| {len(lat) / wall:.0f} | {_pct(lat, 0.50):.1f} | {_pct(lat, 0.95):.1f} "
        f"| {_pct(lat, 0.99):.1f} | {statistics.mean(lat):.1f} "
        f"| {(size1 - size0) / 1e6:.1f} MB |"
    )
    if args.mode == "turns":
        mem, agent_ms = result["memory_ms"], result["agent_ms"]
        print("\n| per turn | p50 ms | p95 ms |\n|---|---|---|")
        print(f"| memory overhead | {_pct(mem, 0.5):.1f} | {_pct(mem, 0.95):.1f} |")
        print(f"| agent (rules) | {_pct(agent_ms, 0.5):.1f} | {_pct(agent_ms, 0.95):.1f} |")


if __name__ == "__main__":
    main()
