"""Typing raw columns: ids, numbers, label lists, text and timestamps, plus kind inference.

Each converter works on a whole Arrow column at once and, when a value is wrong, reports the
first bad row through :meth:`RawTable.error` (file, line, column).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .readers import RawTable
from .schema import AttributeKind

SEPARATORS = ("|", ";", ",")
_SAMPLE = 20_000
_MAX_SECONDS = 1e13  # about the year 318,857: anything beyond is not a timestamp


def _column(raw: RawTable, col: str) -> pa.Array:
    return raw.table[col].combine_chunks()


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _text(raw: RawTable, col: str, arr: pa.Array, nulls: Sequence[str]) -> pa.Array:
    try:
        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            arr = pc.binary_join(pc.cast(arr, pa.list_(pa.string())), ", ")
        elif not pa.types.is_string(arr.type):
            arr = pc.cast(arr, pa.string())
    except pa.ArrowInvalid as exc:  # bytes that are not UTF-8
        raise raw.error(
            f"values of type {arr.type} are not UTF-8 text ({exc})", column=col
        ) from None
    except pa.ArrowNotImplementedError:  # struct, map, nested lists...
        raise raw.error(
            f"values of type {arr.type} cannot be read as text, numbers or a list of labels; "
            "flatten the column into plain values",
            column=col,
        ) from None
    arr = pc.utf8_trim_whitespace(arr)
    if nulls:
        arr = pc.if_else(pc.is_in(arr, value_set=pa.array(list(nulls), pa.string())), None, arr)
    return arr


def strings(raw: RawTable, col: str, nulls: Sequence[str]) -> pa.Array:
    """The column as trimmed text; values in ``nulls`` become missing."""
    return _text(raw, col, _column(raw, col), nulls)


def _nonempty(raw: RawTable, arr: pa.Array, col: str, role: str) -> pa.Array:
    missing = arr.is_null().to_numpy(zero_copy_only=False)
    if missing.any():
        raise raw.error(f"empty {role}", row=_first(missing), column=col)
    return arr


def required_strings(raw: RawTable, col: str, role: str) -> pa.Array:
    return _nonempty(raw, strings(raw, col, ("",)), col, role)


def ids(raw: RawTable, col: str, role: str) -> pa.Array:
    """Id column as text; integral floats (``1.0``) read as ``"1"``."""
    arr = _column(raw, col)
    if pa.types.is_floating(arr.type):
        arr = pc.if_else(pc.is_nan(arr), None, arr)
        values = arr.to_numpy(zero_copy_only=False)
        if np.all(np.isnan(values) | (values == np.round(values))):
            arr = pc.cast(arr, pa.int64(), safe=False)
    return _nonempty(raw, _text(raw, col, arr, ("",)), col, role)


def check_unique(raw: RawTable, arr: pa.Array, col: str, role: str) -> None:
    series = pd.Series(arr.to_numpy(zero_copy_only=False))
    dup = series.duplicated().to_numpy()
    if dup.any():
        k = _first(dup)
        first = int(np.flatnonzero((series == series[k]).to_numpy())[0])
        where = raw.line_of(first)
        before = f"line {where}" if where is not None else f"row {first + 1}"
        raise raw.error(
            f"duplicate {role} {series[k]!r} (first seen on {before})", row=k, column=col
        )


def check_known(raw: RawTable, items: pa.Array, known: pa.Array, col: str) -> None:
    ok = pc.is_in(items, value_set=known).to_numpy(zero_copy_only=False)
    if not ok.all():
        k = _first(~ok)
        raise raw.error(
            f"item {items[k].as_py()!r} is not in the items file; add it there or drop the row",
            row=k,
            column=col,
        )


def numbers(raw: RawTable, col: str, nulls: Sequence[str]) -> pa.Array:
    """The column as float64; raises on a value that is not a finite number (NaN reads as
    missing)."""
    arr = _column(raw, col)
    if (
        pa.types.is_integer(arr.type)
        or pa.types.is_floating(arr.type)
        or pa.types.is_decimal(arr.type)
    ):
        return _finite(raw, col, pc.cast(arr, pa.float64()), arr)
    text = strings(raw, col, tuple(nulls) or ("",))
    try:
        return _finite(raw, col, pc.cast(text, pa.float64()), text)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    series = pd.Series(text.to_numpy(zero_copy_only=False), dtype=object)
    parsed = pd.to_numeric(series, errors="coerce")
    bad = (parsed.isna() & series.notna()).to_numpy()
    if bad.any():
        k = _first(bad)
        raise raw.error(f"expected a number, got {series[k]!r}", row=k, column=col)
    values = pa.array(parsed.to_numpy(dtype=np.float64), mask=parsed.isna().to_numpy())
    return _finite(raw, col, values, text)


def _finite(raw: RawTable, col: str, values: pa.Array, source: pa.Array) -> pa.Array:
    """NaN becomes missing; an infinite value (``inf``, ``1e999``) is an error."""
    values = pc.if_else(pc.is_nan(values), None, values)
    infinite = pc.fill_null(pc.is_inf(values), False).to_numpy(zero_copy_only=False)
    if infinite.any():
        k = _first(infinite)
        raise raw.error(f"expected a finite number, got {source[k].as_py()!r}", row=k, column=col)
    return values


def timestamps(raw: RawTable, col: str) -> pa.Array:
    """Seconds since the epoch as int64, from numbers or ISO date strings."""
    arr = _column(raw, col)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        seconds = pc.cast(pc.cast(arr, pa.timestamp("s")), pa.int64())
        return seconds
    try:
        values = numbers(raw, col, ("",))
    except Exception as number_error:
        text = strings(raw, col, ("",)).to_numpy(zero_copy_only=False)
        parsed = pd.to_datetime(pd.Series(text), errors="coerce", utc=True, format="ISO8601")
        if (parsed.isna() & pd.notna(pd.Series(text))).any():
            raise number_error from None
        zero = pd.Timestamp(0, tz="UTC")
        epoch = (parsed.fillna(zero) - zero) // pd.Timedelta(seconds=1)
        return pa.array(epoch.to_numpy(), mask=parsed.isna().to_numpy(), type=pa.int64())
    seconds = pc.floor(values)
    out_of_range = pc.fill_null(pc.greater(pc.abs(seconds), _MAX_SECONDS), False)
    if pc.any(out_of_range).as_py():
        k = _first(out_of_range.to_numpy(zero_copy_only=False))
        raise raw.error(
            f"timestamp {values[k].as_py()!r} is out of range (seconds since 1970 expected)",
            row=k,
            column=col,
        )
    return pc.cast(seconds, pa.int64())


def labels(raw: RawTable, col: str, sep: str | None, nulls: Sequence[str]) -> pa.Array:
    """The column as ``list<string>``: native lists, or strings split on ``sep``."""
    arr = _column(raw, col)
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        try:
            lists = pc.cast(arr, pa.list_(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise raw.error(
                f"a list column of type {arr.type} cannot be read as labels; use lists of "
                "strings or numbers",
                column=col,
            ) from None
    else:
        text = pc.fill_null(strings(raw, col, nulls), "")
        lists = (
            pc.split_pattern(text, sep)
            if sep
            else pc.list_slice(
                pa.ListArray.from_arrays(pa.array(np.arange(len(text) + 1, dtype=np.int32)), text),
                0,
            )
        )
    flat = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    keep = pc.and_(pc.is_valid(flat), pc.not_equal(flat, "")).to_numpy(zero_copy_only=False)
    keep &= ~pc.is_in(flat, value_set=pa.array(list(nulls), pa.string())).to_numpy(
        zero_copy_only=False
    )
    counts = np.bincount(parents[keep], minlength=len(lists))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(keep)))


def separator(raw: RawTable, col: str, given: str | None) -> str | None:
    """The list separator of a categorical column: given, RecBole's space, or detected."""
    if given is not None:
        return given
    if raw.types.get(col) == "token_seq":
        return " "
    arr = _column(raw, col)
    if not pa.types.is_string(arr.type):
        return None
    sample = [v for v in arr.slice(0, _SAMPLE).to_pylist() if v]
    for sep in SEPARATORS:
        if sample and sum(sep in v for v in sample) >= 0.05 * len(sample):
            return sep
    return None


