"""Popularity-debiased item similarity: ItemKNN with ``similarity="pmi"``.

The planted world: a blockbuster that nearly everyone watched, and a niche pair whose fans
watch nothing else but the blockbuster. "Like the niche film" must mean its partner, not
the blockbuster; cosine gets this wrong, which the test asserts so that it shows the
difference.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.models.itemknn import ItemKNN, ItemKNNConfig
from recpilot.models.registry import make_model

BLOCKBUSTER, NICHE, PARTNER = 0, 1, 2
FILLERS = list(range(3, 13))
PMI = ItemKNNConfig(similarity="pmi", shrink=100.0)  # the setting measured in docs


def planted(seed: int = 0) -> InteractionData:
    """200 users. The first 20 watch the niche film and the blockbuster, and 4 of them
    the niche partner too (nothing else). The next 160 watch the blockbuster and 3 random
    fillers; the last 20 watch 3 fillers only. So the blockbuster (180 users) co-occurs
    with everything, and the niche pair co-occurs only with each other and the blockbuster."""
    rng = np.random.default_rng(seed)
    users: list[str] = []
    items: list[str] = []
    for u in range(200):
        watched: list[int] = []
        if u < 20:
            watched = [NICHE, BLOCKBUSTER] + ([PARTNER] if u < 4 else [])
        else:
            watched = [BLOCKBUSTER] if u < 180 else []
            watched += rng.choice(FILLERS, size=3, replace=False).tolist()
        users += [f"u{u:03d}"] * len(watched)
        items += [f"i{i:02d}" for i in watched]
    return InteractionData.from_ids(users, items, item_vocab=[f"i{k:02d}" for k in range(13)])


def test_pmi_ranks_the_niche_partner_above_the_blockbuster() -> None:
    data = planted()
    debiased = ItemKNN(PMI).fit(data)
    scores = debiased.score([[NICHE]])[0]
    assert scores[PARTNER] > scores[BLOCKBUSTER]
    assert debiased.similar([NICHE], k=1)[0].tolist() == [PARTNER]


def test_cosine_ranks_the_blockbuster_first() -> None:
    """The bias the debiased similarity exists to remove: the current cosine puts the
    blockbuster above the niche partner for the niche seed."""
    data = planted()
    cosine = ItemKNN().fit(data)
    scores = cosine.score([[NICHE]])[0]
    assert scores[BLOCKBUSTER] > scores[PARTNER]
    assert cosine.similar([NICHE], k=1)[0].tolist() == [BLOCKBUSTER]


def test_pmi_by_hand() -> None:
    """u0 {a, b}, u1 {a, b}, u2 {c}, u3 {b, c}: N=4, n_a=2, n_b=3, n_c=2, c_ab=2, c_bc=1.
    PMI(a, b) = log(2·4 / (2·3)) = log(4/3), times 2/(2 + shrink); PMI(b, c) = log(4/6) < 0
    is dropped, so c has no neighbours."""
    data = InteractionData.from_ids(
        ["u0", "u0", "u1", "u1", "u2", "u3", "u3"], ["a", "b", "a", "b", "c", "b", "c"]
    )
    model = ItemKNN(ItemKNNConfig(similarity="pmi", shrink=1.0)).fit(data)
    s = model.score([[0], [1], [2]])
    expected = np.log(4 / 3) * 2 / 3
    np.testing.assert_allclose(s[0], [0.0, expected, 0.0], rtol=1e-6)
    np.testing.assert_allclose(s[1], [expected, 0.0, 0.0], rtol=1e-6)
    np.testing.assert_array_equal(s[2], [0.0, 0.0, 0.0])


def test_pmi_save_load_round_trip(tmp_path) -> None:
    model = ItemKNN(PMI).fit(planted())
    model.save(tmp_path / "pmi")
    loaded = ItemKNN.load(tmp_path / "pmi")
    assert loaded.config == PMI
    assert json.loads((tmp_path / "pmi" / "config.json").read_text())["config"] == {
        "k": 20,
        "shrink": 100.0,
        "similarity": "pmi",
    }
    histories = [[NICHE], [BLOCKBUSTER, 5], []]
    np.testing.assert_array_equal(loaded.score(histories), model.score(histories))
    np.testing.assert_array_equal(loaded.similar([NICHE], k=3)[0], model.similar([NICHE], k=3)[0])


def test_artifact_without_similarity_loads_as_cosine(tmp_path) -> None:
    """Artifacts saved before the setting existed have no ``similarity`` key: cosine."""
    model = ItemKNN().fit(planted())
    model.save(tmp_path / "old")
    path = tmp_path / "old" / "config.json"
    meta = json.loads(path.read_text())
    del meta["config"]["similarity"]
    path.write_text(json.dumps(meta))
    loaded = ItemKNN.load(tmp_path / "old")
    assert loaded.config.similarity == "cosine"
    np.testing.assert_array_equal(loaded.score([[NICHE]]), model.score([[NICHE]]))


def test_similarity_setting_is_validated() -> None:
    assert make_model("itemknn", similarity="pmi").config.similarity == "pmi"
    with pytest.raises(ConfigError, match="similarity"):
        make_model("itemknn", similarity="lift")
