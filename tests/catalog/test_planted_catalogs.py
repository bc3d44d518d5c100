"""The planted non-movie catalogs: they ingest cleanly through the user's path, attributes
have the declared kinds, generation is deterministic and the planted tastes are there."""

from __future__ import annotations

import filecmp
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recpilot.catalog.schema import AttributeKind
from recpilot.catalog.store import Catalog
from recpilot.cli import app
from recpilot.testing import PLANTED, ensure_catalog, write_files
from recpilot.testing import catalogs as planted_module
from recpilot.testing.books import CATEGORIES, LANGUAGES, generate_books
from recpilot.testing.shop import generate_shop

BOOK_KINDS = {
    "author": AttributeKind.categorical,
    "category": AttributeKind.categorical,
    "language": AttributeKind.categorical,
    "format": AttributeKind.categorical,
    "price": AttributeKind.number,
    "pages": AttributeKind.number,
    "published": AttributeKind.number,
    "blurb": AttributeKind.text,
}
SHOP_KINDS = {
    "brand": AttributeKind.categorical,
    "category": AttributeKind.categorical,
    "colour": AttributeKind.categorical,
    "price": AttributeKind.number,
    "rating": AttributeKind.number,
    "description": AttributeKind.text,
}


def _kinds(catalog: Catalog) -> dict[str, AttributeKind]:
    return {a.name: a.kind for a in catalog.attributes}


def test_books_ingest_with_declared_kinds(home: Path) -> None:
    with ensure_catalog("planted-books") as catalog:
        assert _kinds(catalog) == BOOK_KINDS
        stats = catalog.stats()
        assert stats.n_items == 900 and stats.n_users == 600
        assert stats.has_ratings and stats.has_timestamps
        assert set(catalog.categorical_values("category")) == set(CATEGORIES)
        assert catalog.categorical_values("language") == sorted(LANGUAGES)
        assert catalog.categorical_values("format") == ["Ebook", "Hardcover", "Paperback"]
        low, high = catalog.numeric_range("published") or (0, 0)
        assert 1900 <= low < 1960 and high <= 2024
        titles = list(catalog.titles().values())
        assert len(set(titles)) == len(titles) == 900
        items = catalog.get_items(catalog.item_ids())
        two = [i for i in items if len(i.attributes["category"] or []) == 2]
        assert len(two) > 100  # a quarter of the books sit in two categories


def test_shop_ingest_with_declared_kinds(home: Path) -> None:
    with ensure_catalog("planted-shop") as catalog:
        assert _kinds(catalog) == SHOP_KINDS
        stats = catalog.stats()
        assert stats.n_items == 600 and stats.n_users == 500
        assert "Running Shoes" in catalog.categorical_values("category")
        assert {"Black", "Navy", "Olive"} <= set(catalog.categorical_values("colour"))
        assert len(catalog.categorical_values("brand")) == 22
        low, high = catalog.numeric_range("rating") or (0, 0)
        assert low >= 2.5 and high <= 5.0
        titles = list(catalog.titles().values())
        assert len(set(titles)) == len(titles)


def test_no_movie_attribute_names(home: Path) -> None:
    for name in PLANTED:
        with ensure_catalog(name) as catalog:
            assert not {"genres", "year"} & set(_kinds(catalog))


def test_generation_is_deterministic(tmp_path: Path) -> None:
    assert generate_books() == generate_books()
    assert generate_shop() == generate_shop()
    for name in PLANTED:
        first = write_files(name, tmp_path / "a" / name)
        second = write_files(name, tmp_path / "b" / name)
        for a, b in zip(
            (first.items, first.interactions, first.mapping),
            (second.items, second.interactions, second.mapping),
            strict=True,
        ):
            assert filecmp.cmp(a, b, shallow=False), a.name
    assert generate_books(seed=1).books != generate_books(seed=2).books


def test_ensure_catalog_builds_once_and_rebuilds_a_stale_one(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ensure_catalog("planted-shop").path
    built = path.stat().st_mtime_ns
    ensure_catalog("planted-shop").close()
    assert path.stat().st_mtime_ns == built
    monkeypatch.setattr(planted_module, "VERSION", "999")
    with ensure_catalog("planted-shop") as catalog:
        assert catalog.source.endswith("v999")
    assert path.stat().st_mtime_ns != built


def test_the_cli_ingest_reads_the_same_files(home: Path, tmp_path: Path) -> None:
    files = write_files("planted-books", tmp_path / "books")
    args = ["data", "ingest", "my-books", "--items", str(files.items)]
    args += ["--interactions", str(files.interactions), "--mapping", str(files.mapping)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Catalog.open(Path(result.stdout.strip().splitlines()[-1])) as mine:
        assert _kinds(mine) == BOOK_KINDS
        with ensure_catalog("planted-books") as planted:
            assert mine.stats().n_interactions == planted.stats().n_interactions
            assert mine.get_item("bk0001") == planted.get_item("bk0001")


def test_planted_tastes() -> None:
    books = generate_books()
    category = {str(b["book_id"]): set(str(b["category"]).split("|")) for b in books.books}
    inside = Counter(
        bool(category[str(r["book_id"])] & set(books.reader_segment[str(r["reader"])]))
        for r in books.reads
    )
    assert inside[True] / sum(inside.values()) > 0.75
    shop = generate_shop()
    kind = {str(p["sku"]): str(p["category"]) for p in shop.products}
    inside = Counter(
        kind[str(o["sku"])] in shop.customer_segment[str(o["customer"])] for o in shop.orders
    )
    assert inside[True] / sum(inside.values()) > 0.75
    segment = shop.customer_segment
    stars = [o["stars"] for o in shop.orders if kind[str(o["sku"])] in segment[str(o["customer"])]]
    assert min(stars) == 4
