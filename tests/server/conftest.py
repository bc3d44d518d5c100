"""Shared serving fixtures (see tests/serving_fixtures.py), the throwaway PostgreSQL server
(recpilot.testing.postgres), and a memory store URL parametrised over SQLite and
PostgreSQL."""

from pathlib import Path

import pytest

from recpilot.testing.postgres import postgres_server, postgres_url
from serving_fixtures import agent, make_app, serve_home

__all__ = ["agent", "make_app", "postgres_server", "postgres_url", "serve_home"]


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty memory store: a SQLite file, or a fresh database on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))
