"""The model choice policy: EASE where its dense matrix fits, sparse or factor models above."""

from __future__ import annotations

import pytest

from recpilot.errors import ConfigError
from recpilot.models.choice import (
    ENV_OVERRIDES,
    CatalogShape,
    ChoicePolicy,
    choose_models,
    ease_peak_bytes,
    parse_bytes,
)

SMALL = CatalogShape(n_items=1_000, n_users=500, n_interactions=20_000)
PLENTY = ChoicePolicy(memory_bytes=2**40)


def test_small_catalog_gets_ease_and_exact_search() -> None:
    choice = choose_models(SMALL, PLENTY)
    assert choice.personal.name == "ease"
    assert choice.similar.name == "itemknn"
    assert (
        choice.similar.config is not None
        and choice.similar.config.model_dump()["similarity"] == "pmi"
    )
    assert choice.embedder == "minilm"
    assert not choice.ann
    assert "dense EASE fits" in choice.reasons["personal"]


def test_above_the_item_limit_no_ease() -> None:
    policy = ChoicePolicy(ease_max_items=500, memory_bytes=2**40)
    choice = choose_models(SMALL, policy)
    assert choice.personal.name == "als"  # 20 interactions per item: enough for factors
    assert "1,000 items > 500" in choice.reasons["personal"]


def test_a_dense_matrix_that_does_not_fit_the_memory_budget() -> None:
    # Under the item limit, but the injected budget is smaller than EASE's peak.
    budget = ease_peak_bytes(SMALL.n_items) // 2
    choice = choose_models(SMALL, ChoicePolicy(memory_bytes=budget, memory_fraction=1.0))
    assert choice.personal.name != "ease"
    assert "over" in choice.reasons["personal"]
    roomy = ChoicePolicy(memory_bytes=ease_peak_bytes(SMALL.n_items), memory_fraction=1.0)
    assert choose_models(SMALL, roomy).personal.name == "ease"


def test_sparse_catalog_gets_itemknn_for_both_roles() -> None:
    sparse = CatalogShape(n_items=1_000_000, n_users=200_000, n_interactions=300_000)
    choice = choose_models(sparse, PLENTY)
    assert choice.personal.name == "itemknn"
    # one model serves both roles, trained once with the similarity config
    assert choice.specs() == [choice.similar]
    assert choice.embedder == "hashing"
    assert choice.ann


def test_million_items_get_als_hashing_and_ann() -> None:
    big = CatalogShape(n_items=1_000_000, n_users=200_000, n_interactions=5_000_000)
    choice = choose_models(big, ChoicePolicy(memory_bytes=24 * 2**30))
    assert (choice.personal.name, choice.similar.name) == ("als", "itemknn")
    assert choice.ann and choice.embedder == "hashing"
    assert len(choice.lines()) == 4 and all(": " in line for line in choice.lines())


def test_environment_overrides() -> None:
    env = {
        ENV_OVERRIDES["personal"]: "itemknn",
        ENV_OVERRIDES["embedder"]: "hashing",
        ENV_OVERRIDES["ease_max_items"]: "10",
        ENV_OVERRIDES["memory"]: "8G",
    }
    policy = ChoicePolicy.from_env(env)
    assert policy.ease_max_items == 10 and policy.memory_bytes == 8 * 2**30
    choice = choose_models(SMALL, policy)
    assert choice.personal.name == "itemknn" and choice.reasons["personal"] == "set explicitly"
    assert choice.embedder == "hashing"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("personal", "nosuchmodel", "valid models"),
        ("embedder", "bert", "minilm or hashing"),
        ("ease_max_items", "many", "whole number"),
        ("memory", "lots", "bytes such as 8G"),
    ],
)
def test_bad_environment_values_are_named(var: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ChoicePolicy.from_env({ENV_OVERRIDES[var]: value})


def test_parse_bytes() -> None:
    assert parse_bytes("512M", "x") == 512 * 2**20
    assert parse_bytes("1.5GiB", "x") == int(1.5 * 2**30)
    assert parse_bytes("1000", "x") == 1000
