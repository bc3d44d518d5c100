"""The ``store`` kind of the kill harness: ``recpilot serve`` killed while it takes writes.

Each round starts the real server on the rig's memory store, lets a few HTTP clients send
chat turns (a search, then a stated preference: "I can't stand <category>") and feedback
(like / dislike), SIGKILLs the server at a random moment, and then opens the store the way a
restarted server does. Every write whose HTTP response had arrived before the kill — the
turn, the preference in the profile, the feedback event — must be there; SQLite must also
pass ``PRAGMA integrity_check``. Each round uses fresh user ids, so what it finds was
written by that round.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from recpilot.memory.store import MemoryStore

from .crash import CATALOG, Kill, KindReport

if TYPE_CHECKING:
    from .crash import CrashRig

ADMIN_KEY = "rp_crash_harness_admin_0123456789"
CLIENTS = 3
KILL_WINDOW_S = 2.5  # the kill lands in this many seconds after the server is ready
READY_TIMEOUT_S = 240.0
CATEGORIES = ("Poetry", "Horror", "Romance", "Travel", "Cooking", "Fantasy", "Mystery", "History")
LANGUAGES = ("French", "Spanish", "English", "German")


@dataclass
class Acks:
    """What the server acknowledged (a 200 response arrived) in one round."""

    turns: list[tuple[str, str]] = field(default_factory=list)  # (user, turn_id)
    preferences: list[tuple[str, str]] = field(default_factory=list)  # (user, category)
    feedback: list[tuple[str, str, str]] = field(default_factory=list)  # (user, item, kind)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(base: str, user: str, items: list[str], acks: Acks, stop: threading.Event) -> None:
    """Turns and feedback for ``user`` until the server goes away or ``stop`` is set."""
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    step, session = 0, ""
    with httpx.Client(base_url=base, headers=headers, timeout=60.0) as http:
        while not stop.is_set():
            kind = step % 3
            category = CATEGORIES[(step // 3) % len(CATEGORIES)]
            item = items[(step * 7 + len(user)) % len(items)]
            with acks.lock:
                acks.in_flight += 1
            try:
                if kind == 0:
                    language = LANGUAGES[(step // 3) % len(LANGUAGES)]
                    body = {"message": f"books in {language}", "user_id": user}
                    reply = http.post("/v1/sessions", json=body)
                elif kind == 1:
                    message = {"message": f"I can't stand {category}"}
                    reply = http.post(f"/v1/sessions/{session}/messages", json=message)
                else:
                    feedback = "like" if step % 2 else "dislike"
                    body = {"item_id": item, "kind": feedback, "user_id": user}
                    reply = http.post("/v1/feedback", json=body)
            except httpx.HTTPError:
                return  # the server was killed
            finally:
                with acks.lock:
                    acks.in_flight -= 1
            if reply.status_code != 200:
                return
            data = reply.json()
            with acks.lock:
                if kind == 0:
                    session = data["session_id"]
                    acks.turns.append((user, data["turn_id"]))
                elif kind == 1:
                    acks.turns.append((user, data["turn_id"]))
                    acks.preferences.append((user, category))
                else:
                    acks.feedback.append((user, item, feedback))
            step += 1


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> str | None:
    deadline = time.perf_counter() + READY_TIMEOUT_S
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            return f"serve exited {proc.returncode} before it was ready"
        try:
            if httpx.get(f"{base}/readyz", timeout=2.0).json().get("status") == "ready":
                return None
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.1)
    return f"serve not ready after {READY_TIMEOUT_S:.0f} s"


def _check(url: str, acks: Acks) -> str | None:
    """Every acknowledged write is in the store (opened afresh, as after a restart)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as con:
            verdict = con.execute("PRAGMA integrity_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            return f"SQLite integrity_check: {verdict}"
    with MemoryStore.open(url) as store:
        users = {u for u, _ in acks.turns} | {u for u, _, _ in acks.feedback}
        turns = {
            u: {row["turn_id"] for row in store.export_user(u).get("turns", [])} for u in users
        }
        lost = [t for u, t in acks.turns if t not in turns[u]]
        if lost:
            return f"{len(lost)} of {len(acks.turns)} acknowledged turns lost"
        for user, category in acks.preferences:
            held = {e.value for e in store.profile(user).expectations if e.attribute == "category"}
            if category not in held:
                return f"acknowledged preference 'no {category}' of {user} lost"
        for user, item, kind in acks.feedback:
            events = {(e.item_id, e.kind) for e in store.feedback(user)}
            if (item, kind) not in events:
                return f"acknowledged {kind} of {item} by {user} lost"
    return None


def _round(rig: CrashRig, index: int, items: list[str]) -> Kill:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = rig.env() | {"RECPILOT_API_KEYS": f"{ADMIN_KEY}:*"}
    command = [
        *(sys.executable, "-m", "recpilot", "serve", "--dataset", CATALOG, "--port", str(port)),
        *("--embedder", "hashing", "--db", rig.store_url),
    ]
    rig.logs.mkdir(parents=True, exist_ok=True)
    acks, stop = Acks(), threading.Event()
    threads: list[threading.Thread] = []
    with (rig.logs / f"store-{index}.log").open("wb") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        try:
            problem = _wait_ready(base, proc)
            if problem is not None:
                return Kill("store", index, 0.0, False, problem)
            users = [f"r{index}-c{c}" for c in range(CLIENTS)]
            for user in users:
                thread = threading.Thread(
                    target=_client, args=(base, user, items, acks, stop), daemon=True
                )
                thread.start()
                threads.append(thread)
            started = time.perf_counter()
            time.sleep(rig.rng.uniform(0.0, KILL_WINDOW_S))
            with acks.lock:
                mid = acks.in_flight > 0
            os.kill(proc.pid, signal.SIGKILL)
            after = time.perf_counter() - started
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            stop.set()
    for thread in threads:
        thread.join(timeout=70)
    checked = len(acks.turns) + len(acks.preferences) + len(acks.feedback)
    return Kill("store", index, after, mid, _check(rig.store_url, acks), checked)


def store_kills(rig: CrashRig, kills: int) -> KindReport:
    """``kills`` rounds of serve-and-kill on the rig's store (SQLite keeps no temporary
    files of its own beyond its ``-wal``/``-shm``, so ``leftovers`` stays 0)."""
    from recpilot.catalog.store import Catalog

    with Catalog.open(rig.catalog_path) as catalog:
        items = catalog.item_ids()[:200]
    report = KindReport("store")
    for index in range(kills):
        report.kills.append(_round(rig, index, items))
    return report