def infer_kind(
    raw: RawTable, col: str, given_sep: str | None, nulls: Sequence[str]
) -> tuple[AttributeKind, str | None]:
    """Numeric columns → number; short separator-joined tokens → categorical; long → text."""
    arr = _column(raw, col)
    declared = raw.types.get(col)
    if declared == "float" or pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return AttributeKind.number, None
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return AttributeKind.categorical, None
    sample = [v.strip() for v in strings(raw, col, nulls).slice(0, _SAMPLE).to_pylist() if v]
    if not sample:
        return AttributeKind.text, None
    if declared != "token_seq" and pd.to_numeric(pd.Series(sample), errors="coerce").notna().all():
        return AttributeKind.number, None
    words = [len(v.split()) for v in sample]
    mean_len = sum(map(len, sample)) / len(sample)
    sep = separator(raw, col, given_sep)
    if sep is not None:
        tokens = [t.strip() for v in sample for t in v.split(sep) if t.strip()]
        token_words = sum(len(t.split()) for t in tokens) / max(len(tokens), 1)
        if tokens and token_words <= 3 and sum(map(len, tokens)) / len(tokens) <= 25:
            return AttributeKind.categorical, sep
    if mean_len > 40 or max(words) > 6:
        return AttributeKind.text, None
    if len(set(sample)) <= max(20, len(sample) // 2):
        return AttributeKind.categorical, None
    return AttributeKind.text, None
