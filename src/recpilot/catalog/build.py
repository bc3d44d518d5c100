"""Writing a catalog file, all or nothing.

:func:`write_catalog` builds a complete catalog into a temporary DuckDB file next to the
target (``meta`` is the last table written: a file without it is refused on open), flushes
it to disk and moves it into place with :func:`os.replace` only once every table is written
and checked, then flushes the directory. A failure, or a ``kill -9``, at any point leaves the
previous file (if any) complete and in place; the temporary files a killed writer left are
removed by the next one.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb
import pyarrow as pa

from recpilot.durable import fsync_path, remove_stale_temps, temp_path
from recpilot.errors import CatalogError, IngestError

from .schema import AttributeSpec

log = logging.getLogger(__name__)

FORMAT_VERSION = "1"


def quote(name: str) -> str:
    """A SQL identifier, double-quoted."""
    return '"' + name.replace('"', '""') + '"'


def items_ddl(attributes: Sequence[AttributeSpec]) -> str:
    columns = ["item_id VARCHAR PRIMARY KEY", "title VARCHAR NOT NULL"]
    columns += [f"{quote(a.name)} {a.kind.sql_type}" for a in attributes]
    return f"CREATE TABLE items ({', '.join(columns)})"


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with suppress(FileNotFoundError):
            p.unlink()


@contextmanager
def atomic_duckdb(target: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a fresh temporary database that replaces ``target`` on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target.parent, target.name)
    tmp = temp_path(target)
    con = duckdb.connect(str(tmp))
    try:
        yield con
        con.execute("CHECKPOINT")
        con.close()
        fsync_path(tmp)
    except BaseException:
        con.close()
        _remove(tmp)
        raise
    _settle_wal(target)
    os.replace(tmp, target)
    fsync_path(target.parent)
    _remove(tmp)


def _settle_wal(target: Path) -> None:
    """Fold a write-ahead log left by a crashed writer of the *old* file into that file, so
    that it can never be replayed onto the new one (a kill before the swap then leaves the
    old catalog whole). An old file that cannot be opened is being replaced: its log goes."""
    wal = target.with_name(target.name + ".wal")
    if not wal.exists():
        return
    try:
        duckdb.connect(str(target)).close()
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise CatalogError(
                f"catalog {target} is open for writing in another process ({exc}); "
                "stop it and retry"
            ) from None
        log.warning("dropping the write-ahead log of unreadable catalog %s (%s)", target, exc)
        with suppress(FileNotFoundError):
            wal.unlink()
    fsync_path(target.parent)


def write_catalog(
    target: Path,
    *,
    name: str,
    source: str,
    items: pa.Table,
    attributes: Sequence[AttributeSpec],
    interactions: pa.Table,
    users: pa.Table | None = None,
    user_attributes: Sequence[AttributeSpec] = (),
) -> None:
    """Write a catalog file at ``target`` (replacing it atomically).

    ``items`` has columns ``item_id``, ``title`` and one column per attribute (list of
    strings, float or string); ``interactions`` has ``user_id``, ``item_id`` and optionally
    ``rating`` and ``timestamp``; ``users`` has ``user_id`` and one column per user
    attribute. Ids may be any type that casts to text. Raises :class:`IngestError` on
    duplicate ids or interactions with items that are not in ``items``.
    """
    started = time.perf_counter()
    with atomic_duckdb(target) as con:
        con.register("src_items", items)
        con.execute(items_ddl(attributes))
        select = ["CAST(item_id AS VARCHAR)", "CAST(title AS VARCHAR)"]
        select += [f"CAST({quote(a.name)} AS {a.kind.sql_type})" for a in attributes]
        try:
            con.execute(f"INSERT INTO items SELECT {', '.join(select)} FROM src_items")
        except duckdb.ConstraintException as exc:
            raise IngestError(f"items: duplicate or missing item id ({exc})") from None
        con.unregister("src_items")

        names = set(interactions.column_names)
        rating = "CAST(rating AS DOUBLE)" if "rating" in names else "NULL"
        stamp = "CAST(timestamp AS BIGINT)" if "timestamp" in names else "NULL"
        con.register("src_inter", interactions)
        con.execute(
            "CREATE TABLE interactions (user_id VARCHAR NOT NULL, item_id VARCHAR NOT NULL,"
            " rating DOUBLE, timestamp BIGINT)"
        )
        con.execute(
            "INSERT INTO interactions SELECT CAST(user_id AS VARCHAR),"
            f" CAST(item_id AS VARCHAR), {rating}, {stamp} FROM src_inter"
        )
        con.unregister("src_inter")
        unknown = con.execute(
            "SELECT item_id FROM interactions ANTI JOIN items USING (item_id) LIMIT 1"
        ).fetchone()
        if unknown:
            raise IngestError(f"interactions: item {unknown[0]!r} is not in the items table")

        user_cols = ["user_id VARCHAR PRIMARY KEY"]
        user_cols += [f"{quote(a.name)} {a.kind.sql_type}" for a in user_attributes]
        con.execute(f"CREATE TABLE users ({', '.join(user_cols)})")
        if users is not None:
            con.register("src_users", users)
            sel = ["CAST(user_id AS VARCHAR)"]
            sel += [f"CAST({quote(a.name)} AS {a.kind.sql_type})" for a in user_attributes]
            try:
                con.execute(f"INSERT INTO users SELECT {', '.join(sel)} FROM src_users")
            except duckdb.ConstraintException as exc:
                raise IngestError(f"users: duplicate or missing user id ({exc})") from None
            con.unregister("src_users")
        con.execute(
            "INSERT INTO users (user_id) SELECT DISTINCT user_id FROM interactions"
            " ANTI JOIN users USING (user_id) ORDER BY user_id"
        )

        meta = {
            "format_version": FORMAT_VERSION,
            "name": name,
            "source": source,
            "attributes": json.dumps([a.model_dump(mode="json") for a in attributes]),
            "user_attributes": json.dumps([a.model_dump(mode="json") for a in user_attributes]),
            "created_at": str(int(time.time())),
        }
        con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    log.info(
        "wrote catalog name=%s path=%s items=%d interactions=%d seconds=%.2f",
        name,
        target,
        items.num_rows,
        interactions.num_rows,
        time.perf_counter() - started,
    )
