"""The catalog: items with typed attributes, interactions and users in one DuckDB file.

Tables: ``items(item_id, title, <one column per attribute>)``, ``interactions(user_id,
item_id, rating, timestamp)``, ``users(user_id, <user attributes>)`` and ``meta`` (key/value:
attribute specs as JSON, dataset name, source). Item order is insertion order (``rowid``)
and is the item vocabulary of :meth:`Catalog.interactions`.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np

from recpilot.errors import CatalogError

from .build import quote
from .filters import ItemFilter
from .interactions import InteractionData
from .schema import AttributeKind, AttributeSpec, AttributeValue, CatalogStats
from .schema import Item as Item
from .summary import summarize

log = logging.getLogger(__name__)

_REBUILD = (
    "rebuild it with 'recpilot data ingest' (or delete the file to rebuild a bundled dataset)"
)


def _value(kind: AttributeKind, raw: Any) -> AttributeValue:
    if raw is None:
        return None
    if kind is AttributeKind.number:
        number = float(raw)
        if math.isnan(number):
            return None
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind is AttributeKind.categorical:
        return [str(v) for v in raw]
    return str(raw)


def describe_value(value: AttributeValue) -> str:
    """An attribute value as short text (lists comma-joined)."""
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


class Catalog:
    """An open catalog file. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self._path = path
        self._con = con
        self._read_only = read_only
        self._interactions: InteractionData | None = None
        self._item_ids: list[str] | None = None
        self._item_cache: dict[str, Item] = {}  # rows already read (items never change in place)
        self._values: dict[str, list[str]] = {}  # categorical_values, per attribute
        self._rowid_order: np.ndarray | None = None  # rowids in item order (matching)
        self._filter: ItemFilter | None = None  # in-memory hard filters (item_filter)
        self._load_meta()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path, *, read_only: bool = True) -> Catalog:
        """Open a catalog file. Raises :class:`CatalogError` if it is missing or corrupt."""
        path = Path(path)
        if not path.is_file():
            raise CatalogError(
                f"no catalog at {path}; create it with 'recpilot data ingest' or "
                "'recpilot data synth', or use a bundled dataset ('recpilot data list')"
            )
        con = cls._connect(path, read_only)
        try:
            return cls(path, con, read_only)
        except BaseException:
            con.close()
            raise

    @staticmethod
    def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise CatalogError(
                    f"catalog {path} is locked by another process ({exc}); close the other "
                    "recpilot process that writes to it and retry"
                ) from None
            raise CatalogError(
                f"catalog {path} is not a readable DuckDB file ({exc}); {_REBUILD}"
            ) from None
        except duckdb.Error as exc:
            raise CatalogError(f"catalog {path} cannot be opened ({exc}); {_REBUILD}") from None

    def _load_meta(self) -> None:
        try:
            rows = self._con.execute("SELECT key, value FROM meta").fetchall()
        except duckdb.Error:
            raise CatalogError(
                f"{self._path} is not a recpilot catalog (no meta table); {_REBUILD}"
            ) from None
        meta = dict(rows)
        try:
            self._name = meta["name"]
            self._source = meta.get("source", "")
            self._attributes = [AttributeSpec(**a) for a in json.loads(meta["attributes"])]
            self._user_attributes = [
                AttributeSpec(**a) for a in json.loads(meta.get("user_attributes", "[]"))
            ]
        except (KeyError, ValueError, TypeError) as exc:
            raise CatalogError(f"{self._path} has damaged metadata ({exc}); {_REBUILD}") from None
        self._by_name = {a.name: a for a in self._attributes}

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Catalog(name={self._name!r}, path={str(self._path)!r})"

    # ------------------------------------------------------------------ schema
    @property
    def name(self) -> str:
        return self._name

    @property
    def path(self) -> Path:
        return self._path

    @property
    def source(self) -> str:
        return self._source

    @property
    def attributes(self) -> list[AttributeSpec]:
        return list(self._attributes)

    @property
    def user_attributes(self) -> list[AttributeSpec]:
        return list(self._user_attributes)

    def attribute(self, name: str) -> AttributeSpec | None:
        return self._by_name.get(name)

    def _require(self, name: str, kind: AttributeKind) -> AttributeSpec:
        spec = self._by_name.get(name)
        if spec is None:
            valid = ", ".join(a.name for a in self._attributes) or "(none)"
            raise CatalogError(
                f"unknown attribute {name!r} in catalog {self._name!r}; valid: {valid}"
            )
        if spec.kind is not kind:
            raise CatalogError(f"attribute {name!r} is {spec.kind.value}, not {kind.value}")
        return spec

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for advanced read use (use a ``.cursor()`` per thread)."""
        return self._con

    # ------------------------------------------------------------------ queries
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one parameterised read query (``?`` placeholders) and return its rows."""
        try:
            statements = duckdb.extract_statements(sql)
        except duckdb.Error as exc:
            raise CatalogError(f"invalid SQL ({exc}): {sql}") from None
        if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
            raise CatalogError(f"Catalog.query runs exactly one SELECT statement, got: {sql}")
        try:
            with self._con.cursor() as cur:
                return cur.execute(sql, list(params)).fetchall()
        except duckdb.Error as exc:
            raise CatalogError(f"query failed ({exc}): {sql}") from None

    def matching(self, where: Sequence[str], params: Sequence[object] = ()) -> np.ndarray:
        """Positions (in :meth:`item_ids` order) of the items meeting every ``where`` clause
        (parameterised, ``?`` placeholders), ascending. One scan, returned as an array: no
        Python object per matching item, so a filter over a million items stays cheap."""
        sql = "SELECT rowid FROM items" + (f" WHERE {' AND '.join(where)}" if where else "")
        try:
            with self._con.cursor() as cur:
                found = cur.execute(sql, list(params)).fetchnumpy()["rowid"]
        except duckdb.Error as exc:
            raise CatalogError(f"query failed ({exc}): {sql}") from None
        rowids = np.sort(np.asarray(found, dtype=np.int64))
        order = self._rowids()
        if len(order) and order[-1] == len(order) - 1:  # dense rowids: positions already
            return rowids
        return np.searchsorted(order, rowids)

    def item_filter(self) -> ItemFilter:
        """Posting lists of every categorical value and every numeric column, in memory, for
        hard filters that a million-item scan would make slow (read once per open catalog)."""
        if self._filter is None:
            order = self._rowids()

            def positions(rowids: np.ndarray) -> np.ndarray:
                return np.searchsorted(order, np.asarray(rowids, dtype=np.int64))

            pairs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            columns: dict[str, np.ndarray] = {}
            with self._con.cursor() as cur:
                for a in self._attributes:
                    col = quote(a.name)
                    if a.kind is AttributeKind.categorical:
                        got = cur.execute(
                            f"SELECT r, v FROM (SELECT rowid AS r, unnest({col}) AS v FROM items)"
                            " WHERE v IS NOT NULL"
                        ).fetchnumpy()
                        rows = np.asarray(got["r"], dtype=np.int64)
                        pairs[a.name] = (positions(rows), np.asarray(got["v"], dtype=str))
                    elif a.kind is AttributeKind.number:
                        got = cur.execute(
                            f"SELECT {col} AS x FROM items ORDER BY rowid"
                        ).fetchnumpy()
                        columns[a.name] = np.ma.filled(
                            np.ma.asarray(got["x"]).astype(np.float64), np.nan
                        )
            kinds = {a.name: a.kind for a in self._attributes}
            self._filter = ItemFilter.build(len(order), kinds, pairs, columns)
        return self._filter

    def ids_at(self, positions: Sequence[int] | np.ndarray) -> list[str]:
        """The item ids at these positions of :meth:`item_ids` (no copy of the whole list)."""
        if self._item_ids is None:
            self.item_ids()
        ids = self._item_ids or []
        return [ids[int(i)] for i in positions]

    def _rowids(self) -> np.ndarray:
        if self._rowid_order is None:
            with self._con.cursor() as cur:
                rows = cur.execute("SELECT rowid FROM items ORDER BY rowid").fetchnumpy()
            self._rowid_order = np.asarray(rows["rowid"], dtype=np.int64)
        return self._rowid_order

    def item_ids(self) -> list[str]:
        """All item ids in catalog order (the item vocabulary of :meth:`interactions`)."""
        if self._item_ids is None:
            with self._con.cursor() as cur:
                rows = cur.execute("SELECT item_id FROM items ORDER BY rowid").fetchnumpy()
            self._item_ids = [str(i) for i in rows["item_id"]]
        return list(self._item_ids)

    def _items(self, where: str = "", params: Sequence[object] = ()) -> list[Item]:
        columns = ", ".join(["item_id", "title", *(quote(a.name) for a in self._attributes)])
        with self._con.cursor() as cur:
            rows = cur.execute(f"SELECT {columns} FROM items {where}", list(params)).fetchall()
        return [
            Item(
                item_id=row[0],
                title=row[1],
                attributes={
                    a.name: _value(a.kind, v)
                    for a, v in zip(self._attributes, row[2:], strict=True)
                },
            )
            for row in rows
        ]

    def get_item(self, item_id: str) -> Item | None:
        found = self._items("WHERE item_id = ?", [str(item_id)])
        return found[0] if found else None

    def get_items(self, ids: Sequence[str]) -> list[Item]:
        """Items for ``ids`` in the given order; unknown ids are left out. Rows are cached
        on the instance, so repeated turns over the same items skip the query."""
        if not ids:
            return []
        wanted = [str(i) for i in ids]
        missing = [i for i in dict.fromkeys(wanted) if i not in self._item_cache]
        if missing:
            for item in self._items("WHERE item_id IN (SELECT unnest(?))", [missing]):
                self._item_cache[item.item_id] = item
        return [self._item_cache[i] for i in wanted if i in self._item_cache]

    def titles(self) -> dict[str, str]:
        with self._con.cursor() as cur:
            return dict(cur.execute("SELECT item_id, title FROM items ORDER BY rowid").fetchall())

    def item_texts(self) -> list[str]:
        """One line per item, aligned with :meth:`item_ids`.

        ``"Title. genres: A, B. year: 1995. <text attributes>."``, for content models.
        """
        columns = ", ".join(["title", *(quote(a.name) for a in self._attributes)])
        with self._con.cursor() as cur:
            rows = cur.execute(f"SELECT {columns} FROM items ORDER BY rowid").fetchall()
        texts = []
        for title, *values in rows:
            parts = [str(title).rstrip(".")]
            for spec, raw in zip(self._attributes, values, strict=True):
                value = _value(spec.kind, raw)
                if value is None or value == []:
                    continue
                text = describe_value(value).rstrip(".")
                parts.append(text if spec.kind is AttributeKind.text else f"{spec.name}: {text}")
            texts.append(". ".join(parts) + ".")
        return texts

    def categorical_values(self, attr: str) -> list[str]:
        """Sorted distinct values of a categorical attribute (for schema enums)."""
        col = quote(self._require(attr, AttributeKind.categorical).name)
        if attr not in self._values:  # a scan of every item: once per open catalog
            rows = self.query(
                f"SELECT DISTINCT v FROM (SELECT unnest({col}) AS v FROM items)"
                " WHERE v IS NOT NULL ORDER BY v"
            )
            self._values[attr] = [r[0] for r in rows]
        return list(self._values[attr])

    def numeric_range(self, attr: str) -> tuple[float, float] | None:
        col = quote(self._require(attr, AttributeKind.number).name)
        low, high = self.query(f"SELECT min({col}), max({col}) FROM items")[0]
        return None if low is None else (float(low), float(high))

    # ------------------------------------------------------------------ interactions
    def interactions(self) -> InteractionData:
        """All interactions over the whole catalog's item vocabulary (cached)."""
        if self._interactions is None:
            self._interactions = self._load_interactions()
        return self._interactions

    def _load_interactions(self) -> InteractionData:
        item_ids = self.item_ids()
        with self._con.cursor() as cur:
            user_ids = cur.execute("SELECT user_id FROM users ORDER BY user_id").fetchnumpy()[
                "user_id"
            ]
            cols = cur.execute(
                "WITH i AS (SELECT item_id, (row_number() OVER (ORDER BY rowid) - 1)::INTEGER AS ix"
                " FROM items), u AS (SELECT user_id, (row_number() OVER (ORDER BY user_id) - 1)"
                "::INTEGER AS ux FROM users)"
                " SELECT u.ux, i.ix, x.rating, x.timestamp FROM interactions x"
                " JOIN i USING (item_id) JOIN u USING (user_id) ORDER BY x.rowid"
            ).fetchnumpy()
            has_r, has_t = cur.execute(
                "SELECT count(rating) > 0, count(timestamp) > 0 FROM interactions"
            ).fetchone() or (False, False)
        ratings = np.asarray(cols["rating"], dtype=np.float32) if has_r else None
        stamps = None
        if has_t:
            stamps = np.ma.filled(np.ma.asarray(cols["timestamp"]), 0).astype(np.int64)
        return InteractionData(
            user_ids=np.asarray([str(u) for u in user_ids], dtype=str),
            item_ids=np.asarray(item_ids, dtype=str),
            users=np.asarray(cols["ux"], dtype=np.int32),
            items=np.asarray(cols["ix"], dtype=np.int32),
            ratings=None if ratings is None else np.ma.filled(np.ma.asarray(ratings), np.nan),
            timestamps=stamps,
            item_texts=tuple(self.item_texts()),
        )

    # ------------------------------------------------------------------ cold start
    def add_items(self, items: Sequence[Item]) -> None:
        """Add new items (cold start) in one transaction; all are added or none.

        Raises :class:`CatalogError` for an id already in the catalog (or repeated), an
        unknown attribute, or a value of the wrong kind.
        """
        if not items:
            return
        rows = [self._row(item) for item in items]
        ids = [row[0] for row in rows]
        if len(set(ids)) != len(ids):
            raise CatalogError("add_items: the same item id appears twice in the batch")
        columns = ", ".join(["item_id", "title", *(quote(a.name) for a in self._attributes)])
        marks = ", ".join("?" * (2 + len(self._attributes)))
        if self._read_only:
            self._con.close()
        try:
            con = self._con if not self._read_only else self._connect(self._path, False)
            try:
                con.execute("BEGIN TRANSACTION")
                taken = con.execute(
                    "SELECT item_id FROM items WHERE item_id IN (SELECT unnest(?))", [ids]
                ).fetchall()
                if taken:
                    raise CatalogError(
                        f"add_items: item {taken[0][0]!r} is already in catalog {self._name!r}; "
                        "use a new id"
                    )
                con.executemany(f"INSERT INTO items ({columns}) VALUES ({marks})", rows)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                if self._read_only:
                    con.close()
        finally:
            if self._read_only:
                self._con = self._connect(self._path, True)
            self._interactions = None
            self._item_ids = None
            self._item_cache.clear()
            self._values.clear()
            self._rowid_order = None
            self._filter = None
        log.info("added items catalog=%s n=%d", self._name, len(rows))

    def _row(self, item: Item) -> list[object]:
        unknown = set(item.attributes) - set(self._by_name)
        if unknown:
            valid = ", ".join(self._by_name) or "(none)"
            raise CatalogError(
                f"item {item.item_id!r}: unknown attributes {sorted(unknown)}; valid: {valid}"
            )
        row: list[object] = [str(item.item_id), str(item.title)]
        for spec in self._attributes:
            value = item.attributes.get(spec.name)
            bad = False
            if value is None:
                pass
            elif spec.kind is AttributeKind.categorical:
                value = [value] if isinstance(value, str) else value
                bad = not (isinstance(value, list) and all(isinstance(v, str) for v in value))
            elif spec.kind is AttributeKind.number:
                bad = isinstance(value, bool) or not isinstance(value, int | float)
                value = None if bad else float(value)  # type: ignore[arg-type]
            else:
                bad = not isinstance(value, str)
            if bad:
                raise CatalogError(
                    f"item {item.item_id!r}: attribute {spec.name!r} must be {spec.kind.value}, "
                    f"got {item.attributes.get(spec.name)!r}"
                )
            row.append(value)
        return row

    # ------------------------------------------------------------------ summary
    def stats(self) -> CatalogStats:
        """Counts, density and a per-attribute summary."""
        return summarize(self)
