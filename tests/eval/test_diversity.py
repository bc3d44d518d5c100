"""The diversity measurement on tiny data: setting 0 reproduces the offline protocol's NDCG,
higher settings raise intra-list diversity, the default rule, the report files and the
``recpilot eval diversity`` command end to end on a synthetic catalog."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from recpilot.catalog.datasets import catalog_path
from recpilot.catalog.synth import generate
from recpilot.cli import app
from recpilot.errors import ConfigError
from recpilot.eval.diversity import DiversityPoint, choose_default, evaluate_diversity
from recpilot.eval.diversity_report import write_report
from recpilot.eval.offline import evaluate_fitted
from recpilot.eval.splits import Split, random_split
from recpilot.models.registry import make_model

from .conftest import synthetic


@pytest.fixture()
def split() -> Split:
    return random_split(synthetic(n_users=30, n_items=60, per_user=20), seed=3)


def _categories(n_items: int) -> np.ndarray:
    """Four categories by item index (i % 4): popular items share few of them."""
    out = np.zeros((n_items, 4), dtype=np.float32)
    out[np.arange(n_items), np.arange(n_items) % 4] = 1.0
    return out


def test_setting_zero_is_the_offline_protocol_and_more_spreads_categories(split: Split) -> None:
    model = make_model("itemknn").fit(split.train)
    seen: list[tuple[int, int]] = []
    report = evaluate_diversity(
        model,
        split,
        _categories(split.train.n_items),
        settings=(0.0, 0.5, 1.0),
        progress=lambda done, total: seen.append((done, total)),
    )
    offline = evaluate_fitted(model, split, k_values=(10,))
    for part in ("valid", "test"):
        plain = report.point(part, 0.0).metrics
        expected = getattr(offline, part).metrics  # the report rounds to 6 decimals
        assert plain["ndcg@10"] == pytest.approx(expected["ndcg@10"], abs=1e-6)
        assert plain["itemcoverage@10"] == pytest.approx(expected["itemcoverage@10"], abs=1e-6)
        assert report.point(part, 1.0).metrics["ild@10"] > plain["ild@10"]
        assert report.point(part, 1.0).metrics["novelty@10"] > plain["novelty@10"]
    assert report.users == {"valid": 30, "test": 30}
    assert 0.0 < report.longtail_interaction_share < 1.0
    assert seen[-1] == (60, 60)  # progress counts users over both parts
    assert report.default in (0.0, 0.5, 1.0)


def test_the_default_is_the_most_diverse_setting_within_five_percent(split: Split) -> None:
    def point(d: float, ndcg: float, ild: float) -> DiversityPoint:
        return DiversityPoint(diversity=d, metrics={"ndcg@10": ndcg, "ild@10": ild})

    points = [point(0.0, 0.40, 0.50), point(0.3, 0.39, 0.58), point(0.6, 0.37, 0.65)]
    assert choose_default(points, 10) == (0.3, False)  # 0.6 loses 7.5 %; 0.3 gains only 16 %
    points.insert(2, point(0.4, 0.381, 0.61))
    assert choose_default(points, 10) == (0.4, True)


def test_report_files_and_the_command_end_to_end(tmp_path: Path) -> None:
    generate(items=120, users=150, seed=5, interactions=30 * 150).write(
        catalog_path("synth-div"), "synth-div"
    )
    out = tmp_path / "rep"
    result = CliRunner().invoke(
        app,
        ["eval", "diversity", "--dataset", "synth-div", "--model", "pop", "--settings",
         "0,0.5,1", "--json", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert [p["diversity"] for p in payload["test"]] == [0.0, 0.5, 1.0]
    test = {p["diversity"]: p["metrics"] for p in payload["test"]}
    assert test[1.0]["ild@10"] > test[0.0]["ild@10"]
    assert test[1.0]["popularity_percentile@10"] < test[0.0]["popularity_percentile@10"]
    markdown = (out / "diversity.md").read_text(encoding="utf-8")
    assert f"**Chosen setting {payload['default']:g}**" in markdown and "| 0.5" in markdown
    assert (out / "diversity.png").stat().st_size > 1000
    assert json.loads((out / "diversity.json").read_text())["model"] == "pop"
    bad = CliRunner().invoke(app, ["eval", "diversity", "--settings", "0.2,0.5"])
    assert isinstance(bad.exception, ConfigError) and "must include 0" in str(bad.exception)


def test_write_report_defaults_to_a_reports_folder(
    split: Split, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = evaluate_diversity(
        make_model("pop").fit(split.train), split, _categories(60), settings=(0.0, 1.0)
    )
    files = write_report(report)
    assert files.directory == Path("reports") / "diversity-data"
    assert files.markdown.exists() and files.plot.exists()
