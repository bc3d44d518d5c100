"""A catalog above the EASE threshold, end to end through the real ``recpilot`` process.

The threshold is set low through the environment (``RECPILOT_EASE_MAX_ITEMS``) so that a
small synthetic catalog stands in for a million-item one: ``recpilot train`` and
``recpilot ask`` must pick models whose memory does not grow with items², say so, and answer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recpilot.catalog.datasets import catalog_path
from recpilot.catalog.store import Catalog
from recpilot.catalog.synth import generate

NAME = "wide"
ITEMS = 400


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wide-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(root))
        generate(ITEMS, 150, seed=3, interactions=3000).write(catalog_path(NAME), NAME)
    return root


def recpilot(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "RECPILOT_HOME": str(home),
        "RECPILOT_EASE_MAX_ITEMS": "100",  # EASE only up to 100 items: this catalog is "huge"
        "RECPILOT_EMBEDDER": "hashing",  # no sentence-encoder load in a unit test
        "RECPILOT_DATABASE_URL": f"sqlite:///{home / 'memory.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "recpilot", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_train_reports_the_choice_and_trains_no_ease(home: Path) -> None:
    done = recpilot(home, "train", "--dataset", NAME)
    assert done.returncode == 0, done.stderr
    assert f"personal=als: {ITEMS} items > 100" in done.stderr
    trained = {p.name.split("-")[0] for p in (home / "models" / NAME).iterdir()}
    assert {"als", "itemknn", "text"} <= trained
    assert "ease" not in trained


def test_ask_answers_with_the_chosen_models(home: Path) -> None:
    done = recpilot(home, "ask", "comedies from the 60s", "--dataset", NAME, "--json")
    assert done.returncode == 0, done.stderr
    assert "dense" not in done.stderr
    payload = json.loads(done.stdout)
    assert payload["items"] and payload["answer_kind"] == "answer"
    with Catalog.open(home / "catalogs" / f"{NAME}.duckdb") as catalog:
        for item in catalog.get_items([i["item_id"] for i in payload["items"]]):
            assert "Comedy" in (item.attributes["genres"] or [])
            assert 1960 <= float(item.attributes["year"] or 0) <= 1969  # type: ignore[arg-type]


def test_ask_trace_says_which_models_and_why(home: Path) -> None:
    with Catalog.open(home / "catalogs" / f"{NAME}.duckdb") as catalog:
        title = catalog.titles()["i0"]
    done = recpilot(home, "ask", f"something like {title}", "--dataset", NAME, "--trace")
    assert done.returncode == 0, done.stderr
    assert "retrieve_similar" in done.stdout
    text = " ".join(done.stdout.split())
    assert "personal=als" in text and "no dense EASE" in text
    assert "similar=itemknn" in text and "embedder=hashing" in text
