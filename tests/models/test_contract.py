"""The one contract every recommender honours (:class:`recpilot.testing.models.
RecommenderContract`), run for each registered model and for registered variants."""

from __future__ import annotations

import pytest

from recpilot.models.base import Recommender
from recpilot.models.registry import make_model, model_names
from recpilot.testing.models import Factory, RecommenderContract

# small, fast configs; every model is seeded where it has randomness
FAST: dict[str, dict[str, object]] = {
    "pop": {},
    "itemknn": {"k": 20},
    "ease": {"reg": 100.0},
    "slim": {"reg": 0.01, "l1_ratio": 0.1, "seed": 3},
    "gfcf": {"k": 4, "alpha": 0.5},
    "bspm": {"k": 4},
    "als": {"embedding_size": 8, "epochs": 10, "reg": 5.0, "seed": 3},  # tiny data: strong reg
    "bpr": {"embedding_size": 8, "epochs": 200, "learning_rate": 0.05, "seed": 3},
    "multvae": {"hidden_size": 32, "embedding_size": 8, "epochs": 30, "batch_size": 20,
                "learning_rate": 0.01, "anneal_steps": 100, "seed": 3},
    "recvae": {"hidden_size": 32, "embedding_size": 8, "epochs": 15, "batch_size": 20,
               "learning_rate": 0.01, "seed": 3},
    "sasrec": {
        "embedding_size": 16, "num_layers": 1, "num_heads": 1, "max_len": 8,
        "epochs": 10, "batch_size": 32, "learning_rate": 0.01, "dropout": 0.1, "seed": 3,
        "num_threads": 1,
    },
    "text": {"embedder": "hashing", "embedding_size": 128},
    "ensemble": {"members": [
        {"model": "ease", "weight": 1.0, "settings": {"reg": 100.0}},
        {"model": "gfcf", "weight": 0.5, "settings": {"k": 4}},
        {"model": "itemknn", "weight": 0.25},
    ]},
}  # fmt: skip

# Registered models under non-default settings that must honour the contract as well.
VARIANTS: dict[str, tuple[str, dict[str, object]]] = {
    "itemknn-pmi": ("itemknn", {"similarity": "pmi", "shrink": 100.0}),
    "gfcf-full-svd": ("gfcf", {"k": 64}),  # k above the data's rank: the dense SVD
    # the last sharpening state alone, after a mild sharpening (a long one on these tiny
    # blocks cancels their one smooth signal, which is all they have)
    "bspm-last-step": ("bspm", {"combine_steps": False, "blur_steps": 2, "sharpen_time": 0.5}),
}
CONTRACT = [*model_names(), *VARIANTS]


def build(name: str) -> Recommender:
    if name in VARIANTS:
        model, settings = VARIANTS[name]
        return make_model(model, **{**FAST[model], **settings})
    return make_model(name, **FAST[name])


def test_every_model_has_a_contract_config() -> None:
    assert sorted(FAST) == sorted(model_names())


class TestRegisteredModels(RecommenderContract):
    @pytest.fixture(scope="class", params=CONTRACT)
    @classmethod
    def factory(cls, request: pytest.FixtureRequest) -> Factory:
        name = str(request.param)
        return lambda: build(name)

    @pytest.fixture(scope="class")
    @classmethod
    def ignores_history(cls, factory: Factory) -> bool:
        return factory().name == "pop"  # popularity ranks without the history, by design
