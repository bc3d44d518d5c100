"""The one contract every recommender honours, run for each registered model."""

from __future__ import annotations

import numpy as np
import pytest
from modeldata import BLOCK_A, BLOCK_B, COLD, N_ITEMS

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError
from recpilot.models.base import Recommender
from recpilot.models.registry import make_model, model_names

# small, fast configs; every model is seeded where it has randomness
FAST: dict[str, dict[str, object]] = {
    "pop": {},
    "itemknn": {"k": 20},
    "ease": {"reg": 100.0},
    "als": {"embedding_size": 8, "epochs": 10, "reg": 5.0, "seed": 3},  # tiny data: strong reg
    "bpr": {"embedding_size": 8, "epochs": 200, "learning_rate": 0.05, "seed": 3},
    "sasrec": {
        "embedding_size": 16, "num_layers": 1, "num_heads": 1, "max_len": 8,
        "epochs": 10, "batch_size": 32, "learning_rate": 0.01, "dropout": 0.1, "seed": 3,
        "num_threads": 1,
    },
    "text": {"embedder": "hashing", "embedding_size": 128},
}  # fmt: skip

# Registered models under non-default settings that must honour the contract as well.
VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "itemknn-pmi": ("itemknn", {"similarity": "pmi", "shrink": 100.0}),
}
CONTRACT = [*model_names(), *VARIANTS]


def build(name: str) -> Recommender:
    if name in VARIANTS:
        model, settings = VARIANTS[name]
        return make_model(model, **{**FAST[model], **settings})
    return make_model(name, **FAST[name])


def test_every_model_has_a_contract_config() -> None:
    assert sorted(FAST) == sorted(model_names())


@pytest.fixture(scope="module", params=CONTRACT)
def fitted(request: pytest.FixtureRequest, blocks: InteractionData) -> Recommender:
    """Each model fitted once for the module (fitting is the slow part), read-only after."""
    return build(request.param).fit(blocks)


HISTORIES = [[0, 1, 2], [10, 11], [3], []]


def test_score_shapes_and_dtype(fitted: Recommender) -> None:
    full = fitted.score(HISTORIES)
    assert full.shape == (len(HISTORIES), N_ITEMS)
    assert full.dtype == np.float32
    assert np.isfinite(full).all()
    assert fitted.score([]).shape == (0, N_ITEMS)
    sub = fitted.score(HISTORIES, candidates=[5, 0, 12])
    assert sub.shape == (len(HISTORIES), 3)
    np.testing.assert_array_equal(sub, full[:, [5, 0, 12]])


def test_unknown_candidates_score_nan(fitted: Recommender) -> None:
    out = fitted.score([[0, 1]], candidates=[0, -1, N_ITEMS, 7, 10_000])
    assert np.isnan(out[0, [1, 2, 4]]).all()
    assert np.isfinite(out[0, [0, 3]]).all()


def test_unknown_history_ids_are_ignored(fitted: Recommender) -> None:
    np.testing.assert_array_equal(fitted.score([[0, -5, 1, N_ITEMS, 99]]), fitted.score([[0, 1]]))


def test_batch_equals_single(fitted: Recommender) -> None:
    batch = fitted.score(HISTORIES)
    for row, history in enumerate(HISTORIES):
        np.testing.assert_allclose(fitted.score([history])[0], batch[row], rtol=1e-5, atol=1e-6)


def test_similar_excludes_seeds_and_is_sorted(fitted: Recommender) -> None:
    seeds = [0, 1, 2]
    idx, scores = fitted.similar(seeds, k=5)
    assert len(idx) == 5 and len(scores) == 5
    assert not set(idx.tolist()) & set(seeds)
    assert np.all(np.diff(scores) <= 1e-6)
    assert len(set(idx.tolist())) == 5
    empty_idx, _ = fitted.similar([], k=5)
    assert len(empty_idx) == 0


def test_save_load_round_trip(fitted: Recommender, tmp_path) -> None:
    fitted.save(tmp_path / "artifact")
    loaded = type(fitted).load(tmp_path / "artifact")
    assert loaded.config == fitted.config
    np.testing.assert_array_equal(loaded.score(HISTORIES), fitted.score(HISTORIES))
    np.testing.assert_array_equal(loaded.similar([0, 1], k=4)[0], fitted.similar([0, 1], k=4)[0])


def test_load_refuses_another_models_artifact(fitted: Recommender, tmp_path) -> None:
    fitted.save(tmp_path / "artifact")
    other = make_model("ease" if fitted.name != "ease" else "pop")
    with pytest.raises(ModelError, match="holds a"):
        type(other).load(tmp_path / "artifact")


@pytest.mark.parametrize("name", CONTRACT)
def test_same_seed_same_scores(name: str, blocks: InteractionData) -> None:
    if name == "sasrec":  # keep the fast suite fast: SASRec determinism on a shorter run
        first = make_model(name, **{**FAST[name], "epochs": 3}).fit(blocks)
        second = make_model(name, **{**FAST[name], "epochs": 3}).fit(blocks)
    else:
        first, second = build(name).fit(blocks), build(name).fit(blocks)
    np.testing.assert_array_equal(first.score(HISTORIES), second.score(HISTORIES))


@pytest.mark.parametrize("name", CONTRACT)
def test_not_fitted_raises(name: str, tmp_path) -> None:
    model = build(name)
    with pytest.raises(ModelError, match="not fitted"):
        model.score([[0]])
    with pytest.raises(ModelError, match="not fitted"):
        model.similar([0])
    with pytest.raises(ModelError, match="not fitted"):
        model.save(tmp_path / "x")


def _own_and_other(history: list[int]) -> tuple[list[int], list[int]]:
    """The history's own block (plus the cold item whose text is of that genre) and the
    other block."""
    if history[0] in BLOCK_A:
        return [*BLOCK_A, COLD[0]], BLOCK_B
    return [*BLOCK_B, COLD[1]], BLOCK_A


@pytest.mark.parametrize("history", [[0, 1, 2], [4], [12, 17]])
def test_planted_blocks(fitted: Recommender, history: list[int]) -> None:
    if fitted.name == "pop":
        pytest.skip("popularity ignores the history by design")
    own, other = _own_and_other(history)
    scores = fitted.score([history])[0]
    ranked = [i for i in np.argsort(-scores, kind="stable").tolist() if i not in history]
    assert set(ranked[:4]) <= set(own), ranked[:4]
    assert scores[[i for i in BLOCK_A + BLOCK_B if i in own and i not in history]].mean() > (
        scores[other].mean()
    )
    idx, _ = fitted.similar(history, k=3)
    assert set(idx.tolist()) <= set(own)
