"""Every LLM fault on every surface: recpilot pointed at ``recpilot.testing.faultserver``.

For each fault mode (and ``ok``, the control) and each surface — ``recpilot ask --json`` (a
process per turn), REST ``POST /v1/sessions``, the OpenAI-compatible endpoint with
``stream: true``, and the MCP tool ``recommend_for_user`` (both on one ``recpilot serve``
process) — it runs ``--repeat`` turns and counts a turn as *held* when it answered (exit 0
or HTTP 200, items, no traceback), was flagged degraded with a reason that names the fault
(``ok``: not degraded), and took less than the deadline plus ``--margin`` seconds (the turn's
own time for ``ask``; the request's for the others). MCP tools make no LLM call, so there a
turn holds when the tool answers and the fault server saw no request from it.

    .venv/bin/python bench/faults.py --deadline 3 --repeat 2 > /tmp/faults.md

Prints a markdown table (fault × surface: held/runs, and the slowest answer in seconds).
Needs nothing but this checkout: the catalog is a small synthetic one in a temporary home.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.server.testing import ADMIN_KEY, bearer_header, free_port, synthetic_agent
from recpilot.testing.faultserver import MODES, SIGNS, Spawned, spawn

DATASET = "fault-synth"
MESSAGE = "something for a rainy afternoon with my grandmother"  # the rules cannot read it all
SURFACES = ("ask", "rest", "openai-stream", "mcp")
HEADERS = bearer_header(ADMIN_KEY)


@dataclass
class Outcome:
    held: bool
    seconds: float
    why: str = ""


@dataclass
class Cell:
    outcomes: list[Outcome] = field(default_factory=list)

    def text(self) -> str:
        held = sum(o.held for o in self.outcomes)
        worst = max((o.seconds for o in self.outcomes), default=0.0)
        return f"{held}/{len(self.outcomes)} ({worst:.1f} s)"


def environment(home: str, base_url: str) -> dict[str, str]:
    env = {**os.environ, "RECPILOT_HOME": home, "HF_HUB_OFFLINE": "1"}
    for var in ("RECPILOT_DATABASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        env.pop(var, None)
    # A high breaker threshold: each turn meets the fault itself, not an open circuit.
    return env | {
        "RECPILOT_LLM_BASE_URL": base_url,
        "RECPILOT_LLM_BREAKER_FAILURES": "1000",
        "RECPILOT_API_KEYS": f"{ADMIN_KEY}:*",
    }


@contextmanager
def served(home: str, base_url: str, deadline: float, log: Path) -> Iterator[str]:
    """``recpilot serve --llm openai:m`` against ``base_url``; yields its URL."""
    port = free_port()
    args = ["serve", "--port", str(port), "--dataset", DATASET, "--embedder", "hashing"]
    args += ["--llm", "openai:m", "--deadline", str(deadline), "--db", f"sqlite:///{log}.db"]
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "recpilot", *args],
            env=environment(home, base_url),
            stdout=handle,
            stderr=handle,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        until = time.monotonic() + 180
        while not _ready(base):
            if proc.poll() is not None or time.monotonic() > until:
                raise RuntimeError(f"recpilot serve did not start: {log.read_text()[-1500:]}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(30)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def judge(mode: str, answered: bool, degraded: bool, reasons: list[str], items: int) -> str:
    """Why a turn did not hold ("" when it held)."""
    if not answered:
        return "no answer"
    if not items:
        return "no items"
    if mode == "ok":
        return "degraded" if degraded else ""
    if not degraded:
        return "not flagged degraded"
    if not re.search(SIGNS[mode], " ".join(reasons)):
        return f"reason does not name the fault: {reasons}"
    return ""


def run_ask(home: str, base_url: str, mode: str, deadline: float) -> Outcome:
    cmd = [sys.executable, "-m", "recpilot", "ask", MESSAGE, "--json", "--llm", "openai:m"]
    cmd += ["--dataset", DATASET, "--demos", "none", "--deadline", str(deadline)]
    proc = subprocess.run(
        cmd, env=environment(home, base_url), capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0 or "Traceback" in proc.stderr:
        return Outcome(False, 0.0, f"exit {proc.returncode}: {proc.stderr[-300:]}")
    out = json.loads(proc.stdout)
    why = judge(mode, True, out["degraded"], out["degraded_reasons"], len(out["items"]))
    return Outcome(not why, out["timings_ms"]["total"] / 1000.0, why)


def run_rest(base: str, mode: str) -> Outcome:
    started = time.perf_counter()
    body = {"message": MESSAGE, "user_id": "u1"}
    resp = httpx.post(f"{base}/v1/sessions", json=body, headers=HEADERS, timeout=300)
    seconds = time.perf_counter() - started
    if resp.status_code != 200:
        return Outcome(False, seconds, f"HTTP {resp.status_code}")
    out = resp.json()
    why = judge(mode, True, out["degraded"], out["degraded_reasons"], len(out["items"]))
    return Outcome(not why, seconds, why)


def run_openai(base: str, mode: str) -> Outcome:
    started = time.perf_counter()
    body = {
        "model": "recpilot",
        "user_id": "u1",
        "stream": True,
        "messages": [{"role": "user", "content": MESSAGE}],
    }
    resp = httpx.post(f"{base}/v1/chat/completions", json=body, headers=HEADERS, timeout=300)
    seconds = time.perf_counter() - started
    events = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
    if resp.status_code != 200 or len(events) < 2 or events[-1] != "[DONE]":
        return Outcome(False, seconds, f"HTTP {resp.status_code}, stream {events[-1:]}")
    ext = json.loads(events[-2])["choices"][0]["recpilot"]
    why = judge(mode, True, ext["degraded"], ext["degraded_reasons"], len(ext["items"]))
    return Outcome(not why, seconds, why)


def run_mcp(base: str, count: Callable[[], int] | None) -> Outcome:
    before = count() if count else 0

    async def call() -> Any:
        async with (
            httpx2.AsyncClient(headers=HEADERS, timeout=300) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            return await client.call_tool("recommend_for_user", {"user_id": "u1", "n": 5})

    started = time.perf_counter()
    result = asyncio.run(call())
    seconds = time.perf_counter() - started
    if result.is_error or not result.structured_content.get("items"):
        return Outcome(False, seconds, f"tool error: {result.content}")
    if count and count() != before:
        return Outcome(False, seconds, "the tool called the LLM")
    return Outcome(True, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadline", type=float, default=3.0, help="the turn's LLM deadline")
    parser.add_argument("--repeat", type=int, default=1, help="turns per fault and surface")
    parser.add_argument("--margin", type=float, default=10.0, help="seconds over the deadline")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated fault modes")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    home = tempfile.mkdtemp(prefix="recpilot-faults-")
    os.environ["RECPILOT_HOME"] = home
    synthetic_agent(DATASET)  # the catalog and its models, built once
    cells = {(m, s): Cell() for m in modes for s in SURFACES}
    logs = Path(home)
    with (
        spawn("ok", interval_s=0.5) as fault,
        spawn("refuse") as refusing,
        served(home, fault.base_url, args.deadline, logs / "serve.log") as base,
        served(home, refusing.base_url, args.deadline, logs / "serve-refuse.log") as dead,
    ):
        for mode in modes:
            target: Spawned = refusing if mode == "refuse" else fault
            if target is fault:
                fault.set_mode(mode)
            url = dead if mode == "refuse" else base
            count = None if mode == "refuse" else fault.requests
            for _ in range(args.repeat):
                for surface in SURFACES:
                    if surface == "ask":
                        outcome = run_ask(home, target.base_url, mode, args.deadline)
                    elif surface == "rest":
                        outcome = run_rest(url, mode)
                    elif surface == "openai-stream":
                        outcome = run_openai(url, mode)
                    else:
                        outcome = run_mcp(url, count)
                    if outcome.held and outcome.seconds > args.deadline + args.margin:
                        outcome = Outcome(False, outcome.seconds, "past the deadline + margin")
                    cells[(mode, surface)].outcomes.append(outcome)
                    if not outcome.held:
                        print(f"# {mode} × {surface}: {outcome.why}", file=sys.stderr)
        for log in ("serve.log", "serve-refuse.log"):
            if "Traceback" in (logs / log).read_text():
                print(f"# a traceback in {log}", file=sys.stderr)
    print(f"LLM deadline {args.deadline:g} s, {args.repeat} turn(s) per cell: held/runs (slowest)")
    print()
    print("| fault | " + " | ".join(SURFACES) + " |")
    print("|---" * (len(SURFACES) + 1) + "|")
    for mode in modes:
        print(f"| {mode} | " + " | ".join(cells[(mode, s)].text() for s in SURFACES) + " |")
    total = [o for c in cells.values() for o in c.outcomes]
    print()
    print(f"held {sum(o.held for o in total)} of {len(total)}")


if __name__ == "__main__":
    main()
