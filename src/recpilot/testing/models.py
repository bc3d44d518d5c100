"""The contract every recommender honours, shipped so a new model proves itself with one
subclass (as LensKit's ``ScorerTests``)::

    from recpilot.testing.models import RecommenderContract

    class TestMyModel(RecommenderContract):
        @pytest.fixture(scope="class")
        @classmethod
        def factory(cls):
            return lambda: MyModel(MyConfig(...))

The data has planted structure (:func:`block_data`): two blocks of items that no user
crosses, so every collaborative model must rank a history's own block above the other.
Fitting, scoring shapes, unknown ids (NaN, never an exception), batch == single,
``similar``, save/load round trip, determinism and "not fitted" errors are checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError
from recpilot.models.base import Recommender
from recpilot.models.registry import make_model

BLOCK_A = list(range(0, 10))  # sci-fi block
BLOCK_B = list(range(10, 20))  # romance block
COLD = [20, 21]  # in the vocabulary, never interacted with
N_ITEMS = 22
PER_BLOCK = 100  # users per block

SCIFI = ["space", "alien", "starship", "galaxy", "robot", "planet", "laser", "orbit"]
ROMANCE = ["love", "romance", "wedding", "heart", "kiss", "paris", "letter", "dance"]


def item_texts() -> list[str]:
    texts = []
    for k in range(N_ITEMS):
        words = SCIFI if k in BLOCK_A or k == 20 else ROMANCE
        texts.append(f"movie {k}: " + " ".join(words[(k + j) % len(words)] for j in range(6)))
    return texts


def block_data(seed: int = 0) -> InteractionData:
    """PER_BLOCK users each watch 6 items of block A in random order, as many 6 of block B.

    No user crosses blocks, so every collaborative model must rank the history's own block
    above the other block.
    """
    rng = np.random.default_rng(seed)
    users, items, times = [], [], []
    for u in range(2 * PER_BLOCK):
        block = BLOCK_A if u < PER_BLOCK else BLOCK_B
        for t, item in enumerate(rng.choice(block, size=6, replace=False)):
            users.append(f"u{u:02d}")
            items.append(f"i{item:02d}")
            times.append(t)
    return InteractionData.from_ids(
        users,
        items,
        item_vocab=[f"i{k:02d}" for k in range(N_ITEMS)],
        timestamps=times,
        item_texts=item_texts(),
    )


def random_interactions(
    n_users: int, n_items: int, density: float, seed: int = 0
) -> InteractionData:
    """Random binary interactions; the last item is never seen (for cold-item checks)."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n_users, n_items)) < density
    dense[:, n_items - 1] = False
    users, items = np.nonzero(dense)
    return InteractionData.from_ids(
        [f"u{u}" for u in users],
        [f"i{i}" for i in items],
        item_vocab=[f"i{i}" for i in range(n_items)],
    )


HISTORIES = [[0, 1, 2], [10, 11], [3], []]
Factory = Callable[[], Recommender]


def _own_and_other(history: list[int]) -> tuple[list[int], list[int]]:
    """The history's own block (plus the cold item whose text is of that genre) and the
    other block."""
    if history[0] in BLOCK_A:
        return [*BLOCK_A, COLD[0]], BLOCK_B
    return [*BLOCK_B, COLD[1]], BLOCK_A


