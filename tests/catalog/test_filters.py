"""The in-memory item filter answers exactly what the equivalent SQL does."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from recpilot.catalog.schema import Item
from recpilot.catalog.store import Catalog
from recpilot.catalog.synth import generate


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    path = Path(tmp_path_factory.mktemp("filters")) / "f.duckdb"
    generate(600, 100, seed=5, interactions=1000).write(path, "f")
    opened = Catalog.open(path)
    # items without a genre list or a year: never included, never excluded, never in a range
    opened.add_items([Item(item_id="bare", title="Bare"), Item(item_id="old", title="Old")])
    return opened


CASES = [
    ({"genres": ["Comedy"]}, "all", {}, {}),
    ({"genres": ["Comedy", "Drama"]}, "all", {}, {}),
    ({"genres": ["Comedy", "Drama"]}, "any", {}, {}),
    ({}, "all", {"genres": ["Horror", "Romance"]}, {}),
    ({}, "all", {}, {"year": (1960.0, 1969.0)}),
    ({}, "all", {}, {"year": (None, 1955.0)}),
    ({"genres": ["Action"]}, "all", {"genres": ["Thriller"]}, {"year": (1950.0, None)}),
    ({"genres": ["Nope"]}, "all", {}, {}),
]


def sql(include: dict, match: str, exclude: dict, ranges: dict) -> tuple[list[str], list]:
    where: list[str] = []
    params: list = []
    for attr, values in include.items():
        fn = "list_has_all" if match == "all" else "list_has_any"
        where.append(f'{fn}("{attr}", ?)')
        params.append(values)
    for attr, values in exclude.items():
        where.append(f'NOT coalesce(list_has_any("{attr}", ?), false)')
        params.append(values)
    for attr, (low, high) in ranges.items():
        if low is not None:
            where.append(f'"{attr}" >= ?')
            params.append(low)
        if high is not None:
            where.append(f'"{attr}" <= ?')
            params.append(high)
    return where, params


@pytest.mark.parametrize(("include", "match", "exclude", "ranges"), CASES)
def test_filter_equals_sql(
    catalog: Catalog, include: dict, match: str, exclude: dict, ranges: dict
) -> None:
    found = catalog.item_filter().match(include, exclude, ranges, match_all=match == "all")
    expected = catalog.matching(*sql(include, match, exclude, ranges))
    np.testing.assert_array_equal(found, expected)
    ids = catalog.ids_at(found)
    assert ("bare" in ids) == (not include and not ranges)  # no values: only exclusions keep it


def test_positions_follow_item_order(catalog: Catalog) -> None:
    every = catalog.item_filter().match({}, {}, {})
    assert catalog.ids_at(every) == catalog.item_ids()
    assert list(itertools.islice(catalog.item_ids(), 2)) == ["i0", "i1"]
