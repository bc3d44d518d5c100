"""The memory store over SQLite and a real PostgreSQL server: the shared contract suite
(:class:`recpilot.testing.contracts.MemoryStoreContract`) plus what is particular to each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.errors import ConfigError
from recpilot.memory.store import MemoryStore
from recpilot.testing.contracts import MemoryStoreContract


class TestSQLite(MemoryStoreContract):
    @pytest.fixture
    def store(self, home: Path) -> Iterator[MemoryStore]:
        with MemoryStore.open(f"sqlite:///{home / 'memory.sqlite3'}") as s:
            yield s


class TestPostgres(MemoryStoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[MemoryStore]:
        with MemoryStore.open(postgres_url) as s:
            yield s


def test_open_rejects_unknown_scheme() -> None:
    with pytest.raises(ConfigError, match="sqlite:///PATH"):
        MemoryStore.open("mysql://x")


def test_unreachable_postgres_says_why() -> None:
    with pytest.raises(ConfigError, match="cannot connect to the memory database"):
        MemoryStore.open("postgresql://nobody:secret@127.0.0.1:1/none")


def test_sqlite_is_wal_and_commits_to_disk(tmp_path: Path) -> None:
    with MemoryStore.open(f"sqlite:///{tmp_path}/m.sqlite3") as store:
        assert store._rows("PRAGMA journal_mode")[0][0] == "wal"
        assert store._rows("PRAGMA synchronous")[0][0] == 2  # FULL


def test_old_session_rows_upgrade_on_read(store: MemoryStore) -> None:
    """Sessions stored before exclusions were catalog-generic (and before limits)."""
    old = {"user_id": "u", "history": [], "excluded_genres": ["Horror"], "window": 0}
    with store.transaction():
        store._exec(
            "INSERT INTO sessions (session_id, user_id, state, created_at, updated_at)"
            " VALUES (?, ?, ?, 0, 0)",
            ("old", "u", json.dumps(old)),
        )
    loaded = store.load_session("old", "u")
    assert loaded is not None
    assert loaded.excluded == {"genres": ["Horror"]} and loaded.limits == {}


def test_a_lost_postgres_connection_is_opened_again(postgres_url: str) -> None:
    import psycopg

    with MemoryStore.open(postgres_url) as store:
        store.add_feedback("u", "i1", "like")
        pid = store._rows("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            store.feedback("u")  # this statement finds the connection gone
        store.add_feedback("u", "i2", "like")  # the next one reconnects
        assert [f.item_id for f in store.feedback("u")] == ["i1", "i2"]


def _write_turns(url: str, user: str, count: int) -> None:
    """One process's writes: each turn a transaction that reads, then writes (as the service's
    recommend and turn do)."""
    from recpilot.memory.records import SessionState
    from recpilot.testing.contracts import stored_turn

    with MemoryStore.open(url) as store:
        for k in range(count):
            with store.transaction():
                state = store.load_session(f"s-{user}", user) or SessionState(
                    session_id=f"s-{user}", user_id=user
                )
                store.record_turn(state.session_id, user, stored_turn(f"{user} {k}"))
                store.save_session(state)


def test_two_processes_write_one_sqlite_store_without_locking_errors(tmp_path: Path) -> None:
    # `serve --workers 2` over one SQLite file: a deferred transaction that read first failed
    # with "database is locked" as soon as the other process had written in between.
    import multiprocessing

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    MemoryStore.open(url).close()
    spawn = multiprocessing.get_context("spawn")
    workers = [spawn.Process(target=_write_turns, args=(url, u, 200)) for u in ("ann", "bob")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    with MemoryStore.open(url) as store:
        for user in ("ann", "bob"):
            state = store.load_session(f"s-{user}", user)
            assert state is not None
            assert store.turn_count(f"s-{user}", user) == 200
