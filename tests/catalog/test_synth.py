"""The synthetic generator: deterministic, and its planted structure shows in the data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recpilot.catalog import Catalog
from recpilot.catalog.synth import GENRES, SyntheticDataset, generate


@pytest.fixture(scope="module")
def data() -> SyntheticDataset:
    return generate(2000, 200, seed=5)


def indices(data: SyntheticDataset) -> tuple[np.ndarray, np.ndarray]:
    users = data.interactions["user_id"].combine_chunks().indices.to_numpy()
    items = data.interactions["item_id"].combine_chunks().indices.to_numpy()
    return users, items


def test_same_seed_same_data_different_seed_different() -> None:
    a, b, c = generate(300, 40, seed=1), generate(300, 40, seed=1), generate(300, 40, seed=2)
    assert a.items.equals(b.items)
    assert a.interactions.equals(b.interactions)
    assert np.array_equal(a.user_primary, b.user_primary)
    assert not a.items.equals(c.items)
    assert not np.array_equal(a.item_cluster, c.item_cluster)


def test_sizes(data: SyntheticDataset) -> None:
    assert data.items.num_rows == data.n_items == 2000
    assert data.n_users == 200
    # 20 per user by default: Poisson counts around 4000 in total, no repeated pairs.
    assert 3600 <= data.interactions.num_rows <= 4400
    users, items = indices(data)
    assert len(np.unique(users * 2000 + items)) == len(users)


def test_users_interact_mostly_with_their_clusters(data: SyntheticDataset) -> None:
    users, items = indices(data)
    cluster = data.item_cluster[items]
    in_taste = (cluster == data.user_primary[users]) | (cluster == data.user_secondary[users])
    # 90% are drawn from the preferred clusters; chance alone would give about 1.5/8.
    assert in_taste.mean() > 0.8
    ratings = data.interactions["rating"].to_numpy()
    assert ratings[in_taste].mean() - ratings[~in_taste].mean() > 1.5  # planted 4.4 vs 2.3


def test_first_genre_is_the_cluster(data: SyntheticDataset) -> None:
    first = [g[0] for g in data.items["genres"].to_pylist()]
    assert first == [GENRES[c] for c in data.item_cluster]
    assert data.genres == GENRES[:8]


def test_popular_items_get_more_interactions(data: SyntheticDataset) -> None:
    _, items = indices(data)
    counts = np.bincount(items, minlength=data.n_items)
    order = np.argsort(-data.popularity)
    assert counts[order[:20]].mean() > 5 * counts[order[-1000:]].mean()
    # top_items is ordered by planted popularity within the cluster
    top = data.top_items(0, 3)
    weights = [data.popularity[int(i[1:])] for i in top]
    assert weights == sorted(weights, reverse=True)
    assert all(data.item_cluster[int(i[1:])] == 0 for i in top)


def test_timestamps_increase_per_user(data: SyntheticDataset) -> None:
    users, _ = indices(data)
    stamps = data.interactions["timestamp"].to_numpy()
    same_user = np.diff(users) == 0
    assert np.all(np.diff(users) >= 0)
    assert np.all(np.diff(stamps)[same_user] > 0)


def test_written_catalog_matches(tmp_path: Path, data: SyntheticDataset) -> None:
    data.write(tmp_path / "s.duckdb", "s")
    with Catalog.open(tmp_path / "s.duckdb") as cat:
        stats = cat.stats()
        assert (stats.n_items, stats.n_users) == (2000, 200)
        assert stats.n_interactions == data.interactions.num_rows
        inter = cat.interactions()
        # A user's strongest cluster shows in the catalog's own interaction record.
        u = inter.user_index["u0"]
        seen = inter.items[inter.users == u]
        clusters = np.bincount(data.item_cluster[seen], minlength=8)
        assert int(np.argmax(clusters)) in data.preferred_clusters(0)
