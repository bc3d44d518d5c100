"""The reply fact check on two planted catalogs: films (genres, year) and books (author,
category, price, published, blurb). Each statement's verdict is known from the rows."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from film_catalog import write_films
from recpilot.agent.factcheck import DROPPED_NOTE, Verdict, checked_intro, rewrite
from recpilot.catalog.build import write_catalog
from recpilot.catalog.schema import AttributeKind, AttributeSpec, Item
from recpilot.catalog.store import Catalog

FILMS = [
    ("1", "Fargo", ["Crime", "Drama", "Thriller"], 1996),
    ("2", "Toy Story", ["Animation", "Children's", "Comedy"], 1995),
    ("3", "Rebecca", ["Romance", "Thriller"], 1940),
    ("4", "Groundhog Day", ["Comedy", "Romance"], 1993),
    ("5", "Shining, The", ["Horror"], 1980),
]
BOOKS = [
    # id, title, author, category, price, published, blurb
    ("b1", "The Secret Without End", "Noor Haddad", "Mystery", 11.5, 1998,
     "A retired detective reopens the case of a vanished lighthouse keeper."),
    ("b2", "Paper Lanterns", "Yuki Tanabe", "Poetry", 8.0, 2011,
     "Short poems about the seasons in a mountain village."),
    ("b3", "The Salt Road", "Ines Moreau", "Travel", 19.99, 2005,
     "A walk along the old salt trade routes of the Sahara."),
    ("b4", "Night Ferry", "Noor Haddad", "Mystery", 9.25, 2003,
     "A passenger disappears between two ports."),
]  # fmt: skip


@pytest.fixture(scope="module")
def films(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    path = tmp_path_factory.mktemp("facts") / "films.duckdb"
    events = [(f"u{k}", f[0], k) for k, f in enumerate(FILMS)]
    write_films(path, "facts-films", FILMS, events)
    with Catalog.open(path) as catalog:
        yield catalog


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    path = tmp_path_factory.mktemp("facts") / "books.duckdb"
    columns = ("item_id", "title", "author", "category", "price", "published", "blurb")
    rows = list(zip(*BOOKS, strict=True))
    data = dict(zip(columns, rows, strict=True))
    items = pa.table(
        {
            "item_id": list(data["item_id"]),
            "title": list(data["title"]),
            "author": [[a] for a in data["author"]],
            "category": [[c] for c in data["category"]],
            "price": [float(p) for p in data["price"]],
            "published": [float(y) for y in data["published"]],
            "blurb": list(data["blurb"]),
        }
    )
    interactions = pa.table({"user_id": ["r1", "r2"], "item_id": ["b1", "b2"]})
    write_catalog(
        path,
        name="facts-books",
        source="tests",
        items=items,
        attributes=[
            AttributeSpec(name="author", kind=AttributeKind.categorical),
            AttributeSpec(name="category", kind=AttributeKind.categorical),
            AttributeSpec(name="price", kind=AttributeKind.number),
            AttributeSpec(name="published", kind=AttributeKind.number),
            AttributeSpec(name="blurb", kind=AttributeKind.text),
        ],
        interactions=interactions,
    )
    with Catalog.open(path) as catalog:
        yield catalog


def _items(catalog: Catalog, *ids: str) -> list[Item]:
    return catalog.get_items(list(ids))


def _verdicts(check: object) -> list[tuple[str, Verdict]]:
    return [(s.claim, s.verdict) for s in check.statements]  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- books
def test_wrong_author_is_contradicted_and_dropped(books: Catalog) -> None:
    text = "The Secret Without End is a mystery novel by Yuki Tanabe."
    intro, check = checked_intro(text, _items(books, "b1", "b3"), books)
    wrong = check.contradicted
    assert [(s.claim, s.attribute, s.items) for s in wrong] == [("Yuki Tanabe", "author", ("b1",))]
    assert "Noor Haddad" in wrong[0].detail
    assert intro == ""  # nothing left: the agent uses the template reply
    assert check.notes == [DROPPED_NOTE]


def test_right_author_and_category_are_kept(books: Catalog) -> None:
    text = "The Secret Without End is a mystery novel by Noor Haddad."
    intro, check = checked_intro(text, _items(books, "b1", "b3"), books)
    assert intro == text
    assert sorted(_verdicts(check)) == [
        ("Noor Haddad", Verdict.supported),
        ("mystery", Verdict.supported),
    ]
    assert check.notes == []


def test_wrong_category_for_one_item_of_two(books: Catalog) -> None:
    text = "The Salt Road is a mystery. Paper Lanterns collects poetry by Yuki Tanabe."
    intro, check = checked_intro(text, _items(books, "b2", "b3"), books)
    assert [(s.claim, s.items) for s in check.contradicted] == [("mystery", ("b3",))]
    assert intro == "Paper Lanterns collects poetry by Yuki Tanabe."


def test_unknown_author_on_a_catalog_with_authors(books: Catalog) -> None:
    text = "Night Ferry is a mystery by Agatha Christie."
    intro, check = checked_intro(text, _items(books, "b4"), books)
    assert intro == ""
    assert [(s.claim, s.attribute, s.verdict) for s in check.statements] == [
        ("mystery", "category", Verdict.supported),
        ("by Agatha Christie", "author", Verdict.contradicted),
    ]
    # a surname alone names the author
    assert checked_intro("Night Ferry is by Haddad.", _items(books, "b4"), books)[0] != ""


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("The Salt Road costs $19.99.", Verdict.supported),
        ("The Salt Road costs about $20.", Verdict.supported),
        ("The Salt Road costs $25.", Verdict.contradicted),
        ("The Salt Road, under $15, is a bargain.", Verdict.contradicted),
        ("The Salt Road, under $25, is a bargain.", Verdict.supported),
        ("The Salt Road came out in 2005.", Verdict.supported),
        ("The Salt Road came out in 1999.", Verdict.contradicted),
        ("The Salt Road came out after 2000.", Verdict.supported),
        ("The Salt Road came out in 2003 or later.", Verdict.supported),
        ("The Salt Road came out between 2006 and 2010.", Verdict.contradicted),
        ("The Salt Road sells for $15–$25.", Verdict.supported),
        ("The Salt Road sells for $5-10.", Verdict.contradicted),
        ("The Salt Road came out before the 2000s.", Verdict.contradicted),
        ("The Salt Road is a book from the 2000s.", Verdict.supported),
        ("The Salt Road is a book from the 90s.", Verdict.contradicted),
    ],
)
def test_numbers_against_the_row(books: Catalog, text: str, verdict: Verdict) -> None:
    _, check = checked_intro(text, _items(books, "b3", "b1"), books)
    assert [s.verdict for s in check.statements] == [verdict]
    assert check.statements[0].items == ("b3",)


def test_plot_claims_are_checked_against_the_text_attribute(books: Catalog) -> None:
    told = "The Secret Without End follows a retired detective and a vanished lighthouse keeper."
    made_up = "The Secret Without End follows a young wizard at a school of magic."
    assert checked_intro(told, _items(books, "b1"), books)[0] == told
    intro, check = checked_intro(made_up, _items(books, "b1"), books)
    assert intro == ""
    assert [s.verdict for s in check.statements] == [Verdict.unsupported]


# ---------------------------------------------------------------------------- films
def test_director_on_a_catalog_without_directors_is_unsupported(films: Catalog) -> None:
    text = "Rebecca is a thriller directed by Hitchcock. Here are some picks you may enjoy."
    intro, check = checked_intro(text, _items(films, "3", "4"), films)
    assert [(s.claim, s.verdict) for s in check.unsupported] == [
        ("directed by Hitchcock", Verdict.unsupported)
    ]
    assert ("thriller", Verdict.supported) in _verdicts(check)
    assert intro == "Here are some picks you may enjoy."
    assert check.dropped == ("Rebecca is a thriller directed by Hitchcock.",)


@pytest.mark.parametrize(
    "text",
    [
        "Toy Story stars Tom Hanks as a cowboy doll.",
        "Rebecca won an Oscar for best picture.",
        "Fargo is based on a true story.",
        "Groundhog Day is set in Punxsutawney, Pennsylvania.",
        "Bill Murray is wonderful in Groundhog Day.",
        "Fargo has been praised by critics.",
        "Toy Story explores themes of friendship and loyalty.",
    ],
)
def test_claims_the_data_cannot_support(films: Catalog, text: str) -> None:
    intro, check = checked_intro(text, _items(films, "1", "2", "3", "4"), films)
    assert check.unsupported, _verdicts(check)
    assert intro == ""


def test_a_person_named_like_a_film_is_a_person(films: Catalog) -> None:
    # "Rebecca" is a film of the catalog; "Rebecca Hall" is a person the catalog lacks
    _, check = checked_intro("Fargo is a favourite of Rebecca Hall.", _items(films, "1"), films)
    assert [(s.claim, s.items, s.verdict) for s in check.statements] == [
        ("Rebecca Hall", ("1",), Verdict.unsupported)
    ]


def test_wrong_year_and_genre_are_contradicted(films: Catalog) -> None:
    _, check = checked_intro(
        "Fargo (1994) is a gripping crime thriller.", _items(films, "1"), films
    )
    assert sorted(_verdicts(check)) == [
        ("1994", Verdict.contradicted),
        ("crime", Verdict.supported),
        ("thriller", Verdict.supported),
    ]
    _, check = checked_intro("Toy Story is a chilling horror film.", _items(films, "2"), films)
    assert _verdicts(check) == [("horror", Verdict.contradicted)]


def test_each_statement_goes_to_the_title_it_follows(films: Catalog) -> None:
    text = "Toy Story is an animated comedy, and Fargo is a crime drama from 1996."
    intro, check = checked_intro(text, _items(films, "1", "2"), films)
    assert intro == text
    assert {s.claim: s.items for s in check.statements} == {
        "animated": ("2",),
        "comedy": ("2",),
        "crime": ("1",),
        "drama": ("1",),
        "1996": ("1",),
    }
    _, check = checked_intro("Toy Story and Fargo are comedies.", _items(films, "1", "2"), films)
    assert [(s.items, s.verdict) for s in check.statements] == [(("2", "1"), Verdict.contradicted)]


def test_the_agents_own_evidence_words_hold(films: Catalog) -> None:
    # the reply model copies the item reasons: conditions met, ranges, model names
    text = (
        "Fargo matches Thriller from 1995 (item-CF). Toy Story - Comedy · 1995 - matches "
        "Comedy, 1990–1999 · 452 interactions."
    )
    intro, check = checked_intro(text, _items(films, "1", "2"), films)
    assert intro == text, _verdicts(check)
    assert ("1990–1999", Verdict.supported) in _verdicts(check)
    _, check = checked_intro("Toy Story matches Comedy, 1980–1989.", _items(films, "2"), films)
    assert ("1980–1989", Verdict.contradicted) in _verdicts(check)


def test_statements_about_the_set(films: Catalog) -> None:
    comedies = _items(films, "2", "4")
    kept, _ = checked_intro("Here are two romantic comedies from the 90s.", comedies, films)
    assert kept == "Here are two romantic comedies from the 90s."
    intro, check = checked_intro("These horror films will keep you up at night.", comedies, films)
    assert intro == ""
    assert [(s.items, s.verdict) for s in check.statements] == [((), Verdict.contradicted)]
    kept, _ = checked_intro("Since you want no horror, here are two comedies.", comedies, films)
    assert kept == "Since you want no horror, here are two comedies."
    _, check = checked_intro(
        "No horror here: The Shining is all laughs.", _items(films, "5"), films
    )
    assert Verdict.contradicted in [s.verdict for s in check.statements]


def test_a_sentence_without_facts_is_kept(films: Catalog, books: Catalog) -> None:
    text = "Here are some picks you may enjoy."
    for catalog, ids in ((films, ("1", "2")), (books, ("b1",))):
        intro, check = checked_intro(text, _items(catalog, *ids), catalog)
        assert intro == text
        assert check.statements == ()
        assert check.notes == []


def test_rewrite_keeps_sentence_order(films: Catalog) -> None:
    text = "Fargo is a comedy. Toy Story is animated! Groundhog Day came out in 1993."
    _, check = checked_intro(text, _items(films, "1", "2", "4"), films)
    assert rewrite(check) == "Toy Story is animated! Groundhog Day came out in 1993."
    assert check.dropped == ("Fargo is a comedy.",)
