"""The Catalog API over a small synthetic catalog whose contents are known."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from recpilot.catalog import Catalog, Item
from recpilot.catalog.synth import generate
from recpilot.errors import CatalogError


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    data = generate(60, 25, seed=3, clusters=4)
    data.write(tmp_path / "s.duckdb", "small")
    cat = Catalog.open(tmp_path / "s.duckdb")
    yield cat
    cat.close()


def test_schema_and_ids(catalog: Catalog) -> None:
    assert catalog.name == "small"
    assert [a.name for a in catalog.attributes] == ["genres", "year", "description"]
    assert catalog.attribute("year") is not None and catalog.attribute("nope") is None
    assert catalog.item_ids() == [f"i{k}" for k in range(60)]  # insertion order
    data = catalog.interactions()
    assert list(data.item_ids) == catalog.item_ids()
    assert data is catalog.interactions()  # cached


def test_get_items_keeps_order_and_drops_unknown(catalog: Catalog) -> None:
    items = catalog.get_items(["i5", "missing", "i1"])
    assert [i.item_id for i in items] == ["i5", "i1"]
    assert catalog.get_item("missing") is None
    item = catalog.get_item("i5")
    assert item is not None and isinstance(item.attributes["year"], int)
    assert item.title == catalog.titles()["i5"]


def test_item_texts_aligned(catalog: Catalog) -> None:
    texts = catalog.item_texts()
    assert len(texts) == 60
    item = catalog.get_item("i7")
    assert item is not None
    genres = ", ".join(item.attributes["genres"])  # type: ignore[arg-type]
    assert texts[7].startswith(
        f"{item.title}. genres: {genres}. year: {item.attributes['year']}. A "
    )
    assert ".." not in texts[7]


def test_categorical_and_numeric(catalog: Catalog) -> None:
    # Four clusters → the first four genre names, possibly plus second genres from the rest.
    values = catalog.categorical_values("genres")
    assert values == sorted(values)
    assert {"Action", "Comedy", "Drama", "Horror"} <= set(values)
    low, high = catalog.numeric_range("year") or (0, 0)
    assert 1920 <= low <= high <= 2025
    with pytest.raises(CatalogError, match="valid: genres, year, description"):
        catalog.categorical_values("colour")
    with pytest.raises(CatalogError, match="is number, not categorical"):
        catalog.categorical_values("year")


def test_query_is_parameterised_and_read_only(catalog: Catalog) -> None:
    rows = catalog.query(
        "SELECT item_id FROM items WHERE list_contains(genres, ?) AND year >= ? ORDER BY item_id",
        ["Drama", 1900],
    )
    every = catalog.get_items(catalog.item_ids())
    expected = sorted(i.item_id for i in every if "Drama" in str(i.attributes["genres"]))
    assert [r[0] for r in rows] == expected
    with pytest.raises(CatalogError, match="exactly one SELECT"):
        catalog.query("DELETE FROM items")
    with pytest.raises(CatalogError, match="query failed"):
        catalog.query("SELECT nope FROM items")


def test_stats(catalog: Catalog) -> None:
    stats = catalog.stats()
    data = catalog.interactions()
    assert (stats.n_items, stats.n_users, stats.n_interactions) == (60, 25, len(data))
    assert stats.density == pytest.approx(len(data) / (60 * 25))
    assert stats.items_without_interactions == 60 - len(np.unique(data.items))
    assert stats.has_ratings and stats.has_timestamps
    genres = next(a for a in stats.attributes if a.name == "genres")
    assert genres.n_missing == 0 and genres.n_distinct == len(catalog.categorical_values("genres"))


def test_add_items_cold_start(catalog: Catalog) -> None:
    before = catalog.interactions()
    new = Item(item_id="new1", title="Brand New", attributes={"genres": ["Drama"], "year": 2030})
    catalog.add_items([new])
    assert catalog.item_ids()[-1] == "new1"
    got = catalog.get_item("new1")
    assert got is not None and got.attributes == {
        "genres": ["Drama"],
        "year": 2030,
        "description": None,
    }
    after = catalog.interactions()
    assert after.n_items == before.n_items + 1 and len(after) == len(before)
    year_range = catalog.numeric_range("year")
    assert year_range is not None and year_range[1] == 2030.0


def test_add_items_is_all_or_nothing(catalog: Catalog) -> None:
    good = Item(item_id="ok", title="Fine", attributes={})
    clash = Item(item_id="i0", title="Taken", attributes={})
    with pytest.raises(CatalogError, match="'i0' is already in catalog"):
        catalog.add_items([good, clash])
    assert catalog.get_item("ok") is None
    with pytest.raises(CatalogError, match="attribute 'year' must be number"):
        catalog.add_items([Item(item_id="x", title="X", attributes={"year": "soon"})])
    with pytest.raises(CatalogError, match="unknown attributes"):
        catalog.add_items([Item(item_id="x", title="X", attributes={"colour": "red"})])


def test_open_missing_and_corrupt(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"no catalog at .*recpilot data ingest"):
        Catalog.open(tmp_path / "absent.duckdb")
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CatalogError, match="rebuild it"):
        Catalog.open(junk)
