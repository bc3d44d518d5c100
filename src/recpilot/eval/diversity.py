"""The diversity knob measured offline: accuracy, variety, novelty and exposure per setting.

Protocol: the offline split and history rules of :mod:`recpilot.eval.offline` (a model
trained on ``split.train``; validation users ranked from their train items with them
excluded; test users from their train items with train + valid excluded). Each user's best
``pool`` items (the model's scores) go through the product's own re-ranker
(:func:`recpilot.tools.diversify.select`, the code ``finalize`` runs: the ``k`` items MMR
picks, shown in score order) at every knob setting, and the top ``k`` is scored:

* ``ndcg@k``, ``itemcoverage@k`` — as :mod:`recpilot.eval.metrics` (RecBole's definitions);
* ``ild@k`` — intra-list diversity: 1 - the mean pairwise cosine of the items' main-category
  values, averaged over users;
* ``popularity_percentile@k`` — the mean catalog popularity percentile of what is shown;
* ``novelty@k`` — the mean ``-log2 p(i)``, ``p(i) = (train users of i + 1) / (users + 1)``;
* ``longtail_share@k`` / ``longtail_exposure@k`` — the long tail's share of the shown slots,
  and of position-weighted exposure (``1 / log2(rank + 1)``); the long tail is the 80 % least
  popular items (train interactions), whose share of the interactions is reported beside it.

The default setting is chosen on the validation part (the most intra-list diversity within
``max_loss`` of the unre-ranked NDCG); the test part reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field

from recpilot.eval.metrics import ranking_metrics, top_k_items
from recpilot.eval.splits import Split
from recpilot.models.base import Recommender
from recpilot.tools.diversify import (
    POOL,
    POPULARITY_SHARE,
    category_similarity,
    popularity_percentile,
    relevance,
    select,
)

SETTINGS = tuple(round(x / 10, 1) for x in range(11))
HEAD_SHARE = 0.2  # the most popular fifth of the items is the head; the rest the long tail
GOAL_GAIN = 0.2  # the aim: 20 % more intra-list diversity ...
MAX_LOSS = 0.05  # ... for at most 5 % NDCG lost

Progress = Callable[[int, int], None]  # (steps done, total steps)


class DiversityPoint(BaseModel):
    diversity: float
    metrics: dict[str, float] = Field(description='Mean figures keyed like "ndcg@10".')


class DiversityReport(BaseModel):
    """Everything one ``evaluate_diversity`` run measured."""

    dataset: str
    split: str
    seed: int | None
    model: str
    k: int
    pool: int
    popularity_share: float
    users: dict[str, int]
    longtail_interaction_share: float = Field(
        description="The long tail's share of the training interactions."
    )
    valid: list[DiversityPoint]
    test: list[DiversityPoint]
    default: float = Field(description="The setting chosen on the validation part.")
    goal_met: bool = Field(description="+20 % intra-list diversity for <= 5 % NDCG loss.")
    created_at: str

    def point(self, part: str, diversity: float) -> DiversityPoint:
        points: list[DiversityPoint] = getattr(self, part)
        return next(p for p in points if p.diversity == diversity)


def evaluate_diversity(
    model: Recommender,
    split: Split,
    categories: np.ndarray,
    *,
    settings: Sequence[float] = SETTINGS,
    k: int = 10,
    pool: int = POOL,
    popularity_share: float = POPULARITY_SHARE,
    batch_size: int = 256,
    progress: Progress | None = None,
) -> DiversityReport:
    """Measure every knob setting on the validation and test parts of ``split``.

    ``model`` is fitted on ``split.train``; ``categories`` holds the items' main-category rows
    (L2-normalised, aligned with the split's item index).
    """
    if 0.0 not in settings:
        raise ValueError("the settings must include 0 (the unre-ranked baseline)")
    train_m, valid_m, test_m = split.train.matrix(), split.valid.matrix(), split.test.matrix()
    counts = np.bincount(split.train.items, minlength=split.train.n_items).astype(np.float64)
    histories = split.train.sequences()
    parts = {"valid": (train_m, valid_m), "test": ((train_m + valid_m).tocsr(), test_m)}
    users = {name: np.flatnonzero(np.diff(truth.indptr) > 0) for name, (_, truth) in parts.items()}
    total = sum(len(u) for u in users.values())
    done = 0
    points: dict[str, list[DiversityPoint]] = {}
    figures = _Figures(counts, categories, split.train.n_users)
    for name, (exclude, truth) in parts.items():
        tops: dict[float, list[np.ndarray]] = {d: [] for d in settings}
        for start in range(0, len(users[name]), batch_size):
            batch = users[name][start : start + batch_size]
            scores = np.array(model.score([histories[u] for u in batch]), dtype=np.float64)
            seen = sp.coo_matrix(exclude[batch])
            scores[seen.row, seen.col] = -np.inf
            scores[np.isnan(scores)] = -np.inf
            candidates = top_k_items(scores, pool)
            pool_scores = np.take_along_axis(scores, candidates, axis=1)
            for d in settings:
                tops[d].append(
                    _rerank(
                        candidates,
                        pool_scores,
                        categories,
                        figures.percentile,
                        d,
                        k,
                        popularity_share,
                    )
                )
            done += len(batch)
            if progress is not None:
                progress(done, total)
        points[name] = [
            DiversityPoint(
                diversity=d,
                metrics=figures.of(np.concatenate(tops[d]), truth[users[name]], k),
            )
            for d in settings
        ]
    default, met = choose_default(points["valid"], k)
    return DiversityReport(
        dataset=split.dataset,
        split=split.name,
        seed=split.seed,
        model=model.name,
        k=k,
        pool=pool,
        popularity_share=popularity_share,
        users={name: len(u) for name, u in users.items()},
        longtail_interaction_share=figures.tail_interactions,
        valid=points["valid"],
        test=points["test"],
        default=default,
        goal_met=met,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _rerank(
    candidates: np.ndarray,
    scores: np.ndarray,
    categories: np.ndarray,
    percentile: np.ndarray,
    diversity: float,
    k: int,
    popularity_share: float,
) -> np.ndarray:
    """Each row's top ``k`` as ``finalize`` picks it from the eligible (finite-score) pool
    items; rows with fewer than ``k`` eligible items are filled from the rest of the pool, in
    order."""
    width = min(k, candidates.shape[1])
    out = np.empty((len(candidates), width), dtype=np.int64)
    for row, (items, raw) in enumerate(zip(candidates, scores, strict=True)):
        eligible = np.isfinite(raw)
        items_ok = items[eligible]
        order = select(
            relevance(list(raw[eligible])),
            category_similarity(categories[items_ok].astype(np.float64)),
            percentile[items_ok],
            diversity,
            width,
            popularity_share,
        )
        picked = items_ok[order]
        rest = [i for i in items if i not in set(picked.tolist())]
        out[row] = np.concatenate([picked, np.array(rest, dtype=np.int64)])[:width]
    return out


class _Figures:
    """The per-setting figures of a part's top lists."""

    def __init__(self, counts: np.ndarray, categories: np.ndarray, n_users: int) -> None:
        self.counts = counts
        self.categories = categories.astype(np.float64)
        self.percentile = popularity_percentile(counts)
        self.self_info = -np.log2((counts + 1.0) / (n_users + 1.0))
        head = int(np.ceil(HEAD_SHARE * len(counts)))
        order = np.argsort(-counts, kind="stable")
        self.tail = np.ones(len(counts), dtype=bool)
        self.tail[order[:head]] = False
        total = float(counts.sum())
        self.tail_interactions = float(counts[self.tail].sum() / total) if total else 0.0

    def of(self, top: np.ndarray, truth: sp.csr_matrix, k: int) -> dict[str, float]:
        out = ranking_metrics(top, truth, k_values=[k], item_popularity=self.counts)
        cut = top[:, :k]
        feats = self.categories[cut]  # users × k × values
        sims = np.einsum("ukd,ujd->ukj", feats, feats)
        width = cut.shape[1]
        pairs = width * (width - 1)
        if pairs:
            off = (sims.sum(axis=(1, 2)) - np.trace(sims, axis1=1, axis2=2)) / pairs
            out[f"ild@{k}"] = float(np.mean(1.0 - off))
        else:
            out[f"ild@{k}"] = 0.0
        weights = 1.0 / np.log2(np.arange(2, width + 2))
        tail = self.tail[cut]
        out[f"popularity_percentile@{k}"] = float(self.percentile[cut].mean())
        out[f"novelty@{k}"] = float(self.self_info[cut].mean())
        out[f"longtail_share@{k}"] = float(tail.mean())
        out[f"longtail_exposure@{k}"] = float((tail * weights).sum() / (weights.sum() * len(cut)))
        return {
            key: round(value, 6) for key, value in out.items() if "averagepopularity" not in key
        }


def choose_default(points: Sequence[DiversityPoint], k: int) -> tuple[float, bool]:
    """The setting with the most intra-list diversity whose NDCG is within ``MAX_LOSS`` of
    the setting 0, and whether it reaches ``GOAL_GAIN`` more diversity than setting 0."""
    base = next(p for p in points if p.diversity == 0.0).metrics
    allowed = [p for p in points if p.metrics[f"ndcg@{k}"] >= (1.0 - MAX_LOSS) * base[f"ndcg@{k}"]]
    best = max(allowed, key=lambda p: (p.metrics[f"ild@{k}"], -p.diversity))
    met = best.metrics[f"ild@{k}"] >= (1.0 + GOAL_GAIN) * base[f"ild@{k}"]
    return best.diversity, bool(met)
