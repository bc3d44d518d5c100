"""The annotated routing set: its integrity (enough cases, known catalogs, languages,
ambiguous cases marked) and the scoring of a run (an ambiguous case is right on any of its
catalogs; the confusion adds up)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.catalog.datasets import BUNDLED
from recpilot.eval.routing import CATALOGS, CaseResult, build_cards, evaluate, load_cases, summarise
from recpilot.llm.scripted import FunctionLLM
from recpilot.service.catalog_cards import CatalogCard
from recpilot.testing import PLANTED


def test_the_set_has_forty_mixed_cases_over_known_catalogs() -> None:
    cases = load_cases()
    assert len(cases) >= 40
    assert len({c.id for c in cases}) == len(cases)
    known = set(BUNDLED) | set(PLANTED)
    assert {name for c in cases for name in c.catalogs} == set(CATALOGS) <= known
    langs = Counter(c.lang for c in cases)
    assert {"en", "es", "fr", "de"} <= set(langs) and langs["en"] < len(cases)
    assert sum(c.ambiguous for c in cases) >= 5
    for name in CATALOGS:  # every catalog is the only right answer somewhere
        assert any(c.catalogs == [name] for c in cases)


def test_a_bad_case_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"id": "x", "lang": "en", "message": "hi", "catalogs": []}\n')
    with pytest.raises(Exception, match="line 1"):
        load_cases(path)


def test_scoring_accepts_any_listed_catalog_and_counts_confusion() -> None:
    def result(expected: list[str], picked: str, lang: str = "en") -> CaseResult:
        return CaseResult(
            id=picked, lang=lang, message="m", expected=expected, picked=picked,
            routed_by="rules", ok=picked in expected,
        )  # fmt: skip

    report = summarise(
        [
            result(["a"], "a"),
            result(["a", "b"], "b", "fr"),
            result(["b"], "a", "fr"),
            result(["c"], "c"),
        ],
        "rules",
        with_llm=False,
    )
    assert (report.correct, report.n, report.accuracy) == (3, 4, 0.75)
    assert report.by_lang == {"en": [2, 2], "fr": [1, 2]}
    assert report.unambiguous == [2, 3]
    assert report.confusion == {"a": {"a": 1}, "b": {"b": 1, "a": 1}, "c": {"c": 1}}
    assert sum(sum(row.values()) for row in report.confusion.values()) == report.n


@pytest.fixture(scope="module")
def planted_cards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[CatalogCard]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(tmp_path_factory.mktemp("routing-eval")))
        yield build_cards(("planted-books", "planted-shop"))


def test_a_run_over_the_planted_catalogs_reads_both_ways(planted_cards: list[CatalogCard]) -> None:
    cases = [c for c in load_cases() if set(c.catalogs) <= {"planted-books", "planted-shop"}]
    rules = evaluate(cases, planted_cards, None, "rules")
    assert rules.n == len(cases) and rules.llm_alone_accuracy is None
    # an LLM that always says "planted-shop": alone it is right exactly on the shop cases
    llm = evaluate(cases, planted_cards, FunctionLLM(lambda _: '{"catalog": "planted-shop"}'), "f")
    shop = sum("planted-shop" in c.catalogs for c in cases)
    assert llm.llm_alone_accuracy == round(shop / len(cases), 4)
    # a deployment only asks it where the rules were unsure
    assert llm.deployed_llm_calls == sum(not r.clear for r in rules.cases)
    unclear_right = sum("planted-shop" in r.expected for r in rules.cases if not r.clear)
    clear_right = sum(r.ok for r in rules.cases if r.clear)
    assert llm.correct == clear_right + unclear_right
    with pytest.raises(Exception, match="unknown catalogs"):
        evaluate(load_cases(), planted_cards, None, "rules")  # movielens-100k is not loaded
