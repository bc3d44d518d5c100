"""``recpilot serve --workers 2``: two real server processes on one port over one PostgreSQL.
Every request goes over a fresh connection, so the kernel hands it to either process; the
``X-Recpilot-Worker`` header says which one answered."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from processes import serve

from recpilot.agent.agent import Agent
from recpilot.memory.dialogue import MAX_TURNS
from recpilot.server.testing import ADMIN_KEY, bearer_header

ADMIN = bearer_header(ADMIN_KEY)
MAX_TRIES = 40  # both processes answer within 40 fresh connections unless one is not serving


def _wait_for_both(base: str) -> set[str]:
    """The worker pids seen ready, once two different ones have answered /readyz."""
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while len(seen) < 2 and time.monotonic() < deadline:
        r = httpx.get(f"{base}/readyz", timeout=10)
        if r.status_code == 200:
            seen.add(str(r.json()["worker"]))
            assert r.headers["x-recpilot-worker"] == str(r.json()["worker"])
    return seen


def test_a_session_continues_on_either_worker(
    agent: Agent, serve_home: str, postgres_url: str, tmp_path: Path
) -> None:
    served = serve(serve_home, postgres_url, agent.catalog.name, tmp_path / "w.log", workers=2)
    try:
        assert len(_wait_for_both(served.base)) == 2, served.log.read_text()[-2000:]
        start = httpx.post(
            f"{served.base}/v1/sessions",
            json={"message": "I can't stand horror", "user_id": "roamer-2"},
            headers=ADMIN,
            timeout=30,
        )
        assert start.status_code == 200, start.text
        sid = start.json()["session_id"]
        answered_by = [start.headers["x-recpilot-worker"]]
        sent = ["I can't stand horror"]
        while len(set(answered_by)) < 2 and len(sent) < MAX_TRIES:
            message = f"recommend {len(sent) % 5 + 3} more"
            r = httpx.post(
                f"{served.base}/v1/sessions/{sid}/messages",
                json={"message": message},
                headers=ADMIN,
                timeout=30,
            )
            assert r.status_code == 200, r.text
            answered_by.append(r.headers["x-recpilot-worker"])
            sent.append(message)
            # The exclusion stated on the first turn holds whichever process answers.
            items = agent.catalog.get_items([c["item_id"] for c in r.json()["items"]])
            assert items and all("Horror" not in (i.attributes["genres"] or []) for i in items)
        assert len(set(answered_by)) == 2, f"one process answered all {len(sent)} turns"
        view = httpx.get(f"{served.base}/v1/sessions/{sid}", headers=ADMIN, timeout=30).json()
        # Every turn is there, in order; past MAX_TURNS the oldest are folded into a summary.
        kept = [t["message"] for t in view["turns"]]
        assert len(kept) >= min(len(sent), MAX_TURNS) and kept == sent[-len(kept) :]
    finally:
        served.stop()
