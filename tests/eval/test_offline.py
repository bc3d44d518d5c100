"""evaluate_models / evaluate_fitted with oracle models, and the report files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.eval.offline import OfflineReport, evaluate_fitted, evaluate_models
from recpilot.eval.report import write_report
from recpilot.eval.splits import random_split
from recpilot.models.base import ModelConfig, Recommender

from .conftest import oracle_for, synthetic


@pytest.fixture()
def split():
    # 30 users × 20 of 60 items → 16 train / 2 valid / 2 test each; after excluding 18 known
    # items, 42 remain to rank, so a reverse ranking can push both test items below rank 10.
    return random_split(synthetic(n_users=30, n_items=60, per_user=20), seed=3)


def _oracle_trainer(split, *, reverse_for: tuple[str, ...] = ()):
    calls: list[tuple[str, str, ModelConfig | None]] = []

    def trainer(name: str, data: InteractionData, key: str, config: ModelConfig | None):
        calls.append((name, key, config))
        assert data is split.train  # trains on the train part only
        return oracle_for(split.train, split.test, reverse=name in reverse_for), 0.25

    return trainer, calls


def test_oracle_scores_one_and_reverse_scores_zero(split) -> None:
    trainer, calls = _oracle_trainer(split, reverse_for=("worst",))
    report = evaluate_models(split, ["best", "worst"], k_values=(5, 10), trainer=trainer)
    best, worst = report.models
    assert best.model == "best" and worst.model == "worst"
    # both test items ranked 1 and 2 → perfect at every cut-off
    assert best.test.metrics["ndcg@10"] == pytest.approx(1.0)
    assert best.test.metrics["recall@10"] == pytest.approx(1.0)
    assert best.test.metrics["mrr@5"] == pytest.approx(1.0)
    # reverse: test items scored lowest of the 42 rankable items → nowhere in the top 10
    assert worst.test.metrics["ndcg@10"] == pytest.approx(0.0)
    assert worst.test.metrics["hit@10"] == 0.0
    assert best.test.users == 30 and best.valid.users == 30
    assert best.train_seconds == 0.25
    # the cache key names the split (dataset, protocol, seed)
    assert all(key.startswith("data-random-3-") for _, key, _ in calls)
    assert report.k_values == [5, 10] and report.sizes == {"train": 480, "valid": 60, "test": 60}
    assert report.best().model == "best"


def test_test_ranking_excludes_validation_items(split) -> None:
    # an oracle for the *valid* items: on test those items are excluded, so it can only
    # find test items by its fallback order; on valid it is perfect.
    model = oracle_for(split.train, split.valid)
    result = evaluate_fitted(model, split, k_values=(10,))
    assert result.valid.metrics["ndcg@10"] == pytest.approx(1.0)
    assert result.test.metrics["ndcg@10"] < 0.5


def test_configs_are_validated_and_change_the_key(split) -> None:
    pytest.importorskip("recpilot.models.ease")
    trainer, calls = _oracle_trainer(split)
    evaluate_models(split, ["ease"], configs={"ease": {"reg": 123.0}}, trainer=trainer)
    evaluate_models(split, ["ease"], trainer=trainer)
    (_, key_set, config_set), (_, key_default, config_default) = calls
    assert config_set is not None and config_set.model_dump()["reg"] == 123.0
    assert config_default is None
    assert key_set != key_default and key_set.startswith(key_default)


def test_real_popularity_model_beats_nothing_but_is_sane(split) -> None:
    registry = pytest.importorskip("recpilot.models.registry")

    def fit_here(name: str, data: InteractionData, key: str, config: ModelConfig | None):
        model: Recommender = registry.make_model(name)
        return model.fit(data), 0.0

    report = evaluate_models(split, ["pop"], k_values=(10,), trainer=fit_here)
    m = report.models[0].test.metrics
    # popularity recommends (almost) the same list to everyone: coverage stays small
    assert 0.0 <= m["ndcg@10"] <= 1.0
    assert m["itemcoverage@10"] <= 0.5


def test_write_report_round_trips(split, tmp_path) -> None:
    trainer, _ = _oracle_trainer(split, reverse_for=("worst",))
    report = evaluate_models(split, ["best", "worst"], trainer=trainer)
    files = write_report(report, tmp_path / "out")
    again = OfflineReport.model_validate(json.loads(files.json.read_text()))
    assert again.models[0].test.metrics == report.models[0].test.metrics
    text = files.markdown.read_text()
    assert "| best | 1.0000 |" in text  # ndcg@10 is the first metric column
    assert files.plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.isclose(again.best().test.metrics["ndcg@10"], 1.0)
