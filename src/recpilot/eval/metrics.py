"""Full-ranking top-k metrics, defined exactly as RecBole 1.2.1 defines them.

Every user is ranked over *all* items, with the items they already have (train; for the
test split train + valid) excluded, as RecBole's full-sort evaluation masks history items
with ``-inf``. Only users with at least one held-out item are evaluated; every metric is the
mean over those users. For a user with held-out set ``T`` (``|T|`` = RecBole's ``pos_len``)
and top-k list ``R`` (``hit_j`` = 1 when the item at rank ``j`` is in ``T``), following
``recbole/evaluator/metrics.py``:

* ``hit@k``       = 1 if ``sum_{j<=k} hit_j > 0`` else 0                      (``Hit``)
* ``recall@k``    = ``sum_{j<=k} hit_j / |T|``                                  (``Recall``)
* ``precision@k`` = ``sum_{j<=k} hit_j / k``                                    (``Precision``)
* ``ndcg@k``      = ``sum_{j<=k} hit_j / log2(j+1)`` ÷ ``sum_{j<=min(|T|,k)} 1 / log2(j+1)``
                                                                               (``NDCG``)
* ``mrr@k``       = ``1 / j*`` for the first hit rank ``j* <= k``, else 0       (``MRR``)
* ``itemcoverage@k``      = ``|∪_u R_u[:k]| / n_items``                         (``ItemCoverage``)
* ``averagepopularity@k`` = mean over users of ``(1/k) sum_{j<=k} pop(R_u[j])``, ``pop`` =
  the item's number of *training* interactions                         (``AveragePopularity``)

(RecBole divides coverage by its item count, which includes one padding item; we divide by
the real number of items. The difference on ML-100K is 1/1683.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

METRIC_NAMES = (
    "hit",
    "recall",
    "precision",
    "ndcg",
    "mrr",
    "itemcoverage",
    "averagepopularity",
)


def top_k_items(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """The ``k`` best items per row of ``scores`` (n_users × n_items), best first.

    ``exclude`` (same shape, any nonzero = excluded) and NaN scores get ``-inf`` before
    ranking. Ties are broken by lower item index (also at the cut-off). Returns int64 of shape ``(n_users, min(k, n_items))``.
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    if scores.ndim != 2:
        raise ValueError("scores must be a 2-D (users × items) array")
    n_rows, n_items = scores.shape
    scores[np.isnan(scores)] = -np.inf
    if exclude is not None:
        coo = sp.coo_matrix(exclude)
        if coo.shape != scores.shape:
            raise ValueError(f"exclude has shape {coo.shape}, scores {scores.shape}")
        scores[coo.row, coo.col] = -np.inf
    k = min(k, n_items)
    if k <= 0 or n_rows == 0:
        return np.zeros((n_rows, max(k, 0)), dtype=np.int64)
    # the k-th largest score per row; take everything above it, then the tied items at it
    # with the lowest indices, so the cut is deterministic even with many ties (popularity)
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1 : k]
    above = scores > kth
    tied = scores == kth
    need = k - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= need))
    part = np.nonzero(chosen)[1].reshape(n_rows, k)
    values = np.take_along_axis(scores, part, axis=1)
    order = np.lexsort((part, -values), axis=-1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)


def hit_matrix(top: np.ndarray, truth: sp.csr_matrix) -> np.ndarray:
    """Boolean ``(n_users, k)``: is ``top[u, j]`` one of user ``u``'s held-out items?

    ``truth`` is users × items (row ``u`` aligned with ``top[u]``). Vectorised: each
    (row, item) pair becomes one int64 key and is looked up in the sorted keys of ``truth``.
    """
    truth = sp.csr_matrix(truth, copy=True)
    truth.sum_duplicates()
    truth.sort_indices()
    n_items = truth.shape[1]
    rows = np.repeat(np.arange(truth.shape[0], dtype=np.int64), np.diff(truth.indptr))
    keys = rows * n_items + truth.indices.astype(np.int64)
    if len(keys) == 0:
        return np.zeros(top.shape, dtype=bool)
    query = np.arange(top.shape[0], dtype=np.int64)[:, None] * n_items + top
    at = np.searchsorted(keys, query).clip(max=len(keys) - 1)
    return keys[at] == query


def per_user_metrics(hits: np.ndarray, pos_len: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-user hit / recall / precision / ndcg / mrr at ``k`` from a hit matrix."""
    if np.any(pos_len <= 0):
        raise ValueError("every evaluated user needs at least one held-out item")
    h = hits[:, :k].astype(np.float64)
    width = h.shape[1]
    n_hits = h.sum(axis=1)
    discounts = 1.0 / np.log2(np.arange(2, width + 2))
    ideal = np.concatenate(([0.0], np.cumsum(discounts)))
    idcg = ideal[np.minimum(pos_len, width)]
    first = np.argmax(h > 0, axis=1)
    return {
        "hit": (n_hits > 0).astype(np.float64),
        "recall": n_hits / pos_len,
        "precision": n_hits / k,
        "ndcg": (h * discounts).sum(axis=1) / idcg,
        "mrr": np.where(n_hits > 0, 1.0 / (first + 1), 0.0),
    }


def ranking_metrics(
    top: np.ndarray,
    truth: sp.csr_matrix,
    *,
    k_values: Sequence[int],
    item_popularity: np.ndarray,
) -> dict[str, float]:
    """Mean metrics over users, keyed ``"<metric>@<k>"`` (RecBole's metric names, lower case).

    ``top`` holds each evaluated user's ranked items (at least ``max(k_values)`` columns
    unless the catalog is smaller), ``truth`` their held-out items (rows aligned with
    ``top``; every row non-empty), ``item_popularity`` the training interaction count per
    item (its length is the catalog size used for coverage).
    """
    truth = sp.csr_matrix(truth)
    pos_len = np.diff(truth.indptr).astype(np.int64)
    if top.shape[0] != truth.shape[0]:
        raise ValueError(f"{top.shape[0]} ranked users but {truth.shape[0]} truth rows")
    hits = hit_matrix(top, truth)
    pop = np.asarray(item_popularity, dtype=np.float64)
    out: dict[str, float] = {}
    for k in sorted(set(k_values)):
        for name, values in per_user_metrics(hits, pos_len, k).items():
            out[f"{name}@{k}"] = float(values.mean()) if len(values) else 0.0
        cut = top[:, :k]
        out[f"itemcoverage@{k}"] = float(len(np.unique(cut)) / len(pop)) if len(pop) else 0.0
        out[f"averagepopularity@{k}"] = float(pop[cut].mean(axis=1).mean()) if cut.size else 0.0
    return out
