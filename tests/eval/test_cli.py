"""``recpilot eval offline`` through Typer's CliRunner on synthetic data."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from recpilot.catalog.interactions import InteractionData
from recpilot.cli import app
from recpilot.cli import evaluate as cli_eval
from recpilot.cli.evaluate import parse_settings
from recpilot.errors import ConfigError
from recpilot.models.base import ModelConfig

from .conftest import synthetic

registry = pytest.importorskip("recpilot.models.registry")


@pytest.fixture()
def patched(monkeypatch):
    """Synthetic data instead of a catalog; models fitted in-process (no artifact cache)."""
    data = synthetic(n_users=40, n_items=50, per_user=15)
    monkeypatch.setattr(cli_eval, "_load_interactions", lambda name: data)

    def fit_here(name: str, train: InteractionData, key: str, config: ModelConfig | None):
        model = registry.model_class(name)(config)
        return model.fit(train), 0.01

    monkeypatch.setattr("recpilot.eval.offline._default_trainer", fit_here)
    return data


def test_parse_settings() -> None:
    assert parse_settings(["ease.reg=300", "itemknn.k=20", "x.name=abc"]) == {
        "ease": {"reg": 300},
        "itemknn": {"k": 20},
        "x": {"name": "abc"},
    }
    with pytest.raises(ConfigError, match=r"MODEL\.FIELD=VALUE"):
        parse_settings(["reg=300"])


def test_offline_json_prints_one_object_and_writes_report(patched, tmp_path) -> None:
    out = tmp_path / "rep"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "offline",
            "--models",
            "pop,itemknn",
            "--json",
            "--out",
            str(out),
            "--set",
            "itemknn.k=5",
            "--k",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # exactly one JSON document
    assert [m["model"] for m in payload["models"]] == ["pop", "itemknn"]
    assert payload["models"][1]["config"]["k"] == 5
    assert payload["k_values"] == [5, 10, 20]
    assert payload["sizes"]["test"] == 40 * 1  # 15 per user → 13 / 1 / 1
    assert {p.name for p in out.iterdir()} == {"report.md", "report.json", "ndcg_recall.png"}


def test_offline_table_and_usage_errors(patched, tmp_path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["eval", "offline", "--models", "pop", "--out", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "pop" in ok.stdout and "ndcg@10" in ok.stdout
    bad = runner.invoke(app, ["eval", "offline", "--models", "pop,nope", "--out", str(tmp_path)])
    assert isinstance(bad.exception, ConfigError) and "nope" in str(bad.exception)


def test_end_to_end_on_a_synthetic_catalog(tmp_path) -> None:
    """Real catalog file, real train_or_load cache, real CLI: on data where every user draws
    90 % of their items from one or two of 8 clusters, EASE (which learns item co-occurrence)
    must beat popularity."""
    datasets = pytest.importorskip("recpilot.catalog.datasets", reason="catalog API not built")
    synth = pytest.importorskip("recpilot.catalog.synth", reason="synthetic generator not built")
    synth.generate(items=120, users=150, seed=5, interactions=30 * 150).write(
        datasets.catalog_path("synth-eval"), "synth-eval"
    )
    result = CliRunner().invoke(
        app,
        ["eval", "offline", "--dataset", "synth-eval", "--models", "pop,ease", "--json",
         "--out", str(tmp_path / "rep")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["dataset"] == "synth-eval"
    ndcg = {m["model"]: m["test"]["metrics"]["ndcg@10"] for m in payload["models"]}
    assert ndcg["ease"] > ndcg["pop"]
