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
