"""Fixtures shared by the memory and service tests: an isolated data home, a small synthetic
agent, and the memory store over SQLite and over a real PostgreSQL server
(:mod:`recpilot.testing.postgres`: skipped without the Debian binaries unless
``RECPILOT_REQUIRE_POSTGRES=1``). Each directory's conftest imports them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.catalog.datasets import catalogs_dir
from recpilot.catalog.synth import SyntheticDataset, generate
from recpilot.memory.store import MemoryStore
from recpilot.testing.postgres import postgres_server, postgres_url

__all__ = ["agent", "home", "postgres_server", "postgres_url", "store", "store_url", "synth"]

SYNTH_NAME = "memsynth"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("RECPILOT_HOME", str(path))
    monkeypatch.delenv("RECPILOT_DATABASE_URL", raising=False)
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, home: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{home / 'memory.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[MemoryStore]:
    with MemoryStore.open(store_url) as s:
        yield s


@pytest.fixture(scope="session")
def synth() -> SyntheticDataset:
    """200 items in 6 genre clusters, 60 users; planted truth in the returned object."""
    return generate(200, 60, 7, clusters=6)


@pytest.fixture
def agent(home: Path, synth: SyntheticDataset) -> Agent:
    synth.write(catalogs_dir() / f"{SYNTH_NAME}.duckdb", SYNTH_NAME)
    return build_agent(AgentOptions(dataset=SYNTH_NAME, embedder="hashing"))
