"""Load bench: REST ``POST /v1/recommend`` with the rules brain on loopback.

Starts uvicorn on 127.0.0.1 in a thread, runs C concurrent clients in a *separate process*
(so the load generator does not share the server's GIL) for a fixed number of requests
(bounded), prints requests/s and p50/p99 latency.

    .venv/bin/python bench/server_load.py [--clients 32] [--requests 3000] [--dataset NAME|synthetic]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import tempfile
import time

import httpx

from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import (
    ADMIN_KEY,
    bearer_header,
    serve_in_thread,
    synthetic_agent,
    test_keys,
)


async def _load(base: str, clients: int, total: int, users: int) -> list[float]:
    latencies: list[float] = []
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=limits, headers=bearer_header(ADMIN_KEY)
    ) as client:

        async def worker() -> None:
            for k in counter:
                started = time.perf_counter()
                r = await client.post("/v1/recommend", json={"n": 10, "user_id": f"u{k % users}"})
                latencies.append(time.perf_counter() - started)
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code}: {r.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies


def _client(base: str, clients: int, total: int, users: int, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    started = time.perf_counter()
    lat = asyncio.run(_load(base, clients, total, users))
    out.put((lat, time.perf_counter() - started))


def _run_client(base: str, clients: int, total: int, users: int) -> tuple[list[float], float]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_client, args=(base, clients, total, users, out))
    proc.start()
    lat, wall = out.get(timeout=600)
    proc.join(timeout=30)
    return lat, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument(
        "--dataset", default="synthetic", help="'synthetic' or a catalog name (e.g. movielens-100k)"
    )
    args = parser.parse_args()
    if args.dataset == "synthetic":
        os.environ.setdefault("RECPILOT_HOME", tempfile.mkdtemp(prefix="recpilot-bench-"))
        agent, users = synthetic_agent(items=1682, users=943, seed=3), 943
    else:
        from recpilot.agent.build import AgentOptions, build_agent

        agent = build_agent(AgentOptions(dataset=args.dataset))
        users = 943
    app = create_app(ServerSettings(api_keys=test_keys(), mcp_http=False), agent=agent)
    with serve_in_thread(app) as base:
        _run_client(base, args.clients, min(200, args.requests), users)  # warm-up
        lat, wall = _run_client(base, args.clients, args.requests, users)
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print(
        f"dataset={agent.catalog.name} clients={args.clients} requests={len(lat)} cores={os.cpu_count()}"
    )
    print("| req/s | p50 ms | p99 ms | mean ms |\n|---|---|---|---|")
    print(
        f"| {len(lat) / wall:.0f} | {p(0.50):.1f} | {p(0.99):.1f} | {statistics.mean(lat) * 1000:.1f} |"
    )


if __name__ == "__main__":
    main()
