"""Chat turns with the embedded LLM under concurrent sessions: queueing, errors, fair ordering.

Starts the HTTP API on loopback with an LLM brain, then S sessions (default 8) talk to it at
once through ``POST /v1/sessions`` and ``POST /v1/sessions/{id}/messages``, T turns each. The
sessions send their first message 50 ms apart, so the arrival order is known. Two phases:

* **queued** — capacity (turn threads + queue size) holds every session: all turns must answer 200;
  the bench prints each turn's latency split into queue wait and service time, and how often a
  later arrival finished its first turn before an earlier one (inversions; 0 is FIFO).
* **overload** — capacity below the number of sessions: the extra first turns must get 429 with
  ``Retry-After`` at once (not after waiting), and the admitted ones still answer 200.

    .venv/bin/python bench/chat_concurrency.py                      # 0.5B, 8 sessions, 2 turns
    .venv/bin/python bench/chat_concurrency.py --llm local --turns 1 --threads 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass

import httpx

from recpilot.agent.build import AgentOptions, build_agent
from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread, test_keys

FIRST = [
    "funny movies from the 90s",
    "3 scary movies from the 80s",
    "something like Fargo but funnier",
    "a sci-fi film from before 1980",
    "romantic comedies, nothing with Meg Ryan",
    "war movies from the 60s or 70s",
    "animated films for kids",
    "a thriller like The Silence of the Lambs",
]
FOLLOW_UP = ["more like the second one", "something older", "only dramas please"]


@dataclass(frozen=True)
class TurnResult:
    session: int
    turn: int
    status: int
    sent_s: float  # since the bench started
    latency_s: float
    service_s: float  # the turn's own time, from its trace (0 when it was refused)
    llm_calls: int
    degraded: bool
    retry_after: str | None


async def _session(
    client: httpx.AsyncClient, index: int, turns: int, user: str, t0: float
) -> list[TurnResult]:
    await asyncio.sleep(0.05 * index)
    results: list[TurnResult] = []
    session_id: str | None = None
    for turn in range(turns):
        text = FIRST[index % len(FIRST)] if turn == 0 else FOLLOW_UP[(turn - 1) % len(FOLLOW_UP)]
        path = "/v1/sessions" if session_id is None else f"/v1/sessions/{session_id}/messages"
        sent = time.perf_counter()
        response = await client.post(path, json={"message": text, "user_id": user})
        latency = time.perf_counter() - sent
        body = response.json() if response.status_code == 200 else {}
        trace = body.get("trace", {})
        results.append(
            TurnResult(
                session=index,
                turn=turn,
                status=response.status_code,
                sent_s=sent - t0,
                latency_s=latency,
                service_s=trace.get("timings_ms", {}).get("total", 0.0) / 1000,
                llm_calls=trace.get("llm_calls", 0),
                degraded=bool(body.get("degraded")),
                retry_after=response.headers.get("retry-after"),
            )
        )
        if response.status_code != 200:
            break
        session_id = body["session_id"]
    return results


async def _phase(base: str, sessions: int, turns: int) -> tuple[list[TurnResult], float]:
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=900, headers=bearer_header(ADMIN_KEY)) as c:
        per_session = await asyncio.gather(
            *(_session(c, i, turns, f"{i + 1}", t0) for i in range(sessions))
        )
    return [r for rs in per_session for r in rs], time.perf_counter() - t0


def _inversions(results: list[TurnResult]) -> int:
    """Pairs of first turns where the later arrival finished first."""
    first = sorted((r for r in results if r.turn == 0 and r.status == 200), key=lambda r: r.sent_s)
    done = [r.sent_s + r.latency_s for r in first]
    return sum(done[j] < done[i] for i in range(len(done)) for j in range(i + 1, len(done)))


def _ms(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0


def _report(name: str, results: list[TurnResult], wall: float, capacity: int) -> None:
    ok = [r for r in results if r.status == 200]
    refused = [r for r in results if r.status == 429]
    other = [r for r in results if r.status not in (200, 429)]
    waits = [max(0.0, r.latency_s - r.service_s) for r in ok]
    print(f"\n## {name}: capacity {capacity} (threads + queue), {wall:.1f} s wall")
    print(
        "| session | turn | status | sent s | latency s | wait s | service s | LLM calls | degraded |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in sorted(results, key=lambda r: (r.turn, r.sent_s)):
        wait = max(0.0, r.latency_s - r.service_s) if r.status == 200 else 0.0
        status = f"{r.status} (Retry-After {r.retry_after})" if r.status == 429 else str(r.status)
        print(
            f"| {r.session} | {r.turn + 1} | {status} | {r.sent_s:.2f} | {r.latency_s:.2f} | "
            f"{wait:.2f} | {r.service_s:.2f} | {r.llm_calls} | {r.degraded} |"
        )
    print(
        f"\nturns 200: {len(ok)}, 429: {len(refused)}, other errors: {len(other)}, "
        f"degraded: {sum(r.degraded for r in ok)}; "
        f"latency p50/p95/max {_ms([r.latency_s for r in ok], 0.5):.0f} / "
        f"{_ms([r.latency_s for r in ok], 0.95):.0f} / {_ms([r.latency_s for r in ok], 1.0):.0f} ms; "
        f"service p50 {_ms([r.service_s for r in ok], 0.5):.0f} ms; "
        f"wait mean {statistics.mean(waits) if waits else 0:.1f} s; "
        f"first-turn order inversions: {_inversions(results)}"
    )
    if refused:
        print(f"429 answered in at most {_ms([r.latency_s for r in refused], 1.0):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llm", default="local:qwen2.5-coder-0.5b", help="the agent's brain")
    parser.add_argument("--dataset", default="movielens-100k")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="turn threads (1 suits one LLM)")
    parser.add_argument(
        "--overload-capacity", type=int, default=5, help="capacity in the overload phase (0: skip)"
    )
    args = parser.parse_args()
    agent = build_agent(AgentOptions(dataset=args.dataset, llm=args.llm))
    print(
        f"llm={args.llm} dataset={args.dataset} sessions={args.sessions} turns={args.turns} "
        f"threads={args.threads} cores={os.cpu_count()}"
    )
    phases = [("warm-up (not a measurement: loads the model)", 2, 1, 1)]
    phases.append(("queued", args.sessions + 1, args.sessions, args.turns))
    if args.overload_capacity:
        phases.append(("overload", args.overload_capacity, args.sessions, 1))
    for name, capacity, sessions, turns in phases:
        settings = ServerSettings(
            api_keys=test_keys(),
            mcp_http=False,
            threads=args.threads,
            queue_size=max(0, capacity - args.threads),
            rate_limit_per_min=0,  # measuring the queue, not the per-key limit
        )
        app = create_app(settings, agent=agent)
        with serve_in_thread(app, timeout_s=120) as base:
            results, wall = asyncio.run(_phase(base, sessions, turns))
        _report(name, results, wall, capacity)


if __name__ == "__main__":
    main()
