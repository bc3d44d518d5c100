"""Bad (and awkward but valid) input files for ``recpilot data ingest``.

Every case is an items file, an interactions file (good ones unless the case is about
them), optionally a users file and a TOML mapping. ``error`` is a phrase the
:class:`~recpilot.errors.IngestError` must contain; ``None`` means the ingest must succeed
and store ``stored`` (item id → title) verbatim.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ITEMS = "item_id,title,genre,year\n1,One,Drama,1990\n2,Two,Comedy|Drama,1991\n3,Three,Horror,1992\n"
INTER = "user_id,item_id,rating\nu1,1,5\nu2,3,4\nu1,2,3\n"
ITEMS_JSONL = "".join(
    json.dumps({"item_id": str(k), "title": t, "genre": g}) + "\n"
    for k, t, g in ((1, "One", "Drama"), (2, "Two", "Comedy"), (3, "Three", "Horror"))
)
INTER_JSONL = '{"user_id": "u1", "item_id": "1"}\n{"user_id": "u2", "item_id": "3"}\n'
NOT_UTF8 = "not UTF-8"
NUL = "NUL characters: is it UTF-16 without a byte-order mark, or not text at all"


@dataclass(frozen=True)
class IngestCase:
    name: str
    family: str
    items: bytes
    interactions: bytes = INTER.encode()
    suffix: str = "csv"
    inter_suffix: str = "csv"
    users: bytes | None = None
    mapping_toml: str | None = None
    fmt: str | None = None
    error: str | None = None
    stored: tuple[tuple[str, str], ...] = ()

    @property
    def surface(self) -> str:
        return "ingest"


@dataclass(frozen=True)
class CaseFiles:
    items: Path
    interactions: Path
    users: Path | None
    mapping: Path | None


def write_case(case: IngestCase, folder: Path) -> CaseFiles:
    """The case's files under ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = folder / f"items.{case.suffix}"
    items.write_bytes(case.items)
    inter = folder / f"inter.{case.inter_suffix}"
    inter.write_bytes(case.interactions)
    users = None
    if case.users is not None:
        users = folder / "users.csv"
        users.write_bytes(case.users)
    mapping = None
    if case.mapping_toml is not None:
        mapping = folder / "mapping.toml"
        mapping.write_text(case.mapping_toml, encoding="utf-8")
    return CaseFiles(items, inter, users, mapping)


