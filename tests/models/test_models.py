"""Model-specific behaviour, with expected values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from modeldata import N_ITEMS

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError
from recpilot.models.ease import EASE, EASEConfig
from recpilot.models.implicit_mf import ALS, BPR, ALSConfig, BPRConfig
from recpilot.models.itemknn import ItemKNN, ItemKNNConfig
from recpilot.models.popularity import Popularity
from recpilot.models.sasrec import SASRec, SASRecConfig, training_windows


def tiny() -> InteractionData:
    """u0 {a, b}, u1 {a, b}, u2 {b, c}: |U_a|=2, |U_b|=3, |U_c|=1, a·b=2, b·c=1, a·c=0."""
    return InteractionData.from_ids(
        ["u0", "u0", "u1", "u1", "u2", "u2"], ["a", "b", "a", "b", "b", "c"]
    )


def test_popularity_counts_distinct_users() -> None:
    data = InteractionData.from_ids(["u0", "u0", "u1", "u2"], ["a", "a", "a", "b"])
    scores = Popularity().fit(data).score([[1], []])
    np.testing.assert_array_equal(scores, [[2.0, 1.0], [2.0, 1.0]])  # a: u0 (twice) + u1


def test_itemknn_cosine_by_hand() -> None:
    model = ItemKNN(ItemKNNConfig(shrink=0.0)).fit(tiny())  # plain cosine
    s = model.score([[0], [2]])
    np.testing.assert_allclose(s[0], [0.0, 2 / np.sqrt(6), 0.0], rtol=1e-6)
    np.testing.assert_allclose(s[1], [0.0, 1 / np.sqrt(3), 0.0], rtol=1e-6)


def test_itemknn_shrink_and_k() -> None:
    shrunk = ItemKNN(ItemKNNConfig(shrink=1.0, k=50)).fit(tiny())
    np.testing.assert_allclose(shrunk.score([[0]])[0, 1], 2 / (np.sqrt(6) + 1), rtol=1e-6)
    # b's neighbours are a (0.816) and c (0.577); k=1 keeps only a
    one = ItemKNN(ItemKNNConfig(k=1, shrink=0.0)).fit(tiny())
    np.testing.assert_allclose(one.score([[1]])[0], [2 / np.sqrt(6), 0.0, 0.0], rtol=1e-6)


def test_ease_matches_closed_form() -> None:
    data = tiny()
    reg = 2.0
    x = data.matrix().toarray().astype(np.float64)
    p = np.linalg.inv(x.T @ x + reg * np.eye(3))
    b = np.eye(3) - p / np.diag(p)  # B = I - P diag(1/diag P): zero diagonal
    model = EASE(EASEConfig(reg=reg)).fit(data)
    np.testing.assert_allclose(np.diag(model.weights), 0.0, atol=1e-7)
    np.testing.assert_allclose(model.score([[0, 2]])[0], b[0] + b[2], rtol=1e-5, atol=1e-6)


def test_ease_refuses_large_catalogs_with_advice() -> None:
    with pytest.raises(ModelError, match="max_items"):
        EASE(EASEConfig(max_items=2)).fit(tiny())


def test_als_fold_in_matches_implicit_recalculate_user(blocks: InteractionData) -> None:
    from implicit.cpu.als import AlternatingLeastSquares

    config = ALSConfig(embedding_size=8, epochs=5, reg=0.5, alpha=4.0)
    model = ALS(config).fit(blocks)
    reference = AlternatingLeastSquares(factors=8, regularization=0.5, alpha=4.0)
    reference.item_factors = model.item_factors
    history = [0, 3, 5]
    row = sp.csr_matrix((np.ones(3, np.float32), ([0, 0, 0], history)), shape=(1, N_ITEMS))
    expected = reference.recalculate_user(0, row)
    np.testing.assert_allclose(model.user_factors([np.array(history)])[0], expected, rtol=1e-4)


def test_bpr_folds_in_mean_factor_plus_bias(blocks: InteractionData) -> None:
    model = BPR(BPRConfig(embedding_size=4, epochs=5)).fit(blocks)
    vectors, bias = model.item_factors[:, :-1], model.item_factors[:, -1]
    expected = vectors @ vectors[[1, 2]].mean(axis=0) + bias
    np.testing.assert_allclose(model.score([[1, 2]])[0], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls", [ALS, BPR, SASRec])
def test_epoch_callback_sees_every_epoch(cls, blocks: InteractionData) -> None:
    small = {"num_threads": 1, "embedding_size": 8, "num_layers": 1, "num_heads": 1}
    config = cls.config_class(epochs=3, **(small if cls is SASRec else {}))
    model = cls(config)
    seen: list[tuple[int, int]] = []
    model.epoch_callback = lambda done, total, loss: seen.append((done, total))
    model.fit(blocks)
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_training_windows_cover_each_transition_once() -> None:
    # items 0..5 → 1-based 1..6; max_len 2 → windows of 3, cut from the end
    windows = training_windows([np.arange(6)], max_len=2)
    np.testing.assert_array_equal(windows, [[4, 5, 6], [2, 3, 4], [1, 2, 0]])
    pairs = {(int(w[i]), int(w[i + 1])) for w in windows for i in range(2) if w[i + 1]}
    assert pairs == {(1, 2), (2, 3), (3, 4), (4, 5), (5, 6)}
    assert sum(int((w[1:] > 0).sum()) for w in windows) == 5  # no transition twice
    assert training_windows([np.array([3])], max_len=4).shape == (0, 5)  # nothing to predict


def test_sasrec_learns_a_repeating_cycle() -> None:
    # every user watches a→b→c→d→e→a→b→... from a random start; after [a, b] comes c
    rng = np.random.default_rng(0)
    users, items = [], []
    for u in range(40):
        start = int(rng.integers(5))
        for t in range(12):
            users.append(f"u{u}")
            items.append("abcde"[(start + t) % 5])
    data = InteractionData.from_ids(users, items, timestamps=list(range(len(users))))
    config = SASRecConfig(
        embedding_size=16, num_layers=1, num_heads=1, max_len=6, epochs=15,
        batch_size=16, learning_rate=0.01, dropout=0.0, num_threads=1,
    )  # fmt: skip
    model = SASRec(config).fit(data)
    a, b, c, d, e = (data.item_index[x] for x in "abcde")
    assert int(np.argmax(model.score([[a, b]])[0])) == c
    assert int(np.argmax(model.score([[c, d, e]])[0])) == a
    # order matters (unlike a bag-of-items model): after ...b, a the next item is b again
    assert int(np.argmax(model.score([[b, a]])[0])) == b


def test_sasrec_leaves_global_torch_rng_alone(blocks: InteractionData) -> None:
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    SASRec(SASRecConfig(epochs=1, embedding_size=8, num_heads=1, num_threads=1)).fit(blocks)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())
