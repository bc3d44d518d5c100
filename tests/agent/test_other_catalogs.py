"""The brain on a catalog that is not movies: a planted book catalog with its own attribute
names (author, category, language, price, pages, published, blurb)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.analysis import analyze
from recpilot.agent.demos import catalog_bank, fits, load_bank
from recpilot.agent.session import Session
from recpilot.catalog.build import write_catalog
from recpilot.catalog.schema import AttributeKind, AttributeSpec
from recpilot.catalog.store import Catalog
from recpilot.llm.scripted import ScriptedLLM
from recpilot.models.registry import make_model
from recpilot.tools.search import items_with
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent

AUTHORS = ["Yuki Tanabe", "Noor Haddad", "Claire Dubois", "Diego Ortega", "Anna Weber"]
CATEGORIES = ["Mystery", "Poetry", "Travel", "Horror", "Romance", "Children"]
LANGUAGES = ["English", "French", "Spanish", "German"]


def _books() -> list[dict[str, object]]:
    rng = np.random.default_rng(7)
    books = []
    for k in range(60):
        category = CATEGORIES[k % len(CATEGORIES)]
        books.append(
            {
                "item_id": f"b{k}",
                "title": f"The {['Silent', 'Last', 'Blue', 'Hidden', 'Long'][k % 5]} "
                f"{['Road', 'Letter', 'Garden', 'Harbour', 'Night', 'Winter'][k // 10]} {k}",
                "author": [AUTHORS[k % len(AUTHORS)]],
                "category": [category],
                "language": [LANGUAGES[(k // 2) % len(LANGUAGES)]],
                "price": float(round(rng.uniform(5, 30), 2)),
                "pages": float(rng.integers(80, 700)),
                "published": float(1950 + (k * 7) % 74),
                "blurb": f"A {category.lower()} book.",
            }
        )
    return books


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    rows = _books()
    path = tmp_path_factory.mktemp("books") / "books.duckdb"
    items = pa.table({key: [row[key] for row in rows] for key in rows[0]})
    users = [f"u{k}" for k in range(30)]
    events = [(u, f"b{(k * 7 + j) % 60}", j) for k, u in enumerate(users) for j in range(8)]
    interactions = pa.table(
        {
            "user_id": [e[0] for e in events],
            "item_id": [e[1] for e in events],
            "timestamp": [e[2] for e in events],
        }
    )
    write_catalog(
        path,
        name="books",
        source="tests",
        items=items,
        attributes=[
            AttributeSpec(name="author", kind=AttributeKind.categorical),
            AttributeSpec(name="category", kind=AttributeKind.categorical),
            AttributeSpec(name="language", kind=AttributeKind.categorical),
            AttributeSpec(name="price", kind=AttributeKind.number),
            AttributeSpec(name="pages", kind=AttributeKind.number),
            AttributeSpec(name="published", kind=AttributeKind.number),
            AttributeSpec(name="blurb", kind=AttributeKind.text),
        ],
        interactions=interactions,
    )
    catalog = Catalog.open(path)
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def book_suite(books: Catalog) -> ModelSuite:
    data = books.interactions()
    return ModelSuite(
        item_ids=[str(i) for i in data.item_ids],
        personal=make_model("ease", reg=10.0).fit(data),
        similar=make_model("itemknn").fit(data),
        popularity=data.item_popularity(),
    )


def _rows(books: Catalog, ids: list[str]) -> list[dict[str, object]]:
    return [item.attributes for item in books.get_items(ids)]


@pytest.mark.parametrize(
    ("message", "check"),
    [
        (
            "Mystery books under 12 dollars",
            lambda r: r["category"] == ["Mystery"] and r["price"] <= 12,
        ),
        ("French poetry", lambda r: r["category"] == ["Poetry"] and r["language"] == ["French"]),
        (
            "Horror published before 1980",
            lambda r: r["category"] == ["Horror"] and r["published"] < 1980,
        ),
        ("Anything by Yuki Tanabe?", lambda r: r["author"] == ["Yuki Tanabe"]),
        (
            "travel books with at least 300 pages",
            lambda r: r["category"] == ["Travel"] and r["pages"] >= 300,
        ),
        (
            "romance, but nothing by Noor Haddad",
            lambda r: r["category"] == ["Romance"] and r["author"] != ["Noor Haddad"],
        ),
        ("I can't stand horror", lambda r: r["category"] != ["Horror"]),
        # No unit named: the one attribute whose range holds the number (price 5-30, pages
        # 80-700) is the one meant.
        ("poetry under 20", lambda r: r["category"] == ["Poetry"] and r["price"] < 20),
        ("poetry under 500", lambda r: r["category"] == ["Poetry"] and r["pages"] < 500),
        ("poetry, 15 dollars max", lambda r: r["category"] == ["Poetry"] and r["price"] <= 15),
        ("travel books, $20 tops", lambda r: r["category"] == ["Travel"] and r["price"] <= 20),
        (
            "travel books, 300 pages or higher",
            lambda r: r["category"] == ["Travel"] and r["pages"] >= 300,
        ),
        # Limits in other languages; "unter" is strict, "pas plus de" is not.
        ("poetry, até 20 dólares", lambda r: r["category"] == ["Poetry"] and r["price"] <= 20),
        ("poetry unter 15 Euro", lambda r: r["category"] == ["Poetry"] and r["price"] < 15),
        ("poetry, pas plus de 12 €", lambda r: r["category"] == ["Poetry"] and r["price"] <= 12),
        (
            "travel books, au moins 300 pages",
            lambda r: r["category"] == ["Travel"] and r["pages"] >= 300,
        ),
        # Languages named in their own language, among function words of that language.
        (
            "Poesie auf Deutsch, aber bitte nichts von Anna Weber",
            lambda r: (
                r["category"] == ["Poetry"]
                and r["language"] == ["German"]
                and r["author"] != ["Anna Weber"]
            ),
        ),
        (
            "Busco libros de viajes en español",
            lambda r: r["category"] == ["Travel"] and r["language"] == ["Spanish"],
        ),
        # Limits written in words.
        (
            "poetry for under twenty bucks",
            lambda r: r["category"] == ["Poetry"] and r["price"] < 20,
        ),
        (
            "travel books of less than three hundred pages",
            lambda r: r["category"] == ["Travel"] and r["pages"] < 300,
        ),
        (
            "horror published before nineteen eighty",
            lambda r: r["category"] == ["Horror"] and r["published"] < 1980,
        ),
    ],
)
def test_rules_brain_reads_a_book_catalog(
    books: Catalog, book_suite: ModelSuite, message: str, check: object
) -> None:
    agent = Agent(books, book_suite)
    turn = agent.turn(Session(), message)
    assert turn.items and turn.not_understood == [] and turn.answer_kind == "answer"
    assert all(check(row) for row in _rows(books, [i.item_id for i in turn.items]))  # type: ignore[operator]


def test_three_travel_books_is_a_count(books: Catalog, book_suite: ModelSuite) -> None:
    turn = Agent(books, book_suite).turn(Session(), "Three travel books")
    assert len(turn.items) == 3
    assert all(r["category"] == ["Travel"] for r in _rows(books, [i.item_id for i in turn.items]))


def test_an_unreadable_request_is_flagged_not_answered(
    books: Catalog, book_suite: ModelSuite
) -> None:
    turn = Agent(books, book_suite).turn(Session(), "something that smells like rain")
    assert turn.answer_kind == "fallback"
    assert "smells" in turn.not_understood and "rain" in turn.not_understood
    assert "not an answer to your request" in turn.reply
    assert "did not understand" in turn.reply
    contract = turn.contract()
    assert contract["answer_kind"] == "fallback" and contract["not_understood"]


def test_part_not_understood_is_said_and_the_rest_answered(
    books: Catalog, book_suite: ModelSuite
) -> None:
    turn = Agent(books, book_suite).turn(Session(), "gloomy mystery books")
    assert turn.answer_kind == "answer" and turn.not_understood == ["gloomy"]
    assert "did not understand 'gloomy'" in turn.reply
    assert all(r["category"] == ["Mystery"] for r in _rows(books, [i.item_id for i in turn.items]))


def test_the_llm_reads_what_rules_cannot_and_routing_skips_it_otherwise(
    books: Catalog, book_suite: ModelSuite
) -> None:
    plan = json.dumps(
        {
            "steps": [
                {"tool": "search_catalog", "args": {"include": {"category": ["Children"]}}},
                {"tool": "finalize", "args": {"n": 4}},
            ]
        }
    )
    llm = ScriptedLLM(plan)
    agent = llm_agent(books, book_suite, llm, route=True)
    agent.settings.llm_reply = False
    turn = agent.turn(Session(), "something for my nephew's bedtime")
    assert [c.purpose for c in turn.llm] == ["plan"]
    assert turn.decided_by == {"include category=Children": "llm"}
    assert turn.not_understood == [] and turn.answer_kind == "answer"
    assert all(r["category"] == ["Children"] for r in _rows(books, [i.item_id for i in turn.items]))
    # Every word read by the rules: no LLM call at all.
    routed = agent.turn(Session(), "French poetry")
    assert routed.llm == [] and routed.plan_source == "rules-routed"


def test_what_the_user_rules_out_is_kept_for_the_session(
    books: Catalog, book_suite: ModelSuite
) -> None:
    agent = Agent(books, book_suite)
    session = Session()
    agent.turn(session, "I can't stand horror")
    assert session.excluded == {"category": ["Horror"]}
    agent.turn(session, "nothing over $20")
    assert session.limits == {"price": (None, 20.0)}
    turn = agent.turn(session, "10 books please")
    rows = _rows(books, [i.item_id for i in turn.items])
    assert len(rows) == 10
    assert all(r["category"] != ["Horror"] and r["price"] <= 20 for r in rows)  # type: ignore[operator]
    assert turn.decided_by == {"exclude category=Horror": "memory", "range price": "memory"}


INVENTED = json.dumps(
    {
        "steps": [
            {
                "tool": "search_catalog",
                "args": {
                    "include": {"category": ["Mystery"], "director": ["Hitchcock"]},
                },
            },
            {"tool": "finalize", "args": {"n": 3}},
        ]
    }
)


def test_an_llm_value_the_catalog_lacks_is_rejected_and_said(
    books: Catalog, book_suite: ModelSuite
) -> None:
    agent = llm_agent(books, book_suite, ScriptedLLM(INVENTED))
    agent.settings.llm_reply = False
    turn = agent.turn(Session(), "a gloomy mystery in the style of the old masters")
    assert turn.decided_by == {"include category=Mystery": "rules+llm"}
    # Said, without quoting the model's own words (a hijacked model fills them with anything).
    assert any("which the catalog does not have" in note for note in turn.notes)
    assert not any("Hitchcock" in note for note in turn.notes)
    assert turn.items and not turn.degraded
    assert all(r["category"] == ["Mystery"] for r in _rows(books, [i.item_id for i in turn.items]))


def test_a_failing_tool_step_degrades_the_turn_and_says_what_was_dropped(
    books: Catalog, book_suite: ModelSuite
) -> None:
    agent = llm_agent(books, book_suite, ScriptedLLM(INVENTED), validate=False)
    agent.settings.llm_reply = False
    turn = agent.turn(Session(), "a gloomy mystery in the style of the old masters")
    assert turn.degraded
    assert any("search_catalog failed" in r for r in turn.degraded_reasons)
    assert "results ignore it" in turn.reply


def test_demonstrations_fit_the_catalog(books: Catalog, book_suite: ModelSuite) -> None:
    agent = Agent(books, book_suite)
    bank = catalog_bank(load_bank(), agent.profile, agent.resolver)
    assert bank and all(fits(d, agent.profile, agent.resolver) for d in bank)
    # No shipped movie demonstration names an attribute this catalog lacks.
    assert not any("genres" in d.plan.model_dump_json() for d in bank)
    written = {d.request: d.plan.model_dump()["steps"][0]["args"] for d in bank}
    negative = next(r for r in written if r.startswith("I can't stand"))
    (value,) = written[negative]["exclude"]["category"]
    assert value.lower() in negative
    assert any("price" in (args.get("ranges") or {}) for args in written.values())


def test_a_loved_value_is_asked_for_now_and_preferred_later(
    books: Catalog, book_suite: ModelSuite
) -> None:
    agent = Agent(books, book_suite)
    session = Session()
    first = agent.turn(session, "I love anything by Claire Dubois")
    assert session.preferred == {"author": ["Claire Dubois"]}
    assert all(
        r["author"] == ["Claire Dubois"] for r in _rows(books, [i.item_id for i in first.items])
    )
    # Later, an open request: her books lead, but others may follow (a taste, not a filter).
    later = agent.turn(session, "12 mystery or travel books")
    authors = [r["author"] for r in _rows(books, [i.item_id for i in later.items])]
    theirs = [a == ["Claire Dubois"] for a in authors]
    assert theirs[0] and not all(theirs)
    assert any("you love Claire Dubois" in i.reason for i in later.items)
    plain = Agent(books, book_suite).turn(Session(), "12 mystery or travel books")
    plain_authors = [r["author"] for r in _rows(books, [i.item_id for i in plain.items])]
    assert plain_authors.count(["Claire Dubois"]) < authors.count(["Claire Dubois"])


def test_the_llm_reading_of_unread_words_is_said(books: Catalog, book_suite: ModelSuite) -> None:
    plan = json.dumps(
        {"steps": [{"tool": "search_catalog", "args": {"include": {"category": ["Children"]}}}]}
    )
    agent = llm_agent(books, book_suite, ScriptedLLM(plan), route=True)
    agent.settings.llm_reply = False
    turn = agent.turn(Session(), "something for my nephew's bedtime")
    assert "I took 'nephew's', 'bedtime' to mean category Children." in turn.reply


def test_llm_additions_that_leave_nothing_give_way_to_the_literal_request(
    books: Catalog, book_suite: ModelSuite
) -> None:
    # "French poetry for my aunt": rules read French + Poetry; the LLM adds a page count no
    # French poetry book has. Instead of relaxing the user's own words, the literal reading runs.
    plan = json.dumps(
        {
            "steps": [
                {
                    "tool": "search_catalog",
                    "args": {
                        "include": {"language": ["French"], "category": ["Poetry"]},
                        "ranges": {"pages": {"min": 699}},
                    },
                }
            ]
        }
    )
    agent = llm_agent(books, book_suite, ScriptedLLM(plan), route=True)
    agent.settings.llm_reply = False
    turn = agent.turn(Session(), "French poetry for my aunt")
    rows = _rows(books, [i.item_id for i in turn.items])
    assert rows and all(r["category"] == ["Poetry"] and r["language"] == ["French"] for r in rows)
    assert "kept to what you said" in turn.reply and "aunt" in turn.not_understood
    assert "llm" not in turn.decided_by.values()


def test_a_remembered_taste_the_catalog_no_longer_holds_is_skipped(
    books: Catalog, book_suite: ModelSuite
) -> None:
    ctx = Agent(books, book_suite)._context(Session())
    ids = items_with(ctx, {"author": ["Nobody Atall"], "category": ["Mystery"], "colour": ["Red"]})
    assert ids and all(r["category"] == ["Mystery"] for r in _rows(books, ids))
    # Reasons carry the catalog's numbers by name, the time-like one bare.
    reason = Agent(books, book_suite).turn(Session(), "French poetry").items[0].reason
    assert "price " in reason and "pages " in reason


def test_a_foreign_limit_is_strict_unless_negated(books: Catalog, book_suite: ModelSuite) -> None:
    vocab = Agent(books, book_suite).vocab
    high = analyze("poetry unter 15 Euro", vocab).ranges["price"][1]
    assert high is not None and high < 15  # "under": 15.00 itself is not under 15
    assert analyze("poetry, pas plus de 15 €", vocab).ranges["price"] == (None, 15)
    assert analyze("poetry, no más de 15 dólares", vocab).ranges["price"] == (None, 15)
