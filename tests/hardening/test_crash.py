"""kill -9 during ingest, training and store writes (a few kills of each through the real
processes; ``bench/crash.py`` runs 50 of each), and the pieces that make it safe."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from recpilot.catalog.build import write_catalog
from recpilot.catalog.interactions import InteractionData
from recpilot.catalog.store import Catalog
from recpilot.durable import MANIFEST, remove_stale_temps
from recpilot.errors import ModelError
from recpilot.models.artifacts import artifact_dir, load_artifact, save_artifact, train_or_load
from recpilot.models.registry import make_config, model_class
from recpilot.testing.crash import CATALOG, CrashRig, KindReport, temp_entries
from recpilot.testing.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]

KILLS = 5


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> CrashRig:
    prepared = CrashRig(tmp_path_factory.mktemp("crash-home"), seed=7)
    prepared.prepare()
    return prepared


def _assert_held(report: KindReport) -> None:
    assert KILLS <= len(report.kills) <= 2 * KILLS, report.notes
    assert report.problems() == []


def test_ingest_killed(rig: CrashRig) -> None:
    report = rig.run_kind("ingest", KILLS, mid_write=1)
    _assert_held(report)
    assert report.mid_write >= 1, report.notes  # the kills reach the write, not only start-up


def test_train_killed(rig: CrashRig) -> None:
    report = rig.run_kind("train", KILLS, mid_write=1)
    _assert_held(report)
    assert report.mid_write >= 1, report.notes


def test_serve_killed_keeps_acknowledged_writes(rig: CrashRig) -> None:
    report = rig.run_kind("store", KILLS)
    _assert_held(report)
    assert report.checked > 0  # acknowledged turns, preferences and feedback were checked


def test_serve_killed_on_postgres(rig: CrashRig, postgres_url: str) -> None:
    on_pg = CrashRig(rig.home, seed=8, store_url=postgres_url)
    report = on_pg.run_kind("store", 2)
    assert report.problems() == [] and len(report.kills) == 2
    assert report.checked > 0


def test_checks_catch_damage(rig: CrashRig, tmp_path: Path) -> None:
    """The harness's checks fail on a damaged catalog and a damaged model artifact."""
    home = tmp_path / "home"
    shutil.copytree(rig.home / "catalogs", home / "catalogs")
    shutil.copytree(rig.home / "models", home / "models", symlinks=True)
    damaged = CrashRig(home)
    damaged.digests = dict(rig.digests)
    assert damaged.check_catalog() is None and damaged.check_models() is None
    version = (home / "models" / CATALOG).glob(".ease-*@*")
    arrays = next(version) / "arrays.npz"
    arrays.write_bytes(arrays.read_bytes()[:-100])
    assert "does not match its checksum" in (damaged.check_models() or "")
    damaged.catalog_path.write_bytes(b"\0" * 4096)
    assert "catalog unusable" in (damaged.check_catalog() or "")


# ---------------------------------------------------------------------- the pieces


def _items(n: int) -> pa.Table:
    return pa.table({"item_id": [f"i{k}" for k in range(n)], "title": [f"T{k}" for k in range(n)]})


def _interactions(n: int) -> pa.Table:
    return pa.table({"user_id": ["u1"] * n, "item_id": [f"i{k}" for k in range(n)]})


def _write(target: Path, n: int) -> None:
    write_catalog(
        target,
        name="t",
        source="test",
        items=_items(n),
        attributes=[],
        interactions=_interactions(n),
    )


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(proc.stdout)


def test_catalog_swap_folds_a_crashed_writers_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer killed after a commit leaves a write-ahead log beside the old file. A new
    catalog written there must not pick it up, and a crash just before the swap must leave
    the old file with that commit (the log is folded into it first, never just deleted)."""
    target = tmp_path / "t.duckdb"
    _write(target, 3)
    script = (
        "import duckdb, os, signal, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute(\"INSERT INTO items (item_id, title) VALUES ('extra', 'Extra')\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(target)], check=False)
    assert killed.returncode == -signal.SIGKILL
    wal = target.with_name(target.name + ".wal")
    assert wal.exists()

    def crash(*args: object) -> None:
        raise OSError("crashed before the swap")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", crash)
        with pytest.raises(OSError, match="before the swap"):
            _write(target, 5)
    with Catalog.open(target) as catalog:
        assert catalog.item_ids() == ["i0", "i1", "i2", "extra"]
    _write(target, 5)
    assert not wal.exists()
    with Catalog.open(target) as catalog:
        assert catalog.item_ids() == [f"i{k}" for k in range(5)]


def test_catalog_writer_removes_dead_writers_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "t.duckdb"
    dead = tmp_path / f".t.duckdb.{_dead_pid()}.0badc0de.tmp"
    live = tmp_path / f".t.duckdb.{os.getpid()}.1badc0de.tmp"
    for path in (dead, dead.with_name(dead.name + ".wal"), live):
        path.write_bytes(b"partial")
    _write(target, 2)
    assert not dead.exists() and not dead.with_name(dead.name + ".wal").exists()
    assert live.exists()  # a live process may still be writing it
    assert remove_stale_temps(tmp_path) == []


def _data(tmp_path: Path) -> InteractionData:
    _write(tmp_path / "d.duckdb", 6)
    with Catalog.open(tmp_path / "d.duckdb") as catalog:
        return catalog.interactions()


def test_partial_model_version_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path))
    data = _data(tmp_path)
    model, _ = train_or_load("ease", data, key="b")
    path = artifact_dir("ease", data, key="b", config=model.config)
    assert path.is_symlink()
    (path.resolve() / MANIFEST).unlink()
    with pytest.raises(ModelError, match="never completed"):
        load_artifact(model_class("ease"), path)
    save_artifact(model, path)  # a new complete version replaces the link; the old one goes
    assert load_artifact(model_class("ease"), path).n_items == model.n_items
    assert temp_entries(path.parent) == []
    assert len(list(path.parent.glob(".ease-*@*"))) == 1


def test_legacy_artifact_folder_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path))
    data = _data(tmp_path)
    path = artifact_dir("pop", data, key="b", config=make_config("pop"))
    fitted = model_class("pop")(make_config("pop")).fit(data)
    fitted.save(path)  # the plain folder of an older release, without a manifest
    with pytest.raises(ModelError, match="never completed"):
        load_artifact(model_class("pop"), path)
    _, seconds = train_or_load("pop", data, key="b")
    assert seconds > 0 and path.is_symlink()
    assert train_or_load("pop", data, key="b")[1] == 0.0
    assert temp_entries(path.parent) == []  # the old folder was moved aside and removed
