"""Fixtures for the catalog tests: an isolated data home and small input files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .samples import INTER_CSV, INTER_RECBOLE, ITEMS_CSV, ITEMS_RECBOLE, USERS_RECBOLE, write


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, private RECPILOT_HOME."""
    path = tmp_path / "home"
    monkeypatch.setenv("RECPILOT_HOME", str(path))
    return path


@pytest.fixture
def csv_files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "items.csv", ITEMS_CSV), write(tmp_path / "inter.csv", INTER_CSV)


@pytest.fixture
def recbole_files(tmp_path: Path) -> tuple[Path, Path, Path]:
    return (
        write(tmp_path / "x.item", ITEMS_RECBOLE),
        write(tmp_path / "x.inter", INTER_RECBOLE),
        write(tmp_path / "x.user", USERS_RECBOLE),
    )


@pytest.fixture(scope="session")
def ml100k_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data home for the real MovieLens-100K build: a shared cache when RECPILOT_TEST_CACHE is
    set (so CI downloads once), else a session temp dir."""
    if os.environ.get("RECPILOT_TEST_CACHE"):
        return Path("/work/main/.recpilot-test-cache")
    return tmp_path_factory.mktemp("ml100k-home")


@pytest.fixture
def ml100k(ml100k_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RECPILOT_HOME", str(ml100k_home))
    yield ml100k_home
