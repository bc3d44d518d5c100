"""Reading raw tables from RecBole atomic files, CSV, Parquet and JSONL.

Every reader returns a :class:`RawTable`: an Arrow table plus a way to turn a row index into
the line of the file it came from, so later checks can name file, line and column. Text
formats are parsed with Arrow's CSV reader; only when something is wrong is the file scanned
line by line in Python to say exactly where.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from recpilot.errors import IngestError

log = logging.getLogger(__name__)

Quoting = Literal[0, 1, 2, 3]

FORMATS = ("recbole", "csv", "parquet", "jsonl")
RECBOLE_TYPES = ("token", "token_seq", "float", "float_seq")
_SUFFIXES = {
    ".inter": "recbole",
    ".item": "recbole",
    ".user": "recbole",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}


@dataclass
class RawTable:
    """A table as read from one file, before any typing."""

    file: str
    table: pa.Table
    line_of: Callable[[int], int | None]
    """Row index → 1-based line number in the file (``None`` for binary formats)."""
    types: dict[str, str] = field(default_factory=dict)
    """RecBole's declared type per column (``token``, ``token_seq``, ``float``…)."""

    def error(self, message: str, row: int | None = None, column: str | None = None) -> IngestError:
        """An :class:`IngestError` pointing at ``row`` (by line where the format has lines)."""
        line = None if row is None else self.line_of(row)
        if row is not None and line is None:
            message = f"row {row + 1}: {message}"
        return IngestError(message, file=self.file, line=line, column=column)


def detect_format(path: Path) -> str:
    fmt = _SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(
            f"cannot tell the format from the suffix {path.suffix!r}; pass --format "
            f"({', '.join(FORMATS)})",
            file=str(path),
        )
    return fmt


def read_table(path: Path, fmt: str | None = None) -> RawTable:
    """Read one file. ``fmt`` defaults to what the suffix says."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise IngestError(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", file=str(path)
        )
    if not path.is_file():
        raise IngestError("file not found", file=str(path))
    if fmt == "parquet":
        return _read_parquet(path)
    text = _read_text(path)
    if fmt == "jsonl":
        return _read_jsonl(path, text)
    delimiter = "\t" if fmt == "recbole" or path.suffix.lower() == ".tsv" else ","
    return _read_delimited(path, text, delimiter, recbole=fmt == "recbole")


def _decode(path: Path, data: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), or UTF-16 when a byte-order mark says so."""
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8"
    if encoding == "utf-8":
        _refuse_nul(path, data.find(b"\x00"), data.count(b"\n", 0, data.find(b"\x00")) + 1)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"not {encoding.upper()} text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8, e.g. 'iconv -f latin1 -t utf-8 IN > OUT'",
            file=str(path),
            line=line,
        ) from None
    _refuse_nul(path, text.find("\x00"), text.count("\n", 0, text.find("\x00")) + 1)
    return text.removeprefix("\ufeff")


def _refuse_nul(path: Path, offset: int, line: int) -> None:
    if offset >= 0:
        raise IngestError(
            "the file holds NUL characters: is it UTF-16 without a byte-order mark, or not "
            "text at all? Re-save it as UTF-8, e.g. 'iconv -f utf-16le -t utf-8 IN > OUT'",
            file=str(path),
            line=line,
        )


def _read_text(path: Path) -> str:
    text = _decode(path, path.read_bytes())
    if not text.strip():
        raise IngestError(
            "file is empty; it needs a header line and at least one row", file=str(path)
        )
    return text


