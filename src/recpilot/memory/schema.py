"""The memory tables, written once for both SQL dialects.

Every table that holds a fact about a user has a ``user_id`` column, so that export and
delete are one query per table (:data:`USER_TABLES`). Ids are text (uuid hex), times are
epoch seconds, structured values are JSON text: nothing here depends on a dialect except
the binary column type and the placeholder style, which :func:`ddl` and
:func:`placeholders` handle.
"""

from __future__ import annotations

from typing import Literal

Dialect = Literal["sqlite", "postgres"]

SCHEMA_VERSION = 2  # 2: api_keys

# (table, columns) — a {blob} marker is replaced with the dialect's binary type.
_TABLES: tuple[tuple[str, str], ...] = (
    ("users", "user_id TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL"),
    (
        "profiles",
        "user_id TEXT PRIMARY KEY, data TEXT NOT NULL, updated_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "sessions",
        "session_id TEXT PRIMARY KEY, user_id TEXT, state TEXT NOT NULL,"
        " created_at DOUBLE PRECISION NOT NULL, updated_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "turns",
        "turn_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT, seq INTEGER NOT NULL,"
        " record TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "messages",
        "message_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT, turn_id TEXT,"
        " role TEXT NOT NULL, content TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "feedback",
        "feedback_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, item_id TEXT NOT NULL,"
        " kind TEXT NOT NULL, session_id TEXT, created_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "memory_index",
        "memory_id TEXT PRIMARY KEY, user_id TEXT, session_id TEXT, kind TEXT NOT NULL,"
        " text TEXT NOT NULL, vector {blob} NOT NULL, created_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "plan_outcomes",
        "turn_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT, request TEXT NOT NULL,"
        " plan TEXT NOT NULL, shape TEXT NOT NULL, brain TEXT NOT NULL, items TEXT NOT NULL,"
        " outcome TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL",
    ),
    (
        "api_keys",
        "key_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, user_id TEXT,"
        " admin INTEGER NOT NULL, created_at DOUBLE PRECISION NOT NULL,"
        " revoked_at DOUBLE PRECISION",
    ),
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id)",
    "CREATE INDEX IF NOT EXISTS turns_session ON turns (session_id, seq)",
    "CREATE INDEX IF NOT EXISTS turns_user ON turns (user_id)",
    "CREATE INDEX IF NOT EXISTS messages_session ON messages (session_id, created_at)",
    "CREATE INDEX IF NOT EXISTS feedback_user ON feedback (user_id, created_at)",
    "CREATE INDEX IF NOT EXISTS memory_user ON memory_index (user_id, created_at)",
    "CREATE INDEX IF NOT EXISTS outcomes_user ON plan_outcomes (user_id)",
    "CREATE INDEX IF NOT EXISTS outcomes_shape ON plan_outcomes (shape)",
    "CREATE INDEX IF NOT EXISTS api_keys_user ON api_keys (user_id)",
)

TABLES: tuple[str, ...] = tuple(name for name, _ in _TABLES)
"""Every memory table (the meta table excluded)."""

USER_TABLES: tuple[str, ...] = TABLES
"""Tables with a ``user_id`` column: all of them (a user's API keys go with the user)."""

SECRET_COLUMNS: dict[str, tuple[str, ...]] = {"api_keys": ("sha256",)}
"""Columns an export leaves out."""


def ddl(dialect: Dialect) -> list[str]:
    """CREATE statements (idempotent) for ``dialect``."""
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    out = ["CREATE TABLE IF NOT EXISTS memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"]
    out += [
        f"CREATE TABLE IF NOT EXISTS {name} ({cols.format(blob=blob)})" for name, cols in _TABLES
    ]
    out += list(_INDEXES)
    return out


def placeholders(sql: str, dialect: Dialect) -> str:
    """Queries are written with ``?``; PostgreSQL (psycopg) wants ``%s``."""
    return sql if dialect == "sqlite" else sql.replace("?", "%s")
