"""Fixtures for the memory tests: an isolated data home, a small synthetic agent, and the
memory store over SQLite and over a real PostgreSQL server.

The PostgreSQL server is a throwaway cluster (initdb + pg_ctl on a loopback port in a temp
dir, run as the ``postgres`` user when the tests run as root), started once per test
session when the Debian binaries exist (``scripts/ci_postgres.sh`` installs them). Without
them the PostgreSQL-parametrised tests skip with the reason — unless
``RECPILOT_REQUIRE_POSTGRES=1``, then they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.catalog.datasets import catalogs_dir
from recpilot.catalog.synth import SyntheticDataset, generate
from recpilot.memory.service import MemoryAgent
from recpilot.memory.store import MemoryStore

SYNTH_NAME = "memsynth"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """Base URL (no database) of a throwaway PostgreSQL server."""
    required = os.environ.get("RECPILOT_REQUIRE_POSTGRES") == "1"
    bindir = _pg_bin()
    if bindir is None:
        reason = "PostgreSQL binaries not found (run scripts/ci_postgres.sh to install them)"
        if required:
            pytest.fail(reason + " and RECPILOT_REQUIRE_POSTGRES=1")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="recpilot-pg-"))
    data = root / "data"
    port = _free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    try:
        subprocess.run(
            _as_owner([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            _as_owner(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(root / "log"),
                    "-w",
                    "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        reason = f"could not start PostgreSQL: {exc} {detail.decode(errors='replace')[-300:]}"
        shutil.rmtree(root, ignore_errors=True)
        if required:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on the throwaway server (dropped afterwards)."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    yield f"{postgres_server}/{name}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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


@pytest.fixture
def mem(agent: Agent, store: MemoryStore) -> MemoryAgent:
    return MemoryAgent(agent, store)
