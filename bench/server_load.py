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

``--workers N`` measures the real ``recpilot serve --workers N`` process instead (N server
processes on one port; a named catalog, e.g. ``--dataset movielens-100k``), for several
client counts in one run: ``--clients 8,32,64``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import (
    ADMIN_KEY,
    bearer_header,
    free_port,
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
    deadline = time.monotonic() + 900
    while True:  # a client that fails (an HTTP error from the server) ends the run, loudly
        try:
            result, wall = out.get(timeout=1)
            break
        except queue.Empty:
            if not proc.is_alive() or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"load client failed (exit code {proc.exitcode})") from None
    proc.join(timeout=30)
    return result, wall


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def served_processes(dataset: str, db: str, workers: int, threads: int) -> Iterator[str]:
    """``recpilot serve --workers N`` as a real process; its base URL once every worker is
    ready (each answered /readyz)."""
    port = free_port()
    env = os.environ | {"RECPILOT_API_KEYS": f"{ADMIN_KEY}:*"}
    args = [sys.executable, "-m", "recpilot", "serve", "--port", str(port), "--dataset", dataset]
    args += ["--db", db, "--workers", str(workers), "--threads", str(threads)]
    args += ["--rate-limit", "0", "--queue-size", "256", "--embedder", "hashing"]
    log = open(os.path.join(tempfile.mkdtemp(prefix="recpilot-bench-"), "serve.log"), "wb")  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 300
        while len(seen) < workers:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"recpilot serve --workers {workers} did not become ready; log: {log.name}"
                )
            try:
                r = httpx.get(f"{base}/readyz", timeout=5)
                if r.status_code == 200:
                    seen.add(r.json()["worker"])
            except httpx.HTTPError:
                time.sleep(0.5)
        try:
            yield base
        except RuntimeError as exc:  # a failed load client: say where the server's log is
            raise RuntimeError(f"{exc}; server log: {log.name}") from exc
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def _row(lat_s: list[float], wall: float) -> str:
    lat = [x * 1000 for x in lat_s]
    return (
        f"| {len(lat) / wall:.0f} | {_pct(lat, 0.50):.1f} | {_pct(lat, 0.95):.1f} "
        f"| {_pct(lat, 0.99):.1f} | {statistics.mean(lat):.1f} |"
    )


def processes_main(args: argparse.Namespace) -> None:
    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='recpilot-bench-')}/memory.db"
    print(
        f"mode={args.mode} dataset={args.dataset} workers={args.workers} "
        f"threads={args.threads} cores={os.cpu_count()} store={db.split(':')[0]}"
    )
    print("| clients | req/s | p50 ms | p95 ms | p99 ms | mean ms |\n|---|---|---|---|---|---|")
    with served_processes(args.dataset, db, args.workers, args.threads) as base:
        for clients in (int(c) for c in str(args.clients).split(",")):
            _run_client(base, args.mode, clients, min(200, args.requests), 943)  # warm-up
            result, wall = _run_client(base, args.mode, clients, args.requests, 943)
            print(f"| {clients} {_row(result['latencies'], wall)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["recommend", "turns", "feedback"], default="recommend")
    parser.add_argument(
        "--clients", default="32", help="concurrent clients (8,32,64 with --workers)"
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--db", default=None, help="memory store URL (default: temp SQLite)")
    parser.add_argument("--threads", type=int, default=2, help="server turn threads")
    parser.add_argument(
        "--workers", type=int, default=0, help="measure 'recpilot serve --workers N' processes"
    )
    parser.add_argument(
        "--dataset", default="synthetic", help="'synthetic' or a catalog name (e.g. movielens-100k)"
    )
    args = parser.parse_args()
    if args.workers:
        os.environ.setdefault("RECPILOT_HOME", os.path.expanduser("~/.cache/recpilot"))
        processes_main(args)
        return
    args.clients = int(args.clients)
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
        threads=args.threads,
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
        f"clients={args.clients} requests={len(lat)} threads={args.threads} cores={os.cpu_count()}"
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
