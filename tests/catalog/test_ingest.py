"""Ingest from each format, with mappings and with inference."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recpilot.catalog import AttributeKind, Catalog, Mapping, ingest_files
from recpilot.catalog.mapping import InteractionsMapping, TableMapping

from .samples import write


def kinds(catalog: Catalog) -> dict[str, AttributeKind]:
    return {a.name: a.kind for a in catalog.attributes}


def test_csv_with_inference(tmp_path: Path, csv_files: tuple[Path, Path]) -> None:
    items, inter = csv_files
    report = ingest_files(tmp_path / "c.duckdb", name="c", items=items, interactions=inter)
    assert (report.n_items, report.n_users, report.n_interactions) == (4, 3, 5)
    with Catalog.open(tmp_path / "c.duckdb") as cat:
        # '|'-joined short tokens → categorical, digits → number, long sentences → text.
        assert kinds(cat) == {
            "genres": AttributeKind.categorical,
            "year": AttributeKind.number,
            "overview": AttributeKind.text,
        }
        item = cat.get_item("2")
        assert item is not None
        assert item.title == "Heat"
        assert item.attributes["genres"] == ["Action", "Crime", "Thriller"]
        assert item.attributes["year"] == 1995
        data = cat.interactions()
        assert list(data.user_ids) == ["u1", "u2", "u3"]
        assert data.ratings is not None and list(data.ratings) == [5, 3, 4, 5, 2]
        assert data.timestamps is not None and list(data.timestamps) == [100, 200, 150, 160, 300]


def test_recbole_atomic_files(tmp_path: Path, recbole_files: tuple[Path, Path, Path]) -> None:
    items, inter, users = recbole_files
    ingest_files(tmp_path / "r.duckdb", name="r", items=items, interactions=inter, users=users)
    with Catalog.open(tmp_path / "r.duckdb") as cat:
        # token_seq splits on spaces; the title column (movie_title) is not an attribute.
        assert kinds(cat) == {
            "release_year": AttributeKind.number,
            "class": AttributeKind.categorical,
        }
        assert cat.titles() == {"1": "Toy Story", "2": "GoldenEye", "3": "Four Rooms"}
        assert cat.categorical_values("class") == [
            "Action", "Adventure", "Animation", "Children's", "Comedy", "Thriller",
        ]  # fmt: skip
        assert [a.name for a in cat.user_attributes] == ["age", "gender", "occupation"]
        assert cat.query("SELECT age, occupation FROM users WHERE user_id = ?", ["186"]) == [
            (39.0, "executive")
        ]
        assert cat.interactions().timestamps is not None


def test_parquet_with_native_lists(tmp_path: Path) -> None:
    items = tmp_path / "items.parquet"
    pq.write_table(
        pa.table(
            {
                "item_id": [10, 20, 30],
                "title": ["A", "B", "C"],
                "tags": [["x", "y"], ["y"], []],
                "price": [1.5, 2.0, None],
            }
        ),
        items,
    )
    inter = tmp_path / "inter.parquet"
    pq.write_table(pa.table({"user_id": ["a", "b"], "item_id": [10, 30]}), inter)
    ingest_files(tmp_path / "p.duckdb", name="p", items=items, interactions=inter)
    with Catalog.open(tmp_path / "p.duckdb") as cat:
        assert cat.item_ids() == ["10", "20", "30"]  # integer ids become their text
        assert kinds(cat) == {"tags": AttributeKind.categorical, "price": AttributeKind.number}
        assert cat.numeric_range("price") == (1.5, 2.0)
        assert cat.interactions().ratings is None


def test_jsonl_with_toml_mapping(tmp_path: Path) -> None:
    rows = [
        {"sku": "a1", "label": "Red Shoe", "cats": "shoes;red", "cost": 30, "blurb": "A shoe."},
        {"sku": "b2", "label": "Blue Hat", "cats": "hats;blue", "cost": 12.5, "blurb": "A hat."},
    ]
    items = write(tmp_path / "items.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    inter = write(
        tmp_path / "events.jsonl",
        '{"customer": "c1", "product": "a1", "when": "2024-01-02T00:00:00Z"}\n'
        '{"customer": "c2", "product": "b2", "when": "2024-01-03T00:00:00Z"}\n',
    )
    mapping_file = write(
        tmp_path / "m.toml",
        '[items]\nid = "sku"\ntitle = "label"\ncategorical = ["cats"]\nnumber = ["cost"]\n'
        'text = ["blurb"]\nlist_separator = ";"\nrename = { cats = "category", cost = "price" }\n'
        '[interactions]\nuser = "customer"\nitem = "product"\ntimestamp = "when"\n',
    )
    mapping = Mapping.from_toml(mapping_file)
    ingest_files(tmp_path / "j.duckdb", name="j", items=items, interactions=inter, mapping=mapping)
    with Catalog.open(tmp_path / "j.duckdb") as cat:
        assert [a.name for a in cat.attributes] == ["category", "price", "blurb"]
        item = cat.get_item("b2")
        assert item is not None
        assert item.attributes == {"category": ["hats", "blue"], "price": 12.5, "blurb": "A hat."}
        stamps = cat.interactions().timestamps
        assert stamps is not None
        assert list(stamps) == [1704153600, 1704240000]  # 2024-01-02 / 03 00:00 UTC


def test_explicit_mapping_limits_attributes(tmp_path: Path, csv_files: tuple[Path, Path]) -> None:
    items, inter = csv_files
    mapping = Mapping(
        items=TableMapping(id="movie_id", title="name", categorical=["genres"], number=[], text=[]),
        interactions=InteractionsMapping(user="uid", item="iid"),
    )
    ingest_files(tmp_path / "m.duckdb", name="m", items=items, interactions=inter, mapping=mapping)
    with Catalog.open(tmp_path / "m.duckdb") as cat:
        assert kinds(cat) == {"genres": AttributeKind.categorical}
        # Unmapped rating/timestamp columns are still found by their names ('r', 'ts').
        data = cat.interactions()
        assert data.ratings is not None and list(data.ratings) == [5, 3, 4, 5, 2]
        assert data.timestamps is not None and list(data.timestamps)[:2] == [100, 200]


def test_tsv_detected_from_suffix(tmp_path: Path) -> None:
    items = write(tmp_path / "i.tsv", "item_id\ttitle\n1\tOne, Two\n2\tThree\n")
    inter = write(tmp_path / "x.tsv", "user_id\titem_id\nu\t1\n")
    ingest_files(tmp_path / "t.duckdb", name="t", items=items, interactions=inter)
    with Catalog.open(tmp_path / "t.duckdb") as cat:
        assert cat.titles()["1"] == "One, Two"


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_unknown_mapping_column_is_named(
    tmp_path: Path, csv_files: tuple[Path, Path], fmt: str
) -> None:
    items, inter = csv_files
    if fmt == "jsonl":
        items = write(tmp_path / "i.jsonl", '{"movie_id": "1", "name": "X"}\n')
        inter = write(tmp_path / "x.jsonl", '{"uid": "u", "iid": "1"}\n')
    mapping = Mapping(items=TableMapping(title="nme"))
    from recpilot.errors import IngestError

    with pytest.raises(IngestError, match=r"'nme'.*the file has: movie_id, name"):
        ingest_files(
            tmp_path / "z.duckdb", name="z", items=items, interactions=inter, mapping=mapping
        )
