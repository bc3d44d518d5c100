from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.catalog.store import Catalog
from recpilot.eval.holdout import HeldOut, make_holdout

from .world import build


@pytest.fixture(autouse=True)
def _home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path_factory.getbasetemp() / "home"))


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[Catalog]:
    path = tmp_path / "chatworld.duckdb"
    build(path)
    catalog = Catalog.open(path)
    yield catalog
    catalog.close()


@pytest.fixture()
def holdout(world: Catalog) -> HeldOut:
    return make_holdout(world, users=32, seed=0)
