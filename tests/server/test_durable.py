"""The real ``recpilot serve`` process over a real store (SQLite file, PostgreSQL server):
what a server acknowledged survives a restart and a SIGKILL, keys change while it runs,
two servers share one PostgreSQL, and a store that cannot open stops the process."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
from processes import run_cli, serve

from recpilot.agent.agent import Agent
from recpilot.memory.store import MemoryStore
from recpilot.server.testing import ADMIN_KEY, bearer_header, free_port

ADMIN = bearer_header(ADMIN_KEY)


def _genres(agent: Agent, cards: list[dict[str, object]]) -> list[list[str]]:
    items = agent.catalog.get_items([str(c["item_id"]) for c in cards])
    return [list(i.attributes["genres"] or []) for i in items]  # type: ignore[arg-type]


def test_what_was_written_over_http_survives_a_restart(
    agent: Agent, serve_home: str, db_url: str, tmp_path: Path
) -> None:
    name, user = agent.catalog.name, "durable-1"
    first = serve(serve_home, db_url, name, tmp_path / "first.log")
    try:
        turn = httpx.post(
            f"{first.base}/v1/sessions",
            json={"message": "I can't stand horror", "user_id": user},
            headers=ADMIN,
            timeout=30,
        )
        assert turn.status_code == 200, turn.text
        sid = turn.json()["session_id"]
        fb = httpx.post(
            f"{first.base}/v1/feedback",
            json={"item_id": "i50", "kind": "like", "user_id": user, "session_id": sid},
            headers=ADMIN,
            timeout=30,
        )
        assert fb.status_code == 200, fb.text
    finally:
        first.stop()
    second = serve(serve_home, db_url, name, tmp_path / "second.log")
    try:
        exported = httpx.get(f"{second.base}/v1/users/{user}/export", headers=ADMIN).json()
        assert [(f["item_id"], f["kind"]) for f in exported["feedback"]] == [("i50", "like")]
        assert [s["session_id"] for s in exported["sessions"]] == [sid]
        assert [(p["kind"], p["attribute"], p["value"]) for p in exported["preferences"]] == [
            ("exclude", "genres", "Horror")
        ]
        view = httpx.get(f"{second.base}/v1/sessions/{sid}", headers=ADMIN).json()
        assert [t["message"] for t in view["turns"]] == ["I can't stand horror"]
        assert "i50" in view["liked"]
        more = httpx.post(
            f"{second.base}/v1/sessions/{sid}/messages",
            json={"message": "recommend 10 picks"},
            headers=ADMIN,
            timeout=30,
        )
        assert more.status_code == 200 and more.json()["session_id"] == sid
        assert more.json()["items"]
        assert all("Horror" not in g for g in _genres(agent, more.json()["items"]))
    finally:
        second.stop()


def test_nothing_acknowledged_is_lost_to_kill_9(
    agent: Agent, serve_home: str, db_url: str, tmp_path: Path
) -> None:
    """200 feedback writes from 4 clients; SIGKILL once half are acknowledged; every
    acknowledged write is in the store afterwards (read directly, and by a new server)."""
    name, user = agent.catalog.name, "crash-1"
    served = serve(serve_home, db_url, name, tmp_path / "killed.log")
    acked: list[int] = []
    lock = threading.Lock()
    half = threading.Event()

    def writer(start: int) -> None:
        with httpx.Client(base_url=served.base, headers=ADMIN, timeout=10) as client:
            for k in range(start, 200, 4):
                try:
                    r = client.post(
                        "/v1/feedback", json={"item_id": f"i{k}", "kind": "like", "user_id": user}
                    )
                except httpx.HTTPError:
                    return  # the server is gone
                if r.status_code == 200:
                    with lock:
                        acked.append(k)
                        if len(acked) >= 100:
                            half.set()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    assert half.wait(120), f"only {len(acked)} writes acknowledged"
    served.kill()
    for t in threads:
        t.join(30)
    assert 100 <= len(acked) < 200, "the kill should land during the writes"
    with MemoryStore.open(db_url) as store:
        stored = {f.item_id for f in store.feedback(user)}
    assert {f"i{k}" for k in acked} <= stored
    again = serve(serve_home, db_url, name, tmp_path / "after.log")
    try:
        exported = httpx.get(f"{again.base}/v1/users/{user}/export", headers=ADMIN).json()
        assert {f"i{k}" for k in acked} <= {f["item_id"] for f in exported["feedback"]}
    finally:
        again.stop()


def test_keys_change_while_the_server_runs(agent: Agent, serve_home: str, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    served = serve(serve_home, db, agent.catalog.name, tmp_path / "keys.log")
    try:
        made = run_cli(serve_home, "keys", "create", "--user", "keyed-1", "--db", db)
        assert made.returncode == 0, made.stderr
        key = made.stdout.strip()
        profile = f"{served.base}/v1/users/keyed-1/profile"
        assert httpx.get(profile, headers=bearer_header(key)).status_code == 200  # at once
        listed = run_cli(serve_home, "keys", "list", "--json", "--db", db)
        [row] = json.loads(listed.stdout)
        assert row["user_id"] == "keyed-1" and row["revoked_at"] is None
        revoked = run_cli(serve_home, "keys", "revoke", row["key_id"], "--db", db)
        assert revoked.returncode == 0, revoked.stderr
        started = time.monotonic()
        r = httpx.get(profile, headers=bearer_header(key))
        assert r.status_code == 401 and time.monotonic() - started < 1.0
        # The admin API does the same without the CLI.
        made2 = httpx.post(f"{served.base}/v1/keys", json={"user_id": "keyed-2"}, headers=ADMIN)
        assert made2.status_code == 200, made2.text
        key2, key2_id = made2.json()["key"], made2.json()["key_id"]
        mine = f"{served.base}/v1/users/keyed-2/profile"
        assert httpx.get(mine, headers=bearer_header(key2)).status_code == 200
        other = f"{served.base}/v1/users/keyed-1/profile"
        assert httpx.get(other, headers=bearer_header(key2)).status_code == 403
        gone = httpx.delete(f"{served.base}/v1/keys/{key2_id}", headers=ADMIN)
        assert gone.status_code == 200 and gone.json()["revoked_at"] is not None
        assert httpx.get(mine, headers=bearer_header(key2)).status_code == 401
        assert (
            httpx.post(
                f"{served.base}/v1/keys", json={"admin": True}, headers=bearer_header(key)
            ).status_code
            == 401
        )
    finally:
        served.stop()


def test_two_servers_share_one_postgres(
    agent: Agent, serve_home: str, postgres_url: str, tmp_path: Path
) -> None:
    name, user = agent.catalog.name, "roamer-1"
    one = serve(serve_home, postgres_url, name, tmp_path / "one.log")
    two = serve(serve_home, postgres_url, name, tmp_path / "two.log")
    try:
        start = httpx.post(
            f"{one.base}/v1/sessions",
            json={"message": "I can't stand horror", "user_id": user},
            headers=ADMIN,
            timeout=30,
        )
        sid = start.json()["session_id"]
        cont = httpx.post(
            f"{two.base}/v1/sessions/{sid}/messages",
            json={"message": "recommend 10 picks"},
            headers=ADMIN,
            timeout=30,
        )
        assert cont.status_code == 200, cont.text
        assert cont.json()["session_id"] == sid and cont.json()["items"]
        assert all("Horror" not in g for g in _genres(agent, cont.json()["items"]))
        view = httpx.get(f"{one.base}/v1/sessions/{sid}", headers=ADMIN).json()
        assert [t["message"] for t in view["turns"]] == [
            "I can't stand horror",
            "recommend 10 picks",
        ]
        # A key made on one server works on the other at once; revoked there, refused here.
        made = httpx.post(f"{one.base}/v1/keys", json={"user_id": user}, headers=ADMIN).json()
        mine = f"/v1/users/{user}/profile"
        assert httpx.get(two.base + mine, headers=bearer_header(made["key"])).status_code == 200
        httpx.delete(f"{two.base}/v1/keys/{made['key_id']}", headers=ADMIN)
        assert httpx.get(one.base + mine, headers=bearer_header(made["key"])).status_code == 401
    finally:
        one.stop()
        two.stop()


def test_serve_exits_when_the_store_cannot_open(agent: Agent, serve_home: str) -> None:
    out = run_cli(
        serve_home,
        "serve",
        "--port",
        str(free_port()),
        "--dataset",
        agent.catalog.name,
        "--db",
        "postgresql://nobody:secret@127.0.0.1:1/none",
    )
    assert out.returncode != 0
    assert "cannot connect to the memory database" in out.stderr
    assert "secret" not in out.stderr  # the password is not printed
