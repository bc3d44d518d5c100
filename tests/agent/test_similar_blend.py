"""'Like X' leans to X's categories: among items the CF model scores alike, the one sharing
the seed's category comes first; items never co-watched get no category bonus."""

from __future__ import annotations

import numpy as np

from recpilot.catalog.interactions import InteractionData
from recpilot.models.registry import make_model
from recpilot.tools.suite import ModelSuite


def test_category_overlap_breaks_a_cf_tie_but_adds_nothing_without_co_watching() -> None:
    # Item 0 is the seed; users watch 0 with 1 and 0 with 2 equally often; 3 is never watched
    # with 0. Items 0 and 2 share a category; 1 and 3 have another.
    pairs = [(u, 0) for u in range(20)] + [(u, 1) for u in range(10)]
    pairs += [(u, 2) for u in range(10, 20)] + [(u, 3) for u in range(20, 30)]
    users, items = zip(*pairs, strict=True)
    data = InteractionData.from_ids([f"u{u}" for u in users], [f"i{i}" for i in items])
    similar = make_model("itemknn", similarity="pmi", shrink=0.0).fit(data)
    ids = [str(i) for i in data.item_ids]
    cats = np.zeros((4, 2), dtype=np.float32)
    for item, cat in (("i0", 0), ("i2", 0), ("i1", 1), ("i3", 1)):
        cats[ids.index(item), cat] = 1.0
    plain = ModelSuite(
        item_ids=ids,
        personal=similar,
        similar=similar,
        popularity=np.asarray(data.item_popularity()),
    )
    blended = ModelSuite(
        item_ids=ids,
        personal=similar,
        similar=similar,
        popularity=np.asarray(data.item_popularity()),
        categories=cats,
    )
    base, _ = plain.similar_scores(["i0"])
    scores, method = blended.similar_scores(["i0"])
    k = {i: ids.index(i) for i in ids}
    assert base[k["i1"]] == base[k["i2"]]  # the CF model cannot tell them apart
    assert scores[k["i2"]] > scores[k["i1"]] and method == "item-CF + categories"
    assert scores[k["i3"]] == base[k["i3"]]  # not co-watched: no bonus
