"""Durable memory: sessions, messages, turn records, feedback, profiles, the memory index
and API keys.

One code path over two databases: SQLite (WAL, the embedded default at
``data_home()/memory.sqlite3``) and PostgreSQL (when ``RECPILOT_DATABASE_URL`` is a
``postgresql://`` URL; psycopg 3). Every write runs in a transaction; :meth:`transaction`
nests, so a caller can make a whole turn (session, turn record, profile, memories) one
commit — a crash mid-turn loses at most that turn. A method returns after its commit: what
the caller acknowledges is on disk.

Isolation: every read that returns user data filters on ``user_id``; a session is only
returned to the user who owns it (:meth:`MemoryStore.load_session`).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np

from recpilot.config import data_home
from recpilot.errors import ConfigError
from recpilot.memory.profile import UserProfile
from recpilot.memory.records import (
    ApiKeyRow,
    FeedbackEvent,
    MemoryEntry,
    PlanOutcomeRow,
    SessionState,
    StoredTurn,
)
from recpilot.memory.schema import (
    SCHEMA_VERSION,
    SECRET_COLUMNS,
    TABLES,
    USER_TABLES,
    Dialect,
    ddl,
    placeholders,
)

log = logging.getLogger(__name__)

ENV_DATABASE_URL = "RECPILOT_DATABASE_URL"
FeedbackKind = Literal["like", "dislike", "consumed", "not_interested"]
FEEDBACK_KINDS: tuple[str, ...] = ("like", "dislike", "consumed", "not_interested")
MAX_TURNS_LOADED = 20  # turns of a session read back with it (all stay in the turns table)

__all__ = [
    "FEEDBACK_KINDS",
    "ApiKeyRow",
    "FeedbackEvent",
    "FeedbackKind",
    "MemoryEntry",
    "MemoryStore",
    "PlanOutcomeRow",
    "SessionState",
    "StoredTurn",
    "default_url",
]


def _new_id() -> str:
    return uuid.uuid4().hex


def default_url() -> str:
    """``$RECPILOT_DATABASE_URL``, else the SQLite file under the data home."""
    return os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{data_home() / 'memory.sqlite3'}"


class MemoryStore:
    """The memory database. Thread-safe (one connection behind a lock); close when done."""

    def __init__(self, con: Any, dialect: Dialect, url: str) -> None:
        self._con = con
        self.dialect: Dialect = dialect
        self.url = url
        self._lock = threading.RLock()
        self._depth = 0
        with self.transaction():
            for statement in ddl(dialect):
                self._exec(statement)
            self._exec(
                "INSERT INTO memory_meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str | None = None) -> MemoryStore:
        """Open (creating the tables) ``url``: ``sqlite:///path``, ``postgresql://...`` or
        None for :func:`default_url`."""
        url = url or default_url()
        if url.startswith(("postgresql://", "postgres://")):
            try:
                import psycopg
            except ImportError as exc:  # pragma: no cover - a declared dependency
                raise ConfigError(
                    "PostgreSQL memory needs psycopg 3; pip install 'psycopg[binary]'"
                ) from exc
            try:
                con = psycopg.connect(url, autocommit=True)
            except psycopg.OperationalError as exc:
                raise ConfigError(
                    f"cannot connect to the memory database {_redact(url)}: {exc}; check "
                    f"{ENV_DATABASE_URL} or unset it to use the SQLite default"
                ) from exc
            return cls(con, "postgres", url)
        if url.startswith("sqlite:///"):
            path = Path(url[len("sqlite:///") :])
        elif url.startswith("sqlite://"):
            path = Path(url[len("sqlite://") :])
        else:
            raise ConfigError(
                f"unsupported memory database URL {_redact(url)!r}; use sqlite:///PATH or "
                "postgresql://USER@HOST:PORT/DB"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        lite = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        lite.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before it is acknowledged (NORMAL survives a killed
        # process but may lose the last commits on power loss).
        lite.execute("PRAGMA synchronous=FULL")
        lite.execute("PRAGMA busy_timeout=5000")
        return cls(lite, "sqlite", url)

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; nested calls join the outer one."""
        with self._lock:
            if not self._depth:
                self._reconnect_if_broken()
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            # SQLite: take the write lock up front. A deferred transaction that reads, then
            # writes, fails at once with "database is locked" when another process wrote in
            # between (busy_timeout does not wait on that upgrade); IMMEDIATE waits instead.
            self._exec("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._exec("ROLLBACK")
                raise
            self._depth = 0
            self._exec("COMMIT")

    def _exec(self, sql: str, params: Sequence[object] = ()) -> Any:
        cur = self._con.cursor()
        cur.execute(placeholders(sql, self.dialect), tuple(params))
        return cur

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if not self._depth:
                self._reconnect_if_broken()
            return [tuple(r) for r in self._exec(sql, params).fetchall()]

    def _reconnect_if_broken(self) -> None:
        """A PostgreSQL connection lost (server restart, network) is opened again before
        the next statement; the statement that found it broken has failed already."""
        if self.dialect != "postgres" or not getattr(self._con, "broken", False):
            return
        import psycopg

        log.warning("memory database connection lost; reconnecting to %s", _redact(self.url))
        try:
            self._con = psycopg.connect(self.url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ConfigError(
                f"cannot reconnect to the memory database {_redact(self.url)}: {exc}"
            ) from exc

    def _touch_user(self, user_id: str | None) -> None:
        if user_id is not None:
            self._exec(
                "INSERT INTO users (user_id, created_at) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                (user_id, time.time()),
            )

    # ------------------------------------------------------------------ sessions
    def save_session(self, state: SessionState) -> None:
        """Write the session's state (not its turns: :meth:`record_turn` stores those)."""
        data = state.model_dump(mode="json", exclude={"turns", "session_id"})
        data["window"] = len(state.turns)
        now = time.time()
        with self.transaction():
            found, owner = self.session_owner(state.session_id)
            if found and owner != state.user_id:
                raise ConfigError(
                    f"session {state.session_id!r} belongs to another user; start a new session"
                )
            self._touch_user(state.user_id)
            self._exec(
                "INSERT INTO sessions (session_id, user_id, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET"
                " state = excluded.state, updated_at = excluded.updated_at",
                (state.session_id, state.user_id, json.dumps(data), now, now),
            )

    def load_session(self, session_id: str, user_id: str | None) -> SessionState | None:
        """The session, or None when it does not exist or belongs to another user."""
        rows = self._rows("SELECT user_id, state FROM sessions WHERE session_id = ?", (session_id,))
        if not rows or rows[0][0] != user_id:
            return None
        data = json.loads(rows[0][1])
        window = min(int(data.pop("window", MAX_TURNS_LOADED)), MAX_TURNS_LOADED)
        records = self._rows(
            "SELECT record FROM turns WHERE session_id = ? AND user_id IS NOT DISTINCT FROM ?"
            " ORDER BY seq DESC LIMIT ?",
            (session_id, user_id, window),
        )
        turns = [_stored_turn(json.loads(r[0])) for r in reversed(records)]
        data["excluded"] = _exclusions(data)
        data.pop("excluded_genres", None)
        return SessionState.model_validate(
            {**data, "session_id": session_id, "user_id": user_id, "turns": turns}
        )

    def session_owner(self, session_id: str) -> tuple[bool, str | None]:
        """(whether the session exists, the user it belongs to: None for anonymous)."""
        rows = self._rows("SELECT user_id FROM sessions WHERE session_id = ?", (session_id,))
        return (True, rows[0][0]) if rows else (False, None)

    def session_exists(self, session_id: str) -> bool:
        """Whether any user holds this session id (says nothing about whose it is)."""
        return self.session_owner(session_id)[0]

    def sessions(self, user_id: str) -> list[str]:
        """The user's session ids, newest first."""
        rows = self._rows(
            "SELECT session_id FROM sessions WHERE user_id = ? ORDER BY updated_at DESC",
            (user_id,),
        )
        return [r[0] for r in rows]

    def record_turn(self, session_id: str, user_id: str | None, turn: StoredTurn) -> str:
        """Store a turn (its record and its two messages); returns the turn id."""
        turn_id = _new_id()
        now = time.time()
        record = {**turn.record, "message": turn.message, "reply": turn.reply}
        with self.transaction():
            found, owner = self.session_owner(session_id)
            if found and owner != user_id:
                raise ConfigError(f"session {session_id!r} belongs to another user")
            self._touch_user(user_id)
            seq = self._rows(
                "SELECT COALESCE(MAX(seq), 0) FROM turns WHERE session_id = ?", (session_id,)
            )[0][0]
            self._exec(
                "INSERT INTO turns (turn_id, session_id, user_id, seq, record, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (turn_id, session_id, user_id, int(seq) + 1, json.dumps(record), now),
            )
            for role, content in (("user", turn.message), ("assistant", turn.reply)):
                self._exec(
                    "INSERT INTO messages (message_id, session_id, user_id, turn_id, role,"
                    " content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (_new_id(), session_id, user_id, turn_id, role, content, now),
                )
        return turn_id

    def turn_count(self, session_id: str, user_id: str | None) -> int:
        return int(
            self._rows(
                "SELECT COUNT(*) FROM turns WHERE session_id = ?"
                " AND user_id IS NOT DISTINCT FROM ?",
                (session_id, user_id),
            )[0][0]
        )

    # ------------------------------------------------------------------ feedback
    def add_feedback(
        self,
        user_id: str,
        item_id: str,
        kind: FeedbackKind,
        session_id: str | None = None,
    ) -> None:
        if kind not in FEEDBACK_KINDS:
            raise ConfigError(f"unknown feedback kind {kind!r}; valid: {', '.join(FEEDBACK_KINDS)}")
        with self.transaction():
            self._touch_user(user_id)
            self._exec(
                "INSERT INTO feedback (feedback_id, user_id, item_id, kind, session_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (_new_id(), user_id, item_id, kind, session_id, time.time()),
            )

    def feedback(self, user_id: str) -> list[FeedbackEvent]:
        rows = self._rows(
            "SELECT user_id, item_id, kind, session_id, created_at FROM feedback"
            " WHERE user_id = ? ORDER BY created_at, feedback_id",
            (user_id,),
        )
        return [
            FeedbackEvent(user_id=r[0], item_id=r[1], kind=r[2], session_id=r[3], created_at=r[4])
            for r in rows
        ]

    # ------------------------------------------------------------------ profiles
    def profile(self, user_id: str) -> UserProfile:
        """The stored profile, or an empty one for a user never seen."""
        rows = self._rows("SELECT data FROM profiles WHERE user_id = ?", (user_id,))
        if not rows:
            return UserProfile(user_id=user_id)
        return UserProfile.model_validate_json(rows[0][0])

    def has_profile(self, user_id: str) -> bool:
        return bool(self._rows("SELECT 1 FROM profiles WHERE user_id = ?", (user_id,)))

    def save_profile(self, profile: UserProfile) -> None:
        now = time.time()
        with self.transaction():
            self._touch_user(profile.user_id)
            self._exec(
                "INSERT INTO profiles (user_id, data, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data,"
                " updated_at = excluded.updated_at",
                (profile.user_id, profile.model_dump_json(), now),
            )

    # ------------------------------------------------------------------ memory index
    def add_memory(
        self,
        user_id: str | None,
        session_id: str | None,
        kind: str,
        text: str,
        vector: np.ndarray,
    ) -> str:
        memory_id = _new_id()
        blob = np.asarray(vector, dtype=np.float32).tobytes()
        with self.transaction():
            self._touch_user(user_id)
            self._exec(
                "INSERT INTO memory_index (memory_id, user_id, session_id, kind, text, vector,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (memory_id, user_id, session_id, kind, text, blob, time.time()),
            )
        return memory_id

    def memories(self, user_id: str | None, session_id: str | None = None) -> list[MemoryEntry]:
        """The user's memories (for an anonymous user: only those of ``session_id``)."""
        if user_id is None:
            if session_id is None:
                return []
            where, params = "user_id IS NULL AND session_id = ?", (session_id,)
        else:
            where, params = "user_id = ?", (user_id,)
        rows = self._rows(
            "SELECT memory_id, user_id, session_id, kind, text, vector, created_at"
            f" FROM memory_index WHERE {where} ORDER BY created_at, memory_id",
            params,
        )
        return [
            MemoryEntry(
                memory_id=r[0],
                user_id=r[1],
                session_id=r[2],
                kind=r[3],
                text=r[4],
                vector=np.frombuffer(bytes(r[5]), dtype=np.float32).tolist(),
                created_at=r[6],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ reflection
    def record_outcome(self, row: PlanOutcomeRow) -> None:
        with self.transaction():
            self._exec(
                "INSERT INTO plan_outcomes (turn_id, session_id, user_id, request, plan, shape,"
                " brain, items, outcome, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (turn_id) DO UPDATE SET outcome = excluded.outcome",
                (
                    row.turn_id,
                    row.session_id,
                    row.user_id,
                    row.request,
                    json.dumps(row.plan),
                    row.shape,
                    row.brain,
                    json.dumps(row.items),
                    row.outcome,
                    row.created_at,
                ),
            )

    def set_outcome(self, turn_id: str, outcome: str) -> None:
        with self.transaction():
            self._exec("UPDATE plan_outcomes SET outcome = ? WHERE turn_id = ?", (outcome, turn_id))

    def outcomes(
        self, user_id: str | None = None, session_id: str | None = None
    ) -> list[PlanOutcomeRow]:
        """Plan outcomes, oldest first: all users' (for the reflection report, which shows
        no user data), or one user's, or one session's."""
        clauses, params = [], []
        if user_id is not None:
            clauses.append("user_id = ?")
            params.append(user_id)
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        rows = self._rows(
            "SELECT turn_id, session_id, user_id, request, plan, shape, brain, items, outcome,"
            f" created_at FROM plan_outcomes{where} ORDER BY created_at, turn_id",
            params,
        )
        return [
            PlanOutcomeRow(
                turn_id=r[0],
                session_id=r[1],
                user_id=r[2],
                request=r[3],
                plan=json.loads(r[4]),
                shape=r[5],
                brain=r[6],
                items=json.loads(r[7]),
                outcome=r[8],
                created_at=r[9],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ API keys
    def add_key(self, row: ApiKeyRow) -> None:
        with self.transaction():
            self._touch_user(row.user_id)
            self._exec(
                "INSERT INTO api_keys (key_id, sha256, user_id, admin, created_at, revoked_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (
                    row.key_id,
                    row.sha256,
                    row.user_id,
                    int(row.admin),
                    row.created_at,
                    row.revoked_at,
                ),
            )

    def key_by_digest(self, sha256: str) -> ApiKeyRow | None:
        """The active key with this SHA-256, or None (unknown or revoked)."""
        rows = self._rows(
            "SELECT key_id, sha256, user_id, admin, created_at, revoked_at FROM api_keys"
            " WHERE sha256 = ? AND revoked_at IS NULL",
            (sha256,),
        )
        return _key_row(rows[0]) if rows else None

    def api_keys(self, user_id: str | None = None) -> list[ApiKeyRow]:
        """Every key (or one user's), revoked ones included, oldest first."""
        where, params = ("WHERE user_id = ?", (user_id,)) if user_id is not None else ("", ())
        rows = self._rows(
            "SELECT key_id, sha256, user_id, admin, created_at, revoked_at FROM api_keys"
            f" {where} ORDER BY created_at, key_id",
            params,
        )
        return [_key_row(r) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        """Revoke a key at once; False when there is no such active key."""
        with self.transaction():
            cur = self._exec(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (time.time(), key_id),
            )
            return int(cur.rowcount) > 0

    # ------------------------------------------------------------------ privacy
    def export_user(self, user_id: str) -> dict[str, Any]:
        """Every stored fact about the user, table by table, as JSON-ready rows."""
        out: dict[str, Any] = {"user_id": user_id, "schema_version": SCHEMA_VERSION}
        with self._lock:
            for table in USER_TABLES:
                cur = self._exec(f"SELECT * FROM {table} WHERE user_id = ?", (user_id,))
                names = [d[0] for d in cur.description]
                rows = []
                for raw in cur.fetchall():
                    row = dict(zip(names, raw, strict=True))
                    for secret in SECRET_COLUMNS.get(table, ()):
                        row.pop(secret, None)
                    for key in ("state", "record", "data", "plan", "items"):
                        if isinstance(row.get(key), str):
                            row[key] = json.loads(row[key])
                    if "vector" in row:
                        row["vector"] = np.frombuffer(bytes(row["vector"]), np.float32).tolist()
                    rows.append(row)
                out[table] = rows
        return out

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Remove the user from every table; rows deleted per table."""
        counts: dict[str, int] = {}
        with self.transaction():
            sessions = [r[0] for r in self._rows(
                "SELECT session_id FROM sessions WHERE user_id = ?", (user_id,)
            )]  # fmt: skip
            for table in USER_TABLES:
                cur = self._exec(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
                counts[table] = int(cur.rowcount)
            # Rows of the user's sessions stored without a user id (none by construction).
            for sid in sessions:
                for table in ("turns", "messages", "memory_index", "plan_outcomes", "feedback"):
                    cur = self._exec(f"DELETE FROM {table} WHERE session_id = ?", (sid,))
                    counts[table] += max(int(cur.rowcount), 0)
        log.info("deleted user=%s rows=%s", user_id, counts)
        return counts

    def count_user_rows(self, user_id: str) -> dict[str, int]:
        """Rows mentioning the user in each table (by user id, or by one of their ids
        inside JSON text): used to prove a delete left nothing behind."""
        out = {}
        for table in TABLES:
            out[table] = int(
                self._rows(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (user_id,))[0][0]
            )
        return out

    def size_bytes(self) -> int:
        """Bytes the database occupies (SQLite file + WAL, or the PostgreSQL database)."""
        if self.dialect == "sqlite":
            pages = self._rows("PRAGMA page_count")[0][0]
            return int(pages) * int(self._rows("PRAGMA page_size")[0][0])
        return int(self._rows("SELECT pg_database_size(current_database())")[0][0])


def _stored_turn(record: dict[str, Any]) -> StoredTurn:
    return StoredTurn(
        message=str(record.get("message", "")), reply=str(record.get("reply", "")), record=record
    )


def _key_row(r: tuple[Any, ...]) -> ApiKeyRow:
    return ApiKeyRow(
        key_id=r[0], sha256=r[1], user_id=r[2], admin=bool(r[3]), created_at=r[4], revoked_at=r[5]
    )


def _exclusions(state: dict[str, Any]) -> dict[str, list[str]]:
    """A stored session's exclusions (sessions stored before they were catalog-generic kept
    ``excluded_genres``)."""
    if "excluded" in state:
        return {str(a): [str(v) for v in values] for a, values in state["excluded"].items()}
    old = [str(v) for v in state.get("excluded_genres", [])]
    return {"genres": old} if old else {}


def _redact(url: str) -> str:
    """``url`` without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url