def _line_index(path: Path, text: str, delimiter: str, quoting: Quoting) -> list[int]:
    """Line number of each data row (after the header), skipping blank lines like Arrow."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    lines = []
    try:
        for k, row in enumerate(reader):
            if k == 0 or not row or row == [""]:
                continue
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise _row_error(path, exc, reader.line_num) from None
    return lines


def _row_error(path: Path, exc: csv.Error, line: int) -> IngestError:
    if "field larger than field limit" in str(exc):
        return IngestError(
            f"a field is longer than {csv.field_size_limit():,} characters; shorten it",
            file=str(path),
            line=line,
        )
    return IngestError(f"malformed row ({exc})", file=str(path), line=line)


def _read_delimited(path: Path, text: str, delimiter: str, *, recbole: bool) -> RawTable:
    quoting: Quoting = csv.QUOTE_NONE if recbole else csv.QUOTE_MINIMAL
    header_line = text.split("\n", 1)[0].removesuffix("\r")
    if "\r" in header_line:
        raise IngestError(
            "lines end in a bare carriage return (old Mac style); convert them to '\\n' "
            "line ends, e.g. \"tr '\\r' '\\n' < IN > OUT\"",
            file=str(path),
        )
    try:
        header = next(csv.reader([header_line], delimiter=delimiter, quoting=quoting))
    except csv.Error as exc:
        raise IngestError(f"malformed header ({exc})", file=str(path), line=1) from None
    names, types = [], {}
    for raw in header:
        raw = raw.strip()
        name, _, kind = raw.partition(":") if recbole else (raw, "", "")
        if recbole and kind not in RECBOLE_TYPES:
            raise IngestError(
                f"RecBole header field {raw!r} needs a type suffix, one of "
                f"{', '.join(RECBOLE_TYPES)} (e.g. 'item_id:token')",
                file=str(path),
                line=1,
                column=name,
            )
        if not name or name in names:
            raise IngestError(
                f"empty or repeated column name {name!r} in the header", file=str(path), line=1
            )
        names.append(name)
        if kind:
            types[name] = kind
    cache: list[list[int]] = []

    def line_of(row: int) -> int | None:
        if not cache:
            cache.append(_line_index(path, text, delimiter, quoting))
        lines = cache[0]
        return lines[row] if 0 <= row < len(lines) else None

    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False if recbole else '"'
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _locate_parse_error(path, text, delimiter, quoting, len(names), exc) from None
    if table.num_rows == 0:
        raise IngestError("file has a header but no rows", file=str(path))
    longest = max(pc.max(pc.utf8_length(c)).as_py() or 0 for c in table.columns)
    if longest > csv.field_size_limit():
        line_of(0)  # the line scan stops at the long field and says where
    return RawTable(str(path), table, line_of, types)


def _locate_parse_error(
    path: Path, text: str, delimiter: str, quoting: Quoting, width: int, exc: Exception
) -> IngestError:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    try:
        for k, row in enumerate(reader):
            if k and row and row != [""] and len(row) != width:
                return IngestError(
                    f"expected {width} fields, found {len(row)} (separator {delimiter!r})",
                    file=str(path),
                    line=reader.line_num,
                )
    except csv.Error as err:
        return _row_error(path, err, reader.line_num)
    return IngestError(f"malformed file ({exc})", file=str(path))


def _read_jsonl(path: Path, text: str) -> RawTable:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"invalid JSON ({exc.msg} at character {exc.colno})", file=str(path), line=number
            ) from None
        if not isinstance(record, dict):
            raise IngestError("each line must be a JSON object", file=str(path), line=number)
        records.append(record)
        lines.append(number)
    if not records:
        raise IngestError("file has no records", file=str(path))
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record))
    if not names:
        raise IngestError("the records have no fields", file=str(path), line=lines[0])
    columns = {name: _json_column([r.get(name) for r in records]) for name in names}
    table = pa.table(columns)
    return RawTable(str(path), table, lambda row: lines[row] if 0 <= row < len(lines) else None)


def _json_column(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, list) for v in present):
        return pa.array(
            [None if v is None else [str(x) for x in v] for v in values], type=pa.list_(pa.string())
        )
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        try:  # integers stay exact (ids past 2**53 must not collapse into one float)
            return pa.array(values, type=pa.int64())
        except OverflowError:
            return pa.array([None if v is None else str(v) for v in values], type=pa.string())
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], type=pa.float64())
    return pa.array(
        [None if v is None else v if isinstance(v, str) else json.dumps(v) for v in values],
        type=pa.string(),
    )


def _read_parquet(path: Path) -> RawTable:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"not a readable Parquet file ({exc})", file=str(path)) from None
    if table.num_rows == 0 or table.num_columns == 0:
        raise IngestError("file has no rows or no columns", file=str(path))
    return RawTable(str(path), table, lambda row: None)
