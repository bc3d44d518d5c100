"""Reading raw tables from RecBole atomic files, CSV, Parquet and JSONL.

Every reader returns a :class:`RawTable`: an Arrow table plus a way to turn a row index into
the line of the file it came from, so later checks can name file, line and column. Text
formats are parsed with Arrow's CSV reader; only when something is wrong is the file scanned
line by line in Python to say exactly where.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
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


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); re-save the "
            "file as UTF-8, e.g. 'iconv -f latin1 -t utf-8 IN > OUT'",
            file=str(path),
            line=line,
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise IngestError(
            "file is empty; it needs a header line and at least one row", file=str(path)
        )
    return text


def _line_index(text: str, delimiter: str, quoting: Quoting) -> list[int]:
    """Line number of each data row (after the header), skipping blank lines like Arrow."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    lines = []
    for k, row in enumerate(reader):
        if k == 0 or not row or row == [""]:
            continue
        lines.append(reader.line_num)
    return lines


def _read_delimited(path: Path, text: str, delimiter: str, *, recbole: bool) -> RawTable:
    quoting: Quoting = csv.QUOTE_NONE if recbole else csv.QUOTE_MINIMAL
    header_line = text.split("\n", 1)[0].rstrip("\r")
    header = next(csv.reader([header_line], delimiter=delimiter, quoting=quoting))
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
            cache.append(_line_index(text, delimiter, quoting))
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
        return IngestError(f"malformed row ({err})", file=str(path), line=reader.line_num)
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
    columns = {name: _json_column([r.get(name) for r in records]) for name in names}
    table = pa.table(columns)
    return RawTable(str(path), table, lambda row: lines[row] if 0 <= row < len(lines) else None)


def _json_column(values: list[Any]) -> pa.Array:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, list) for v in present):
        return pa.array(
            [None if v is None else [str(x) for x in v] for v in values], type=pa.list_(pa.string())
        )
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
    if table.num_rows == 0:
        raise IngestError("file has no rows", file=str(path))
    return RawTable(str(path), table, lambda row: None)
