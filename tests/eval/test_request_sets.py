"""Every registered request set against its catalog, and the shape of the unseen sets.

The set list is read from ``SETS``, so a newly registered set is checked without a new test:
its ids are unique, every attribute, value and title it names is in the catalog, and every
answerable request can be met by at least ``max(n, 5)`` items."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from recpilot.eval.requests import SETS, annotation_problems, load_requests, matching_items
from recpilot.testing import ensure_catalog

ANNOTATED = [name for name in SETS if name != "movies-45"]
UNSEEN = [name for name in SETS if name.endswith("-unseen")]
OTHER_LANGUAGES = {"es", "fr", "de", "it", "pt"}


def _params(names: list[str]) -> list[object]:
    return [pytest.param(n, marks=[] if SETS[n].planted else [pytest.mark.slow]) for n in names]


@pytest.mark.parametrize("name", _params(ANNOTATED))
def test_every_set_fits_its_catalog_and_can_be_met(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = SETS[name]
    cases = load_requests(set_name=name)
    assert len({c.id for c in cases}) == len(cases)
    if spec.planted:
        monkeypatch.setenv("RECPILOT_HOME", str(tmp_path))
        catalog = ensure_catalog(spec.dataset)
    else:
        # RECPILOT_TEST_CACHE: a data home that already holds MovieLens-100K
        monkeypatch.setenv("RECPILOT_HOME", os.environ.get("RECPILOT_TEST_CACHE") or str(tmp_path))
        from recpilot.catalog.datasets import open_dataset

        catalog = open_dataset(spec.dataset)
    with catalog:
        assert annotation_problems(cases, catalog) == []
        for case in cases:
            if case.expect.answerable:
                found = len(matching_items(case.expect, catalog))
                assert found >= max(case.expect.n or 0, 5), (case.id, found)


def test_the_unseen_sets_are_registered() -> None:
    assert {SETS[n].dataset for n in UNSEEN} == {
        "movielens-100k",
        "planted-books",
        "planted-shop",
    }


@pytest.mark.parametrize("name", UNSEEN)
def test_an_unseen_set_has_what_was_asked_for(name: str) -> None:
    cases = load_requests(set_name=name)
    prefix = {"movies-unseen": "mu", "books-unseen": "bu", "shop-unseen": "su"}[name]
    assert [c.id for c in cases] == [f"{prefix}{k:02d}" for k in range(1, 31)]
    assert len({c.text for c in cases}) == len(cases)
    kinds = Counter(c.kind for c in cases)
    # About a third in other languages, at least two in each of the five.
    assert all(kinds[lang] >= 2 for lang in OTHER_LANGUAGES)
    assert sum(kinds[lang] for lang in OTHER_LANGUAGES) >= 9
    assert kinds["negation"] >= 2 and kinds["count"] >= 2 and kinds["typo"] >= 2
    # Two or three the catalog cannot (fully) answer.
    cannot = sum(not c.expect.answerable or c.expect.must_flag for c in cases)
    assert 2 <= cannot <= 3
    assert all(not c.expect.must_flag for c in cases if not c.expect.answerable)
