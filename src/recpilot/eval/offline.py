"""Offline evaluation: train models on a split's train part, rank valid and test users.

Protocol (RecBole's full-sort evaluation, so numbers compare with RecBole's):

* every model is trained on ``split.train`` only;
* a user's *history* (what the model scores from) is their training interactions, for both
  the validation and the test ranking — as RecBole's general models see only the training
  matrix. Pass ``test_history="train+valid"`` to also feed the validation items at test time
  (fold-in, closer to deployment; not RecBole-comparable);
* validation ranking excludes the user's train items; test ranking excludes train + valid;
* only users with held-out items in a part are evaluated on it.

Hyper-parameters are to be tuned on the ``valid`` figures; ``test`` is for the final report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field

from recpilot.catalog.interactions import InteractionData
from recpilot.models.base import ModelConfig, Recommender

from .metrics import ranking_metrics, top_k_items
from .splits import Split

logger = logging.getLogger(__name__)

#: ``(name, train_data, key, config) -> (fitted model, train seconds)``
Trainer = Callable[[str, InteractionData, str, ModelConfig | None], tuple[Recommender, float]]
TestHistory = Literal["train", "train+valid"]


class PartResult(BaseModel):
    """Metrics of one model on one part (valid or test)."""

    users: int = Field(description="Users evaluated (those with held-out items).")
    metrics: dict[str, float] = Field(description='Mean metrics keyed like "ndcg@10".')
    score_seconds: float


class ModelResult(BaseModel):
    """One model's figures and the exact configuration it ran with."""

    model: str
    config: dict[str, Any]
    train_seconds: float
    valid: PartResult
    test: PartResult


class OfflineReport(BaseModel):
    """Everything one ``evaluate_models`` run measured."""

    dataset: str
    split: str
    seed: int | None
    split_key: str
    n_users: int
    n_items: int
    sizes: dict[str, int]
    k_values: list[int]
    test_history: str
    created_at: str
    models: list[ModelResult]

    def best(self, metric: str = "ndcg@10", part: str = "test") -> ModelResult:
        """The model with the highest ``metric`` on ``part``."""
        if not self.models:
            raise ValueError("the report holds no models")
        return max(self.models, key=lambda m: getattr(m, part).metrics.get(metric, -np.inf))


def _default_trainer(
    name: str, data: InteractionData, key: str, config: ModelConfig | None
) -> tuple[Recommender, float]:
    from recpilot.models.artifacts import train_or_load

    return train_or_load(name, data, key=key, config=config)


def config_key(split: Split, config: ModelConfig | None) -> str:
    """Cache key for one (split, config): the split's key plus a hash of the config."""
    if config is None:
        return split.key
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True).encode()
    return f"{split.key}-{hashlib.sha1(blob).hexdigest()[:8]}"


def _histories(data: InteractionData) -> list[np.ndarray]:
    return data.sequences()


def _merge_sequences(a: list[np.ndarray], b: list[np.ndarray]) -> list[np.ndarray]:
    return [np.concatenate((x, y)) for x, y in zip(a, b, strict=True)]


def evaluate_part(
    model: Recommender,
    histories: Sequence[np.ndarray],
    exclude: sp.csr_matrix,
    truth: sp.csr_matrix,
    *,
    k_values: Sequence[int],
    item_popularity: np.ndarray,
    batch_size: int = 512,
) -> PartResult:
    """Rank the users with held-out items in ``truth`` and compute the metrics.

    ``histories[u]`` is what the model scores user ``u`` from; ``exclude`` and ``truth`` are
    users × items matrices (items not to rank; held-out items).
    """
    truth = sp.csr_matrix(truth)
    exclude = sp.csr_matrix(exclude)
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    k_max = max(k_values)
    started = time.perf_counter()
    tops: list[np.ndarray] = []
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = model.score([histories[u] for u in batch])
        tops.append(top_k_items(scores, k_max, exclude[batch]))
    top = np.concatenate(tops) if tops else np.zeros((0, k_max), dtype=np.int64)
    seconds = time.perf_counter() - started
    metrics = ranking_metrics(top, truth[users], k_values=k_values, item_popularity=item_popularity)
    return PartResult(users=len(users), metrics=metrics, score_seconds=round(seconds, 4))


def evaluate_fitted(
    model: Recommender,
    split: Split,
    *,
    k_values: Sequence[int] = (5, 10, 20),
    train_seconds: float = 0.0,
    test_history: TestHistory = "train",
    batch_size: int = 512,
) -> ModelResult:
    """Evaluate an already fitted ``model`` (trained on ``split.train``) on valid and test."""
    train_m, valid_m, test_m = split.train.matrix(), split.valid.matrix(), split.test.matrix()
    popularity = np.bincount(split.train.items, minlength=split.train.n_items).astype(np.float64)
    train_hist = _histories(split.train)
    test_hist = (
        _merge_sequences(train_hist, _histories(split.valid))
        if test_history == "train+valid"
        else train_hist
    )
    kw: dict[str, Any] = {
        "k_values": k_values,
        "item_popularity": popularity,
        "batch_size": batch_size,
    }
    valid = evaluate_part(model, train_hist, train_m, valid_m, **kw)
    test = evaluate_part(model, test_hist, (train_m + valid_m).tocsr(), test_m, **kw)
    return ModelResult(
        model=model.name,
        config=model.config.model_dump(mode="json"),
        train_seconds=round(train_seconds, 4),
        valid=valid,
        test=test,
    )


def evaluate_models(
    split: Split,
    model_names: Sequence[str],
    k_values: Sequence[int] = (5, 10, 20),
    configs: Mapping[str, ModelConfig | Mapping[str, Any]] | None = None,
    *,
    test_history: TestHistory = "train",
    batch_size: int = 512,
    trainer: Trainer | None = None,
) -> OfflineReport:
    """Train each named model on ``split.train`` (cached through ``train_or_load`` under a key
    naming the split and config), rank valid and test users, and collect the figures.

    ``configs`` maps a model name to its config or to field overrides
    (``{"ease": {"reg": 300}}``); unnamed models use their defaults. ``trainer`` replaces
    ``train_or_load`` (tests pass fakes).
    """
    from recpilot.models.registry import make_config

    train = trainer or _default_trainer
    k_list = sorted({int(k) for k in k_values})
    if not k_list or k_list[0] <= 0:
        raise ValueError(f"k values must be positive, got {list(k_values)!r}")
    results: list[ModelResult] = []
    for name in model_names:
        given = (configs or {}).get(name)
        if given is None or isinstance(given, ModelConfig):
            config = given
        else:
            config = make_config(name, **dict(given))
        key = config_key(split, config)
        logger.info("training model=%s key=%s", name, key)
        model, seconds = train(name, split.train, key, config)
        result = evaluate_fitted(
            model,
            split,
            k_values=k_list,
            train_seconds=seconds,
            test_history=test_history,
            batch_size=batch_size,
        ).model_copy(update={"model": name})
        logger.info(
            "evaluated model=%s train_s=%.2f valid_ndcg@10=%s test_ndcg@10=%s",
            name,
            seconds,
            result.valid.metrics.get("ndcg@10"),
            result.test.metrics.get("ndcg@10"),
        )
        results.append(result)
    return OfflineReport(
        dataset=split.dataset,
        split=split.name,
        seed=split.seed,
        split_key=split.key,
        n_users=split.train.n_users,
        n_items=split.train.n_items,
        sizes=split.sizes(),
        k_values=k_list,
        test_history=test_history,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        models=results,
    )
