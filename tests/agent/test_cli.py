"""``recpilot ask`` honours the interface contract (one JSON object, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recpilot.catalog.datasets import catalog_path
from recpilot.cli import app

from .minicatalog import build


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path))
    build(catalog_path("mini"), name="mini")
    return tmp_path


def test_ask_json_is_exactly_one_contract_object(home: Path) -> None:
    result = CliRunner().invoke(
        app, ["ask", "2 scary movies before 1980", "--json", "--dataset", "mini"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert {"reply", "items", "plan", "llm_calls", "degraded", "timings_ms"} <= set(payload)
    assert [i["item_id"] for i in payload["items"]] in (["22", "25"], ["25", "22"])
    for item in payload["items"]:
        assert set(item) == {"item_id", "title", "score", "reason"}
        assert isinstance(item["reason"], str) and item["reason"]
    assert payload["llm_calls"] == 0 and payload["degraded"] is False
    assert payload["plan"][0]["tool"] == "search_catalog"


def test_ask_with_user_history(home: Path) -> None:
    result = CliRunner().invoke(
        app, ["ask", "recommend something", "--json", "--dataset", "mini", "--user", "horror0"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["items"][0]["item_id"] == "21"


def test_bad_llm_spec_and_unknown_dataset_are_usage_errors(home: Path) -> None:
    # (A user id the catalog does not know is a new user, not a mistake: tests/service.)
    from recpilot.cli import main

    for argv in (
        ["recpilot", "ask", "x", "--dataset", "mini", "--llm", "gpt-nonsense"],
        ["recpilot", "ask", "x", "--dataset", "no-such-dataset"],
    ):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.argv", argv)
            with pytest.raises(SystemExit) as exc:
                main()
        assert exc.value.code == 2, argv
