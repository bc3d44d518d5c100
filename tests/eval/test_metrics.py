"""Metric values on hand-built rankings (RecBole 1.2.1 definitions)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recpilot.eval.metrics import hit_matrix, ranking_metrics, top_k_items

N_ITEMS = 10


def _truth(rows: list[list[int]]) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(c)), (r, c)), shape=(len(rows), N_ITEMS))


# user 0 ranks [3, 1, 4, 0, 2] and holds out {1, 2}: hits at ranks 2 and 5.
# user 1 ranks [0, 1, 2, 3, 4] and holds out {0..6}: 7 items, more than k = 5.
TOP = np.array([[3, 1, 4, 0, 2], [0, 1, 2, 3, 4]])
TRUTH = _truth([[1, 2], [0, 1, 2, 3, 4, 5, 6]])
POP = np.arange(N_ITEMS, dtype=float)  # item i has i training interactions


def test_hit_matrix_marks_held_out_items() -> None:
    assert hit_matrix(TOP, TRUTH).tolist() == [
        [False, True, False, False, True],
        [True, True, True, True, True],
    ]


def test_metrics_for_user_with_two_held_out_items() -> None:
    m = ranking_metrics(TOP[:1], TRUTH[:1], k_values=(1, 2, 5), item_popularity=POP)
    log2_3, log2_6 = math.log2(3), math.log2(6)
    assert m["hit@1"] == 0.0 and m["hit@2"] == 1.0  # first hit at rank 2
    assert m["recall@2"] == pytest.approx(1 / 2)  # 1 of |T| = 2
    assert m["recall@5"] == pytest.approx(1.0)  # both found
    assert m["precision@5"] == pytest.approx(2 / 5)
    # ndcg@2: dcg = 1/log2(3) (rank 2); ideal over min(|T|=2, k=2) ranks = 1 + 1/log2(3)
    assert m["ndcg@2"] == pytest.approx((1 / log2_3) / (1 + 1 / log2_3))
    # ndcg@5: dcg adds 1/log2(6) for rank 5; ideal still over 2 ranks
    assert m["ndcg@5"] == pytest.approx((1 / log2_3 + 1 / log2_6) / (1 + 1 / log2_3))
    assert m["mrr@1"] == 0.0 and m["mrr@5"] == pytest.approx(1 / 2)


def test_ideal_dcg_is_cut_at_k_not_at_test_size() -> None:
    # user 1: top 5 all relevant; |T| = 7 > 5, so IDCG covers min(7, 5) = 5 ranks → ndcg 1,
    # while recall divides by all 7 held-out items.
    m = ranking_metrics(TOP[1:], TRUTH[1:], k_values=(5,), item_popularity=POP)
    assert m["ndcg@5"] == pytest.approx(1.0)
    assert m["recall@5"] == pytest.approx(5 / 7)
    assert m["mrr@5"] == 1.0 and m["precision@5"] == 1.0


def test_means_coverage_and_popularity_over_users() -> None:
    m = ranking_metrics(TOP, TRUTH, k_values=(2, 5), item_popularity=POP)
    # recall@5 is the mean of user 0's 1.0 and user 1's 5/7
    assert m["recall@5"] == pytest.approx((1.0 + 5 / 7) / 2)
    # top-2 lists are {3, 1} and {0, 1}: 3 distinct items of 10
    assert m["itemcoverage@2"] == pytest.approx(3 / 10)
    # popularity = item index: user 0 (3+1)/2 = 2, user 1 (0+1)/2 = 0.5 → mean 1.25
    assert m["averagepopularity@2"] == pytest.approx(1.25)
    # top-5: user 0 (3+1+4+0+2)/5 = 2, user 1 (0+1+2+3+4)/5 = 2 → 2; items {0..4} → 5/10
    assert m["averagepopularity@5"] == pytest.approx(2.0)
    assert m["itemcoverage@5"] == pytest.approx(0.5)


def test_top_k_excludes_known_items_and_nan_and_breaks_ties_by_index() -> None:
    scores = np.array(
        [
            [0.5, 0.9, 0.9, np.nan, 0.1, 0.7],
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        ]
    )
    exclude = sp.csr_matrix(([1, 1], ([0, 1], [5, 5])), shape=(2, 6))
    top = top_k_items(scores, 3, exclude)
    # row 0: 0.7 (item 5) excluded, NaN dropped; 0.9 tie → items 1 then 2, then item 0
    assert top[0].tolist() == [1, 2, 0]
    # row 1: item 5 excluded → 4, 3, 2
    assert top[1].tolist() == [4, 3, 2]


def test_top_k_with_k_above_catalog_size() -> None:
    top = top_k_items(np.array([[0.1, 0.3, 0.2]]), 10)
    assert top.tolist() == [[1, 2, 0]]


def test_users_without_held_out_items_are_rejected() -> None:
    with pytest.raises(ValueError, match="held-out"):
        ranking_metrics(TOP, _truth([[1], []]), k_values=(5,), item_popularity=POP)


def test_top_k_cut_inside_a_tie_keeps_lowest_indices() -> None:
    # items 1..5 tie at 1.0 below item 0 (2.0); k = 3 must take item 0, then items 1 and 2,
    # and the top-3 must be the prefix of the top-5 (no dependence on k)
    scores = np.array([[2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]])
    assert top_k_items(scores, 3).tolist() == [[0, 1, 2]]
    assert top_k_items(scores, 5).tolist() == [[0, 1, 2, 3, 4]]
