"""``recpilot data ingest|info|list|synth`` through the real command line app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recpilot.catalog import open_dataset
from recpilot.cli import app
from recpilot.errors import IngestError, UnknownDataset

from .samples import INTER_CSV, ITEMS_CSV, write

runner = CliRunner()


def test_ingest_then_info_and_list(home: Path, tmp_path: Path) -> None:
    items, inter = write(tmp_path / "i.csv", ITEMS_CSV), write(tmp_path / "x.csv", INTER_CSV)
    result = runner.invoke(
        app,
        ["data", "ingest", "shop", "--items", str(items), "--interactions", str(inter),
         "--item-id", "movie_id", "--title", "name", "--categorical", "genres",
         "--number", "year", "--list-sep", "|", "--rename", "year=released"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (home / "catalogs" / "shop.duckdb").is_file()
    with open_dataset("shop") as cat:
        # Flags name only genres and year: the overview column is not an attribute.
        assert [(a.name, a.kind.value) for a in cat.attributes] == [
            ("genres", "categorical"),
            ("released", "number"),
        ]

    info = runner.invoke(app, ["data", "info", "--dataset", "shop", "--json"])
    assert info.exit_code == 0, info.output
    stats = json.loads(info.stdout)
    assert (stats["n_items"], stats["n_users"], stats["n_interactions"]) == (4, 3, 5)
    assert stats["density"] == pytest.approx(5 / 12)

    table = runner.invoke(app, ["data", "info", "-d", "shop"])
    assert table.exit_code == 0 and "interactions" in table.stdout and "genres" in table.stdout

    listing = runner.invoke(app, ["data", "list", "--json"])
    names = {d["name"]: d for d in json.loads(listing.stdout)}
    assert names["shop"]["n_items"] == 4 and not names["shop"]["bundled"]
    assert names["movielens-100k"]["bundled"]


def test_synth_command(home: Path) -> None:
    result = runner.invoke(
        app, ["data", "synth", "toy", "--items", "50", "--users", "10", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    with open_dataset("toy") as cat:
        assert cat.stats().n_items == 50
        assert cat.source == "synth:items=50,users=10,seed=7"


def test_user_mistakes_raise_named_errors(home: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "i.csv", "item_id,title\n1,A\n1,B\n")
    inter = write(tmp_path / "x.csv", "user_id,item_id\nu,1\n")
    result = runner.invoke(
        app, ["data", "ingest", "bad", "--items", str(bad), "--interactions", str(inter)]
    )
    assert isinstance(result.exception, IngestError) and result.exception.line == 3
    result = runner.invoke(app, ["data", "info", "--dataset", "nope"])
    assert isinstance(result.exception, UnknownDataset)
    assert "known: movielens-100k" in str(result.exception)
    result = runner.invoke(app, ["data", "synth", "Bad Name", "--items", "5", "--users", "2"])
    assert isinstance(result.exception, IngestError)


@pytest.mark.parametrize("command", ["ingest", "info", "list", "synth"])
def test_help_is_complete(command: str) -> None:
    result = runner.invoke(app, ["data", command, "--help"])
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) > 3


def test_offline_download_says_how_to_fix(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from recpilot.catalog import datasets
    from recpilot.errors import CatalogError

    def offline(*args: object, **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 1, "", "ERROR: Could not find a version (offline)")

    monkeypatch.setattr(datasets.subprocess, "run", offline)
    with pytest.raises(CatalogError, match=r"could not download .*offline.*PIP_INDEX_URL"):
        open_dataset("movielens-100k")
    assert not (home / "catalogs" / "movielens-100k.duckdb").exists()
