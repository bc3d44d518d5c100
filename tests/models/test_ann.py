"""Approximate neighbour search against exact search, on small random vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recpilot.models.ann import AnnSettings, VectorIndex, recall_at_k
from recpilot.models.embedders import normalize_rows


def clustered(n: int, d: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres (item vectors have such structure)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, d))
    return normalize_rows(centres[rng.integers(0, clusters, n)] + 0.6 * rng.normal(size=(n, d)))


@pytest.mark.parametrize(
    "settings",
    [
        AnnSettings(threshold=500, kind="ivf", nprobe=16),
        AnnSettings(threshold=500, kind="hnsw", ef_search=64),
    ],
    ids=["ivf", "hnsw"],
)
def test_recall_at_10_against_exact(settings: AnnSettings) -> None:
    vectors = clustered(4000)
    queries = clustered(100, seed=1)
    index = VectorIndex(vectors, settings)
    assert index.approximate and index.method == f"faiss-{settings.kind}"
    found, _ = index.search(queries, 10)
    truth, _ = index.search(queries, 10, exact=True)
    assert recall_at_k(found, truth) >= 0.9
    # brute force agrees with the exact index
    brute = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    assert recall_at_k(truth, brute) == 1.0


def test_below_the_threshold_search_is_exact() -> None:
    vectors = clustered(300)
    index = VectorIndex(vectors, AnnSettings(threshold=1000))
    assert not index.approximate and index.method == "exact"
    ids, scores = index.nearest(vectors[7], 5, exclude=np.array([7]))
    expected = [i for i in np.argsort(-(vectors @ vectors[7])) if i != 7][:5]
    assert ids.tolist() == expected
    assert np.all(np.diff(scores) <= 1e-6)
    assert len(index.nearest(np.zeros(32, np.float32), 5)[0]) == 0  # an empty query finds nothing


def test_an_approximate_index_is_saved_and_read_back(tmp_path: Path) -> None:
    vectors = clustered(2000)
    settings = AnnSettings(threshold=100, nprobe=8)
    built = VectorIndex(vectors, settings).load_or_build(tmp_path / "ann")
    files = list(tmp_path.glob("ann-*.faiss"))
    assert len(files) == 1
    loaded = VectorIndex(vectors, settings).load_or_build(tmp_path / "ann")
    assert loaded.index().ntotal == 2000
    np.testing.assert_array_equal(
        built.search(vectors[:5], 10)[0], loaded.search(vectors[:5], 10)[0]
    )
    # an index for other vectors is not trusted: rebuilt for these
    fewer = VectorIndex(vectors[:1500], settings).load_or_build(tmp_path / "ann")
    assert fewer.index().ntotal == 1500


def test_recall_counts_shared_items() -> None:
    assert recall_at_k(np.array([[1, 2, 3]]), np.array([[3, 4, 5]])) == pytest.approx(1 / 3)
    assert recall_at_k(np.array([[1, -1]]), np.array([[1, -1]])) == 1.0
