"""Bad input: every case raises IngestError naming file, line and column; nothing is written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recpilot.catalog import Catalog, Mapping, TableMapping, ingest_files
from recpilot.catalog.build import write_catalog
from recpilot.catalog.schema import AttributeKind, AttributeSpec
from recpilot.errors import IngestError

from .samples import INTER_CSV, ITEMS_CSV, ITEMS_RECBOLE, write

GOOD_ITEMS = "item_id,title,year\n1,One,1990\n2,Two,1991\n3,Three,1992\n"
GOOD_INTER = "user_id,item_id\nu1,1\nu2,3\n"


def ingest(
    tmp_path: Path, items: str | bytes, inter: str | bytes, suffix: str = "csv", **kw: object
) -> None:
    ingest_files(
        tmp_path / "out.duckdb",
        name="out",
        items=write(tmp_path / f"items.{suffix}", items),
        interactions=write(tmp_path / f"inter.{suffix}", inter),
        **kw,  # type: ignore[arg-type]
    )


def raised(
    tmp_path: Path, items: str | bytes, inter: str | bytes, suffix: str = "csv", **kw: object
) -> IngestError:
    with pytest.raises(IngestError) as info:
        ingest(tmp_path, items, inter, suffix, **kw)
    assert not (tmp_path / "out.duckdb").exists()
    return info.value


def test_wrong_field_count_csv(tmp_path: Path) -> None:
    err = raised(tmp_path, "item_id,title,year\n1,One,1990\n2,Two\n", GOOD_INTER)
    assert err.file is not None and err.file.endswith("items.csv")
    assert err.line == 3
    assert "expected 3 fields, found 2" in str(err)


def test_wrong_field_count_recbole_counts_blank_lines(tmp_path: Path) -> None:
    bad = ITEMS_RECBOLE + "\n4\tExtra\t1990\tDrama\tsurplus\n"  # a blank line 5, bad line 6
    err = raised(
        tmp_path, bad, "user_id:token\titem_id:token\nu\t1\n", suffix="item", fmt="recbole"
    )
    assert err.line == 6
    assert "expected 4 fields, found 5" in str(err)


def test_unknown_item_in_interactions(tmp_path: Path) -> None:
    err = raised(tmp_path, GOOD_ITEMS, "user_id,item_id\nu1,1\nu1,2\nu2,99\n")
    assert err.file is not None and err.file.endswith("inter.csv")
    assert (err.line, err.column) == (4, "item_id")
    assert "item '99' is not in the items file" in str(err)


def test_duplicate_item_id(tmp_path: Path) -> None:
    err = raised(tmp_path, "item_id,title\n1,One\n2,Two\n1,Again\n", GOOD_INTER)
    assert (err.line, err.column) == (4, "item_id")
    assert "duplicate item id '1' (first seen on line 2)" in str(err)


def test_text_in_number_column(tmp_path: Path) -> None:
    mapping = Mapping(items=TableMapping(number=["year"]))
    err = raised(
        tmp_path, "item_id,title,year\n1,One,1990\n2,Two,abc\n", GOOD_INTER, mapping=mapping
    )
    assert (err.line, err.column) == (3, "year")
    assert "expected a number, got 'abc'" in str(err)


def test_text_in_rating_column(tmp_path: Path) -> None:
    err = raised(tmp_path, GOOD_ITEMS, "user_id,item_id,rating\nu1,1,4\nu1,2,five\n")
    assert (err.line, err.column) == (3, "rating")


def test_empty_file(tmp_path: Path) -> None:
    err = raised(tmp_path, "", GOOD_INTER)
    assert err.file is not None and err.file.endswith("items.csv")
    assert "file is empty" in str(err)


def test_header_without_rows(tmp_path: Path) -> None:
    err = raised(tmp_path, GOOD_ITEMS, "user_id,item_id\n")
    assert err.file is not None and err.file.endswith("inter.csv")
    assert "no rows" in str(err)


def test_not_utf8(tmp_path: Path) -> None:
    latin1 = "item_id,title\n1,One\n2,Amélie\n".encode("latin-1")
    err = raised(tmp_path, latin1, GOOD_INTER)
    assert err.line == 3
    assert "not UTF-8" in str(err) and "iconv" in str(err)


def test_empty_id(tmp_path: Path) -> None:
    err = raised(tmp_path, "item_id,title\n1,One\n,Nameless\n", GOOD_INTER)
    assert (err.line, err.column) == (3, "item_id")
    assert "empty item id" in str(err)


def test_recbole_header_needs_types(tmp_path: Path) -> None:
    err = raised(tmp_path, "item_id\ttitle:token_seq\n1\tOne\n", "user_id:token\titem_id:token\nu\t1\n",
                 suffix="item", fmt="recbole")  # fmt: skip
    assert (err.line, err.column) == (1, "item_id")
    assert "type suffix" in str(err)


def test_invalid_json_line(tmp_path: Path) -> None:
    items = '{"item_id": "1", "title": "One"}\n{"item_id": "2", "title": \n'
    err = raised(tmp_path, items, '{"user_id": "u", "item_id": "1"}\n', suffix="jsonl")
    assert err.line == 2
    assert "invalid JSON" in str(err)


def test_parquet_names_the_row(tmp_path: Path) -> None:
    pq.write_table(pa.table({"item_id": ["1", "2"], "title": ["A", "B"], "year": ["1999", "soon"]}),
                   tmp_path / "items.parquet")  # fmt: skip
    pq.write_table(pa.table({"user_id": ["u"], "item_id": ["1"]}), tmp_path / "inter.parquet")
    with pytest.raises(IngestError, match=r"row 2: expected a number, got 'soon'") as info:
        ingest_files(tmp_path / "o.duckdb", name="o", items=tmp_path / "items.parquet",
                     interactions=tmp_path / "inter.parquet",
                     mapping=Mapping(items=TableMapping(number=["year"])))  # fmt: skip
    assert info.value.column == "year"


def test_message_format_names_file_line_column(tmp_path: Path) -> None:
    err = raised(tmp_path, GOOD_ITEMS, "user_id,item_id\nu1,7\n")
    assert str(err).startswith(f"{tmp_path / 'inter.csv'}, line 2, column 'item_id': ")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_ingest_leaves_previous_catalog_byte_identical(tmp_path: Path) -> None:
    target = tmp_path / "shop.duckdb"
    items, inter = write(tmp_path / "i.csv", ITEMS_CSV), write(tmp_path / "x.csv", INTER_CSV)
    ingest_files(target, name="shop", items=items, interactions=inter)
    before = digest(target)
    listing = sorted(p.name for p in tmp_path.iterdir())

    # Items are valid, the failure comes last (an unknown item in the interactions).
    bad_inter = write(tmp_path / "bad.csv", INTER_CSV + "u9,404,1,999\n")
    with pytest.raises(IngestError, match="'404'"):
        ingest_files(target, name="shop", items=items, interactions=bad_inter)
    assert digest(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*listing, "bad.csv"])
    with Catalog.open(target) as cat:
        assert cat.stats().n_interactions == 5


def test_writer_failure_midway_leaves_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "t.duckdb"
    target.write_bytes(b"previous contents")
    with pytest.raises(IngestError, match="not in the items table"):
        write_catalog(
            target,
            name="t",
            source="test",
            items=pa.table({"item_id": ["a"], "title": ["A"], "n": [1.0]}),
            attributes=[AttributeSpec(name="n", kind=AttributeKind.number)],
            interactions=pa.table({"user_id": ["u"], "item_id": ["zzz"]}),
        )
    assert target.read_bytes() == b"previous contents"
    assert [p.name for p in tmp_path.iterdir()] == ["t.duckdb"]  # no temporary file left
