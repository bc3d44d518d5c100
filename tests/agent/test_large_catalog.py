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


def test_factor_neighbours_through_the_ann_index_agree_with_exact(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ALS as the similar model: cosine neighbours of its item factors, exact under the
    threshold and through FAISS over it; the two agree on the top 10 of a watched item."""
    from recpilot.agent.build import AgentOptions, build_agent
    from recpilot.models.base import top_k

    monkeypatch.setenv("RECPILOT_HOME", str(home))
    monkeypatch.setenv("RECPILOT_EMBEDDER", "hashing")
    options = AgentOptions(dataset=NAME, similar_model="als", demos="none")
    found = {}
    for threshold in ("100000", "50"):
        monkeypatch.setenv("RECPILOT_ANN_THRESHOLD", threshold)
        suite = build_agent(options).models
        assert suite.similar_vectors is not None
        assert suite.similar_vectors.approximate == (threshold == "50")
        seed = suite.item_ids[int(suite.popularity.argmax())]
        scores, method = suite.similar_scores([seed])
        assert method.startswith("item-CF")
        found[threshold] = set(top_k(scores, 10)[0].tolist())
    assert len(found["100000"] & found["50"]) >= 8