def _parquet(table: pa.Table) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _csv(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _ok(name: str, family: str, items: bytes, *pairs: tuple[str, str], **kw: object) -> IngestCase:
    return IngestCase(name, family, items, stored=pairs, **kw)  # type: ignore[arg-type]


def _bad(name: str, family: str, items: bytes, error: str, **kw: object) -> IngestCase:
    return IngestCase(name, family, items, error=error, **kw)  # type: ignore[arg-type]


def _encodings() -> list[IngestCase]:
    f = "encoding"
    cafe = ITEMS.replace("One", "Café")
    bad_inter = "user_id,item_id\nmüller,1\n"
    jsonl = ITEMS_JSONL.replace("One", "Café")
    return [
        _bad("latin1_items", f, cafe.encode("latin-1"), NOT_UTF8),
        _bad("cp1252_quotes", f, ITEMS.replace("One", "“One”").encode("cp1252"), NOT_UTF8),
        _bad("latin1_interactions", f, ITEMS.encode(), NOT_UTF8, interactions=bad_inter.encode("latin-1")),
        _ok("utf16_le_bom", f, cafe.encode("utf-16"), ("1", "Café")),
        _ok("utf16_be_bom", f, b"\xfe\xff" + cafe.encode("utf-16-be"), ("1", "Café")),
        _bad("utf16_le_no_bom", f, cafe.encode("utf-16-le"), NUL),
        _bad("utf16_be_no_bom", f, cafe.encode("utf-16-be"), NUL),
        _bad("utf16_bom_odd_length", f, cafe.encode("utf-16")[:-1], "not UTF-16"),
        _ok("utf8_bom_items", f, b"\xef\xbb\xbf" + cafe.encode(), ("1", "Café")),
        _ok("utf8_bom_interactions", f, ITEMS.encode(), ("3", "Three"), interactions=b"\xef\xbb\xbf" + INTER.encode()),
        _bad("invalid_byte_mid_file", f, ITEMS.encode().replace(b"Two", b"T\xffo"), NOT_UTF8),
        _bad("truncated_multibyte", f, ITEMS.encode() + b"4,Caf\xc3", NOT_UTF8),
        _bad("overlong_encoding", f, ITEMS.encode().replace(b"One", b"O\xc0\xafe"), NOT_UTF8),
        _bad("encoded_surrogate", f, ITEMS.encode().replace(b"One", b"O\xed\xa0\x80e"), NOT_UTF8),
        _ok("utf16_bom_jsonl", f, jsonl.encode("utf-16"), ("1", "Café"), suffix="jsonl", inter_suffix="jsonl", interactions=INTER_JSONL.encode()),
        _bad("latin1_jsonl", f, jsonl.encode("latin-1"), NOT_UTF8, suffix="jsonl", inter_suffix="jsonl", interactions=INTER_JSONL.encode()),
    ]  # fmt: skip


def _types() -> list[IngestCase]:
    f = "types"
    year = "year"
    jl = {"suffix": "jsonl", "inter_suffix": "jsonl", "interactions": INTER_JSONL.encode()}
    big = 2**53 + 1
    return [
        _ok("year_mixed_inferred", f, ITEMS.replace(",1991", ",abc").encode(), ("2", "Two")),
        _bad("year_mixed_mapped", f, ITEMS.replace(",1991", ",abc").encode(), "expected a number, got 'abc'", mapping_toml=f'[items]\nnumber = ["{year}"]\n'),
        _bad("rating_text", f, ITEMS.encode(), "expected a number, got 'five'", interactions=INTER.replace(",5", ",five").encode()),
        _bad("rating_inf", f, ITEMS.encode(), "finite number", interactions=INTER.replace(",5", ",inf").encode()),
        _bad("number_1e400", f, ITEMS.replace("1992", "1e400").encode(), "finite number", mapping_toml='[items]\nnumber = ["year"]\ncategorical = ["genre"]\n'),
        _ok("number_nan_is_missing", f, ITEMS.replace("1992", "NaN").encode(), ("3", "Three")),
        _ok("timestamp_iso", f, ITEMS.encode(), ("1", "One"), interactions=b"user_id,item_id,timestamp\nu1,1,2020-01-02T03:04:05Z\nu2,2,2021-06-01\n"),
        _bad("timestamp_mixed", f, ITEMS.encode(), "expected a number", interactions=b"user_id,item_id,timestamp\nu1,1,2020-01-01\nu1,2,100\n"),
        _bad("timestamp_words", f, ITEMS.encode(), "expected a number, got 'yesterday'", interactions=b"user_id,item_id,timestamp\nu1,1,yesterday\n"),
        _bad("timestamp_out_of_range", f, ITEMS.encode(), "out of range", interactions=b"user_id,item_id,timestamp\nu1,1,1e300\n"),
        _ok("jsonl_year_int_and_text", f, b'{"item_id": "1", "title": "A", "year": 1990}\n{"item_id": "2", "title": "B", "year": "1991"}\n', ("2", "B"), **jl | {"interactions": b'{"user_id": "u", "item_id": "1"}\n'}),
        _ok("jsonl_nested_object", f, b'{"item_id": "1", "title": "A", "meta": {"a": [1, 2]}}\n', ("1", "A"), **jl | {"interactions": b'{"user_id": "u", "item_id": "1"}\n'}),
        _ok("jsonl_ids_past_2_53", f, f'{{"item_id": {big}, "title": "A"}}\n{{"item_id": {big - 1}, "title": "B"}}\n'.encode(), (str(big), "A"), (str(big - 1), "B"), **jl | {"interactions": f'{{"user_id": "u", "item_id": {big}}}\n'.encode()}),
        _ok("jsonl_ids_past_int64", f, f'{{"item_id": {2**70}, "title": "A"}}\n'.encode(), (str(2**70), "A"), **jl | {"interactions": f'{{"user_id": "u", "item_id": {2**70}}}\n'.encode()}),
        _bad("jsonl_id_float_and_int", f, b'{"item_id": 1.0, "title": "A"}\n{"item_id": 1, "title": "B"}\n', "duplicate item id '1'", **jl),
        _bad("jsonl_nan_infinity", f, b'{"item_id": "1", "title": "A", "p": NaN}\n{"item_id": "2", "title": "B", "p": Infinity}\n', "finite number", **jl),
        _ok("jsonl_bool_values", f, b'{"item_id": "1", "title": "A", "new": true}\n{"item_id": "2", "title": "B", "new": false}\n', ("1", "A"), **jl | {"interactions": b'{"user_id": "u", "item_id": "2"}\n'}),
        _ok("negative_rating", f, ITEMS.encode(), ("1", "One"), interactions=INTER.replace(",5", ",-5").encode()),
    ]  # fmt: skip


def _duplicates() -> list[IngestCase]:
    f = "duplicates"
    users = b"user_id,age\nu1,30\nu2,40\nu1,50\n"
    table = pa.table({"item_id": ["1", "2", "1"], "title": ["A", "B", "C"]})
    return [
        _bad("duplicate_item_id", f, ITEMS.replace("3,Three", "1,Three").encode(), "duplicate item id '1'"),
        _bad("duplicate_id_after_trim", f, ITEMS.replace("3,Three", " 1 ,Three").encode(), "duplicate item id '1'"),
        _ok("ids_differ_in_case", f, _csv("item_id,title", "A,Upper", "a,Lower"), ("A", "Upper"), ("a", "Lower"), interactions=b"user_id,item_id\nu1,a\n"),
        _bad("duplicate_user_id", f, ITEMS.encode(), "duplicate user id 'u1'", users=users),
        _bad("duplicate_header_column", f, _csv("item_id,title,title", "1,A,B"), "repeated column name 'title'"),
        _bad("duplicate_id_jsonl", f, ITEMS_JSONL.replace('"3"', '"1"').encode(), "duplicate item id '1'", suffix="jsonl", inter_suffix="jsonl", interactions=INTER_JSONL.replace('"3"', '"2"').encode()),
        _bad("duplicate_id_parquet", f, _parquet(table), "duplicate item id '1'", suffix="parquet"),
        _ok("repeated_interactions", f, ITEMS.encode(), ("1", "One"), interactions=(INTER + "u1,1,5\nu1,1,5\n").encode()),
    ]  # fmt: skip


def _ragged() -> list[IngestCase]:
    f = "ragged"
    rb_items = "item_id:token\ttitle:token_seq\n1\tOne\n2\tTwo\textra\n"
    rb_inter = b"user_id:token\titem_id:token\nu1\t1\n"
    return [
        _bad("too_few_fields", f, ITEMS.replace(",1991", "").encode(), "expected 4 fields, found 3"),
        _bad("too_many_fields", f, ITEMS.replace(",1991", ",1991,x").encode(), "expected 4 fields, found 5"),
        _bad("trailing_delimiter", f, ITEMS.replace("\n", ",\n").replace("year,", "year").encode(), "expected 4 fields, found 5"),
        _ok("blank_lines", f, ITEMS.replace("\n2,", "\n\n\n2,").encode(), ("2", "Two")),
        _ok("crlf_line_ends", f, ITEMS.replace("\n", "\r\n").encode(), ("3", "Three")),
        _ok("mixed_crlf_and_lf", f, ITEMS.replace("\n2,", "\r\n2,").encode(), ("2", "Two")),
        _bad("bare_cr_line_ends", f, ITEMS.replace("\n", "\r").encode(), "carriage return"),
        _ok("quoted_newline", f, ITEMS.replace("2,Two", '2,"Two\nlines"').encode(), ("2", "Two\nlines")),
        _bad("row_of_delimiters", f, (ITEMS + ",,,\n").encode(), "empty item id"),
        _bad("recbole_extra_field", f, rb_items.encode(), "expected 2 fields, found 3", suffix="item", inter_suffix="inter", interactions=rb_inter),
        _bad("recbole_header_without_type", f, b"item_id\ttitle:token_seq\n1\tOne\n", "needs a type suffix", suffix="item", inter_suffix="inter", interactions=rb_inter),
        _bad("tsv_ragged", f, b"item_id\ttitle\n1\tOne\n2\n", "expected 2 fields, found 1", suffix="tsv"),
        _bad("header_only_has_one_column_rows_wider", f, _csv("item_id", "1,One"), "expected 1 fields, found 2"),
    ]  # fmt: skip


def _huge() -> list[IngestCase]:
    f = "huge"
    cols = ",".join(f"c{k}" for k in range(2000))
    vals = ",".join(str(k) for k in range(2000))
    return [
        _bad("field_200k", f, _csv("item_id,title", "1," + "x" * 200_000, "2,Two"), "longer than 131,072 characters"),
        _bad("field_3mb", f, _csv("item_id,title", "1,One", "2," + "y" * 3_000_000), "longer than 131,072 characters"),
        _ok("field_100k", f, _csv("item_id,title", "1," + "z" * 100_000, "2,Two", "3,Three"), ("1", "z" * 100_000)),
        _ok("id_10k", f, _csv("item_id,title", "k" * 10_000 + ",Long", "1,One"), ("k" * 10_000, "Long"), interactions=b'user_id,item_id\nu1,1\n'),
        _ok("columns_2000", f, _csv("item_id,title," + cols, "1,One," + vals), ("1", "One"), interactions=b'user_id,item_id\nu1,1\n'),
        _ok("jsonl_field_1mb", f, json.dumps({"item_id": "1", "title": "w" * 1_000_000}).encode() + b"\n", ("1", "w" * 1_000_000), suffix="jsonl", inter_suffix="jsonl", interactions=b'{"user_id": "u", "item_id": "1"}\n'),
    ]  # fmt: skip


FORMULAS = (
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    '=HYPERLINK("http://example.invalid","click")',
    '=DDE("cmd";"/C calc";"A")',
)


def _formulas() -> list[IngestCase]:
    f = "formula"
    out = []
    for k, text in enumerate(FORMULAS):
        quoted = '"' + text.replace('"', '""') + '"'
        out.append(
            _ok(
                f"formula_title_{k}",
                f,
                _csv("item_id,title", f"1,{quoted}"),
                ("1", text),
                interactions=b"user_id,item_id\nu1,1\n",
            )
        )
    out += [
        _ok("formula_item_id", f, _csv("item_id,title", "=1+1,Sum"), ("=1+1", "Sum"), interactions=b"user_id,item_id\nu1,=1+1\n"),
        _ok("formula_label", f, _csv("item_id,title,genre", "1,One,=1+1|Drama", "2,Two,Drama"), ("1", "One"), interactions=b"user_id,item_id\nu1,1\n"),
        _ok("formula_jsonl", f, b'{"item_id": "1", "title": "=cmd|x"}\n', ("1", "=cmd|x"), suffix="jsonl", inter_suffix="jsonl", interactions=b'{"user_id": "@u", "item_id": "1"}\n'),
    ]  # fmt: skip
    return out


def _empty() -> list[IngestCase]:
    f = "empty"
    empty = pa.table({"item_id": pa.array([], pa.string()), "title": pa.array([], pa.string())})
    jl = {"suffix": "jsonl", "inter_suffix": "jsonl", "interactions": INTER_JSONL.encode()}
    return [
        _bad("empty_items", f, b"", "file is empty"),
        _bad("whitespace_only", f, b"  \n\t\n", "file is empty"),
        _bad("bom_only", f, b"\xef\xbb\xbf", "file is empty"),
        _bad("newlines_only", f, b"\n\n\n", "file is empty"),
        _bad("header_only_items", f, b"item_id,title\n", "header but no rows"),
        _bad("header_only_interactions", f, ITEMS.encode(), "header but no rows", interactions=b"user_id,item_id\n"),
        _bad("empty_interactions", f, ITEMS.encode(), "file is empty", interactions=b""),
        _bad("jsonl_blank_lines", f, b"\n \n", "file is empty", **jl),
        _bad("jsonl_empty_object", f, b"{}\n", "the records have no fields", **jl),
        _bad("parquet_zero_rows", f, _parquet(empty), "no rows", suffix="parquet"),
        _bad("parquet_zero_columns", f, _parquet(pa.table({})), "no columns", suffix="parquet"),
        _bad("parquet_zero_bytes", f, b"", "not a readable Parquet file", suffix="parquet"),
    ]  # fmt: skip


def _mapping() -> list[IngestCase]:
    f = "mapping"
    return [
        _bad("mapping_unknown_id", f, ITEMS.encode(), "names column 'sku' as the item id", mapping_toml='[items]\nid = "sku"\n'),
        _bad("mapping_unknown_title", f, ITEMS.encode(), "names column 'name' as the title", mapping_toml='[items]\ntitle = "name"\n'),
        _bad("mapping_unknown_categorical", f, ITEMS.encode(), "lists column 'tags'", mapping_toml='[items]\ncategorical = ["tags"]\n'),
        _bad("mapping_number_on_text", f, ITEMS.encode(), "expected a number, got 'Drama'", mapping_toml='[items]\nnumber = ["genre"]\n'),
        _bad("mapping_unknown_user_column", f, ITEMS.encode(), "names column 'customer'", mapping_toml='[interactions]\nuser = "customer"\n'),
        _bad("mapping_unknown_rating_column", f, ITEMS.encode(), "names column 'stars'", mapping_toml='[interactions]\nrating = "stars"\n'),
        _bad("mapping_rename_to_reserved", f, ITEMS.encode(), "reserved or repeated", mapping_toml='[items]\nrename = { genre = "item_id" }\n'),
        _bad("mapping_rename_collision", f, ITEMS.encode(), "reserved or repeated", mapping_toml='[items]\nrename = { genre = "year" }\n'),
        _bad("mapping_toml_syntax", f, ITEMS.encode(), "invalid TOML", mapping_toml="[items\nid = \n"),
        _bad("mapping_unknown_section", f, ITEMS.encode(), "invalid mapping", mapping_toml='[products]\nid = "item_id"\n'),
        _bad("mapping_unknown_key", f, ITEMS.encode(), "invalid mapping", mapping_toml='[items]\nidentifier = "item_id"\n'),
        _bad("mapping_empty_separator", f, ITEMS.encode(), "invalid mapping", mapping_toml='[items]\nlist_separator = ""\n'),
        _bad("mapping_wrong_value_type", f, ITEMS.encode(), "invalid mapping", mapping_toml="[items]\nnumber = 5\n"),
        _bad("interactions_one_column", f, ITEMS.encode(), "need a user column and an item column", interactions=b"who\nu1\n"),
        _bad("interactions_unknown_item", f, ITEMS.encode(), "item '99' is not in the items file", interactions=(INTER + "u3,99,1\n").encode()),
        _ok("id_column_not_named_id", f, _csv("sku,name", "A1,Widget"), ("A1", "Widget"), interactions=b"user_id,sku\nu1,A1\n"),
        _bad("unknown_format_flag", f, ITEMS.encode(), "unknown format 'xlsx'", fmt="xlsx"),
        _bad("unknown_suffix", f, ITEMS.encode(), "cannot tell the format", suffix="xlsx"),
    ]  # fmt: skip


def _binary() -> list[IngestCase]:
    f = "binary"
    rng = random.Random(20_260_101)
    junk = bytes(rng.randrange(256) for _ in range(4096))
    parquet = _parquet(pa.table({"item_id": ["1"], "title": ["One"]}))
    return [
        _bad("random_bytes_csv", f, junk, NUL),
        _bad("png_as_csv", f, b"\x89PNG\r\n\x1a\n" + junk[:200], NOT_UTF8),
        _bad("gzip_as_csv", f, b"\x1f\x8b\x08\x00" + junk[:200], NUL),
        _bad("zip_as_csv", f, b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + junk[:200], NUL),
        _bad("elf_as_csv", f, b"\x7fELF\x02\x01\x01\x00" + bytes(64), NUL),
        _bad("nul_in_field", f, ITEMS.replace("Two", "T\x00wo").encode(), NUL),
        _bad("random_bytes_parquet", f, junk, "not a readable Parquet file", suffix="parquet"),
        _bad("random_bytes_jsonl", f, junk, NUL, suffix="jsonl", inter_suffix="jsonl", interactions=INTER_JSONL.encode()),
        _bad("parquet_named_csv", f, parquet, NUL),
        _bad("csv_named_parquet", f, ITEMS.encode(), "not a readable Parquet file", suffix="parquet"),
        _bad("csv_forced_parquet", f, ITEMS.encode(), "not a readable Parquet file", fmt="parquet"),
    ]  # fmt: skip


def _schema() -> list[IngestCase]:
    f = "schema"
    jl = {"suffix": "jsonl", "inter_suffix": "jsonl", "interactions": INTER_JSONL.encode()}
    struct = pa.table({"item_id": ["1", "2"], "title": ["A", "B"], "meta": [{"a": 1}, {"a": 2}]})
    binary = pa.table({"item_id": ["1", "2"], "title": pa.array([b"A", b"\xff"], pa.binary())})
    list_struct = pa.table({"item_id": ["1"], "title": ["A"], "tags": [[{"k": 1}]]})
    nan_ids = pa.table({"item_id": [1.0, float("nan")], "title": ["A", "B"]})
    int_ids = pa.table({"item_id": pa.array([10, 20], pa.int64()), "title": ["Ten", "Twenty"]})
    one_col = pa.table({"user_id": ["u1"]})
    stamps = pa.table(
        {
            "user_id": ["u1"],
            "item_id": ["20"],
            "timestamp": pa.array([1_600_000_000], pa.timestamp("s")),
        }
    )
    inter20 = b"user_id,item_id\nu1,20\n"
    return [
        _bad("parquet_struct_column", f, _parquet(struct), "cannot be read as text", suffix="parquet", interactions=b"user_id,item_id\nu1,1\n"),
        _bad("parquet_binary_not_utf8", f, _parquet(binary), "not UTF-8 text", suffix="parquet", interactions=b"user_id,item_id\nu1,1\n"),
        _bad("parquet_list_of_structs", f, _parquet(list_struct), "cannot be read", suffix="parquet", interactions=b"user_id,item_id\nu1,1\n"),
        _bad("parquet_nan_id", f, _parquet(nan_ids), "empty item id", suffix="parquet", interactions=b"user_id,item_id\nu1,1\n"),
        _ok("parquet_int_ids", f, _parquet(int_ids), ("10", "Ten"), suffix="parquet", interactions=inter20),
        _bad("parquet_interactions_one_column", f, _parquet(int_ids), "need a user column and an item column", suffix="parquet", inter_suffix="parquet", interactions=_parquet(one_col)),
        _ok("parquet_timestamps", f, _parquet(int_ids), ("20", "Twenty"), suffix="parquet", inter_suffix="parquet", interactions=_parquet(stamps)),
        _bad("jsonl_missing_title", f, b'{"item_id": "1", "title": "A"}\n{"item_id": "2"}\n', "empty title", **jl | {"interactions": b'{"user_id": "u", "item_id": "1"}\n'}),
        _bad("jsonl_array_line", f, b'[{"item_id": "1"}]\n', "must be a JSON object", **jl),
        _bad("jsonl_invalid_line", f, b'{"item_id": "1", "title": "A"}\n{"item_id": 2,\n', "invalid JSON", **jl),
        _bad("json_pretty_printed", f, b'{\n  "item_id": "1",\n  "title": "A"\n}\n', "invalid JSON", **jl),
        _bad("jsonl_scalar_line", f, b'"just a string"\n', "must be a JSON object", **jl),
        _bad("jsonl_nested_item_ref", f, ITEMS_JSONL.encode(), "is not in the items file", **jl | {"interactions": b'{"user_id": "u", "item_id": {"id": "1"}}\n'}),
        _ok("jsonl_list_labels", f, b'{"item_id": "1", "title": "A", "tags": ["x", "y"]}\n', ("1", "A"), **jl | {"interactions": b'{"user_id": "u", "item_id": "1"}\n'}),
    ]  # fmt: skip


def ingest_cases() -> list[IngestCase]:
    """Every ingest case, in a fixed order."""
    return [
        *_encodings(),
        *_types(),
        *_duplicates(),
        *_ragged(),
        *_huge(),
        *_formulas(),
        *_empty(),
        *_mapping(),
        *_binary(),
        *_schema(),
    ]
