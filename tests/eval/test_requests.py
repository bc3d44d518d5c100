"""The request benchmark: the checker on hand-made turns, the shipped annotations against
their catalogs, and one CLI run with the rules brain."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.catalog.store import Catalog
from recpilot.cli import app
from recpilot.errors import ConfigError
from recpilot.eval.requests import (
    Case,
    Expect,
    RequestCase,
    annotation_problems,
    classify,
    item_violations,
    load_requests,
    turn_failures,
)
from recpilot.testing import ensure_catalog

ML100K_GENRES = {
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
}  # fmt: skip


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(tmp_path_factory.mktemp("books-home")))
        catalog = ensure_catalog("planted-books")
    yield catalog
    catalog.close()


def _find(catalog: Catalog, **where: str) -> list[str]:
    """Ids of books whose categorical attributes hold the given values."""
    return [
        i.item_id
        for i in catalog.get_items(catalog.item_ids())
        if all(v in (i.attributes.get(a) or []) for a, v in where.items())  # type: ignore[operator]
    ]


def _turn(catalog: Catalog, ids: list[str], **fields: object) -> TurnRecord:
    items = [
        RecommendedItem(item_id=i.item_id, title=i.title, score=None, reason="")
        for i in catalog.get_items(ids)
    ]
    return TurnRecord(message="m", brain="test", items=items, **fields)  # type: ignore[arg-type]


def _case(catalog: Catalog, expect: Expect) -> Case:
    failures = partial(turn_failures, expect, catalog=catalog)
    return Case("t", "text", "test", expect.answerable, expect.must_flag, failures)


NO_HORROR = Expect(exclude={"category": ["Horror"]})


def test_item_violations(books: Catalog) -> None:
    horror = books.get_items(_find(books, category="Horror")[:1])[0]
    assert item_violations(NO_HORROR, horror) == [
        f"{horror.title!r} has excluded category ['Horror']"
    ]
    assert item_violations(Expect(include_all={"category": ["Horror"]}), horror) == []
    assert item_violations(Expect(include_any={"language": ["Klingon"]}), horror)
    price = horror.attributes["price"]
    assert isinstance(price, int | float)
    assert (
        item_violations(Expect.model_validate({"ranges": {"price": {"max": price}}}), horror) == []
    )
    over = item_violations(Expect.model_validate({"ranges": {"price": {"max": price - 1}}}), horror)
    assert over and "price" in over[0]
    assert item_violations(Expect.model_validate({"ranges": {"weight": {"min": 1}}}), horror)
    assert item_violations(Expect(not_titles=[horror.title]), horror)


def test_an_item_that_breaks_an_exclusion_is_silent_wrong(books: Catalog) -> None:
    ids = (
        _find(books, category="Mystery", language="English")[:2]
        + _find(books, category="Horror")[:1]
    )
    outcome, reasons = classify(_case(books, NO_HORROR), _turn(books, ids))
    assert outcome == "silent_wrong"
    assert len(reasons) == 1 and "excluded category ['Horror']" in reasons[0]


def test_the_same_items_with_a_flag_are_flagged(books: Catalog) -> None:
    ids = _find(books, category="Horror")[:3]
    turn = _turn(books, ids, not_understood=["can't stand"])
    assert classify(_case(books, NO_HORROR), turn)[0] == "flagged"


def test_satisfied_and_the_count(books: Catalog) -> None:
    ids = _find(books, category="Travel")[:3]
    expect = Expect(include_all={"category": ["Travel"]}, n=3)
    assert classify(_case(books, expect), _turn(books, ids)) == ("satisfied", [])
    # A partial flag does not spoil a turn whose items satisfy everything.
    assert classify(_case(books, expect), _turn(books, ids, not_understood=["x"]))[0] == "satisfied"
    outcome, reasons = classify(_case(books, expect), _turn(books, ids[:2]))
    assert outcome == "silent_wrong" and reasons == ["2 items, asked for 3"]


def test_popular_picks_instead_of_an_answer_are_flagged(books: Catalog) -> None:
    ids = _find(books, category="Travel")[:5]
    turn = _turn(books, ids, answer_kind="fallback")
    assert (
        classify(_case(books, Expect(include_all={"category": ["Travel"]})), turn)[0] == "flagged"
    )


def test_no_items_and_nothing_said_is_silent_wrong(books: Catalog) -> None:
    turn = _turn(books, [], answer_kind="none")
    assert classify(_case(books, NO_HORROR), turn) == ("silent_wrong", ["no items returned"])


def test_unanswerable_requests_must_be_flagged(books: Catalog) -> None:
    case = _case(books, Expect(answerable=False))
    ids = _find(books, category="Travel")[:5]
    assert classify(case, _turn(books, ids, not_understood=["narrated"]))[0] == "satisfied"
    assert classify(case, _turn(books, ids, answer_kind="fallback"))[0] == "satisfied"
    assert classify(case, _turn(books, ids))[0] == "silent_wrong"


def test_a_partly_answerable_request_needs_items_and_a_flag(books: Catalog) -> None:
    case = _case(books, Expect(include_all={"category": ["Thriller"]}, must_flag=True))
    ids = _find(books, category="Thriller")[:4]
    assert classify(case, _turn(books, ids))[0] == "silent_wrong"
    assert classify(case, _turn(books, ids, not_understood=["large print"]))[0] == "satisfied"


def test_unknown_ids_are_a_failure(books: Catalog) -> None:
    turn = TurnRecord(
        message="m",
        brain="t",
        items=[RecommendedItem(item_id="nope", title="Nope", score=None, reason="")],
    )
    assert "not in the catalog" in turn_failures(NO_HORROR, turn, catalog=books)[0]


def test_annotation_problems_name_what_the_catalog_lacks(books: Catalog) -> None:
    bad = RequestCase.model_validate(
        {
            "id": "x",
            "text": "t",
            "kind": "k",
            "expect": {
                "include_all": {"genres": ["Horror"], "category": ["Horrors"]},
                "ranges": {"year": {"min": 1990}, "price": {"max": 3}},
                "not_titles": ["No Such Book"],
            },
        }
    )
    problems = annotation_problems([bad], books)
    assert len(problems) == 4
    assert any("'genres'" in p for p in problems) and any("'Horrors'" in p for p in problems)
    assert any("'year'" in p for p in problems) and any("No Such Book" in p for p in problems)


def test_request_files_reject_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text('{"id": "a", "text": "t", "kind": "k", "expect": {"genre_none": ["X"]}}\n')
    with pytest.raises(ConfigError, match="line 1"):
        load_requests(path)


def test_the_shipped_sets_have_what_was_asked_for() -> None:
    movies = load_requests(set_name="movies-wild")
    kinds = Counter(c.kind for c in movies)
    assert len(movies) >= 60 and min(kinds["es"], kinds["fr"], kinds["de"]) >= 8
    assert kinds["negation"] >= 12 and kinds["typo"] >= 5 and kinds["indirect"] >= 10
    for name in ("books", "shop"):
        cases = load_requests(set_name=name)
        assert len(cases) >= 30
        assert {"es", "fr", "de", "negation", "price", "count"} <= {c.kind for c in cases}
    for name in ("movies-wild", "books", "shop"):
        cases = load_requests(set_name=name)
        assert sum(not c.expect.answerable for c in cases) >= 3
        assert len({c.id for c in cases}) == len(cases)
        assert len({c.text for c in cases}) == len(cases)


def test_movie_annotations_use_movielens_values() -> None:
    for case in load_requests(set_name="movies-wild"):
        e = case.expect
        for table in (e.include_all, e.include_any, e.exclude):
            assert set(table) <= {"genres"}, case.id
            assert {v for values in table.values() for v in values} <= ML100K_GENRES, case.id
        assert set(e.ranges) <= {"year"}, case.id


def test_cli_run_counts_add_up(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    args = ["eval", "requests", "--set", "books", "--llm", "rules", "--limit", "8"]
    result = CliRunner().invoke(app, [*args, "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (report,) = payload["reports"]
    summary = report["summary"]
    assert summary["requests"] == 8 and summary["brain"] == "rules"
    shares = summary["satisfied"] + summary["flagged"] + summary["silent_wrong"]
    assert shares == pytest.approx(1.0, abs=1e-3)
    assert summary["llm_calls_per_turn"] == 0
    full = json.loads(Path(report["files"]["json"]).read_text())
    outcomes = Counter(r["outcome"] for r in full["results"])
    assert sum(outcomes.values()) == 8
    assert outcomes["satisfied"] / 8 == pytest.approx(summary["satisfied"], abs=1e-3)
    assert len(report["failures"]) == 8 - outcomes["satisfied"]
    assert sum(k["requests"] for k in full["by_kind"].values()) == 8
    assert Path(report["files"]["markdown"]).read_text().startswith("# Request benchmark")
    assert Path(payload["summary"]).is_file()


def test_cli_rejects_an_unknown_set() -> None:
    result = CliRunner().invoke(app, ["eval", "requests", "--set", "films"])
    assert isinstance(result.exception, ConfigError)
    assert "valid: movies-wild, books, shop, movies-45" in str(result.exception)