class RecommenderContract:
    """Subclass and provide a ``factory`` fixture: a callable that returns a fresh, unfitted
    model (same settings every call)."""

    @pytest.fixture(scope="class")
    @classmethod
    def ignores_history(cls) -> bool:
        """Override (True) for a model that ranks without the history, as popularity does."""
        return False

    @pytest.fixture(scope="class")
    @classmethod
    def factory(cls) -> Factory:
        raise NotImplementedError("subclass RecommenderContract and provide a 'factory' fixture")

    @pytest.fixture(scope="class")
    @classmethod
    def blocks(cls) -> InteractionData:
        return block_data()

    @pytest.fixture(scope="class")
    @classmethod
    def fitted(cls, factory: Factory, blocks: InteractionData) -> Recommender:
        """Fitted once per class (fitting is the slow part), read-only after."""
        return factory().fit(blocks)

    def test_score_shapes_and_dtype(self, fitted: Recommender) -> None:
        full = fitted.score(HISTORIES)
        assert full.shape == (len(HISTORIES), N_ITEMS)
        assert full.dtype == np.float32
        assert np.isfinite(full).all()
        assert fitted.score([]).shape == (0, N_ITEMS)
        sub = fitted.score(HISTORIES, candidates=[5, 0, 12])
        assert sub.shape == (len(HISTORIES), 3)
        np.testing.assert_array_equal(sub, full[:, [5, 0, 12]])

    def test_unknown_candidates_score_nan(self, fitted: Recommender) -> None:
        out = fitted.score([[0, 1]], candidates=[0, -1, N_ITEMS, 7, 10_000])
        assert np.isnan(out[0, [1, 2, 4]]).all()
        assert np.isfinite(out[0, [0, 3]]).all()

    def test_unknown_history_ids_are_ignored(self, fitted: Recommender) -> None:
        np.testing.assert_array_equal(
            fitted.score([[0, -5, 1, N_ITEMS, 99]]), fitted.score([[0, 1]])
        )

    def test_batch_equals_single(self, fitted: Recommender) -> None:
        batch = fitted.score(HISTORIES)
        for row, history in enumerate(HISTORIES):
            np.testing.assert_allclose(fitted.score([history])[0], batch[row], rtol=1e-5, atol=1e-6)

    def test_similar_excludes_seeds_and_is_sorted(self, fitted: Recommender) -> None:
        seeds = [0, 1, 2]
        idx, scores = fitted.similar(seeds, k=5)
        assert len(idx) == 5 and len(scores) == 5
        assert not set(idx.tolist()) & set(seeds)
        assert np.all(np.diff(scores) <= 1e-6)
        assert len(set(idx.tolist())) == 5
        empty_idx, _ = fitted.similar([], k=5)
        assert len(empty_idx) == 0

    def test_save_load_round_trip(self, fitted: Recommender, tmp_path: Path) -> None:
        fitted.save(tmp_path / "artifact")
        loaded = type(fitted).load(tmp_path / "artifact")
        assert loaded.config == fitted.config
        np.testing.assert_array_equal(loaded.score(HISTORIES), fitted.score(HISTORIES))
        np.testing.assert_array_equal(
            loaded.similar([0, 1], k=4)[0], fitted.similar([0, 1], k=4)[0]
        )

    def test_load_refuses_another_models_artifact(
        self, fitted: Recommender, tmp_path: Path
    ) -> None:
        fitted.save(tmp_path / "artifact")
        other = make_model("ease" if fitted.name != "ease" else "pop")
        with pytest.raises(ModelError, match="holds a"):
            type(other).load(tmp_path / "artifact")

    def test_same_seed_same_scores(self, factory: Factory, blocks: InteractionData) -> None:
        first, second = factory().fit(blocks), factory().fit(blocks)
        np.testing.assert_array_equal(first.score(HISTORIES), second.score(HISTORIES))

    def test_not_fitted_raises(self, factory: Factory, tmp_path: Path) -> None:
        model = factory()
        with pytest.raises(ModelError, match="not fitted"):
            model.score([[0]])
        with pytest.raises(ModelError, match="not fitted"):
            model.similar([0])
        with pytest.raises(ModelError, match="not fitted"):
            model.save(tmp_path / "x")

    @pytest.mark.parametrize("history", [[0, 1, 2], [4], [12, 17]])
    def test_planted_blocks(
        self, fitted: Recommender, history: list[int], ignores_history: bool
    ) -> None:
        if ignores_history:
            pytest.skip("this model ignores the history by design")
        own, other = _own_and_other(history)
        scores = fitted.score([history])[0]
        ranked = [i for i in np.argsort(-scores, kind="stable").tolist() if i not in history]
        assert set(ranked[:4]) <= set(own), ranked[:4]
        in_own = [i for i in BLOCK_A + BLOCK_B if i in own and i not in history]
        assert scores[in_own].mean() > scores[other].mean()
        idx, _ = fitted.similar(history, k=3)
        assert set(idx.tolist()) <= set(own)
