"""Ingest items, interactions and users from files into a catalog, all or nothing.

Steps: read each file (:mod:`.readers`), pick the id/title/attribute columns (from the
:class:`~.mapping.Mapping` or by inference), convert every column to its type, check the
whole (duplicate ids, unknown items in interactions), then write the catalog atomically
(:func:`.build.write_catalog`). Every problem raises :class:`IngestError` naming file, line
and column; nothing is written until everything has passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel

from recpilot.errors import IngestError

from . import columns as conv
from .build import write_catalog
from .mapping import InteractionsMapping, Mapping, TableMapping
from .readers import RawTable, read_table
from .schema import RESERVED_COLUMNS, AttributeKind, AttributeSpec, attribute_name

log = logging.getLogger(__name__)

ITEM_ID_NAMES = ("item_id", "itemid", "iid", "movie_id", "product_id", "id", "item")
TITLE_NAMES = ("title", "name", "movie_title", "item_title", "item_name", "product_name")
USER_ID_NAMES = ("user_id", "userid", "uid", "customer_id", "user", "id")
RATING_NAMES = ("rating", "ratings", "score", "stars", "r")
TIME_NAMES = ("timestamp", "ts", "time", "datetime", "date")


class IngestReport(BaseModel):
    """What an ingest wrote."""

    name: str
    path: Path
    n_items: int
    n_users: int
    n_interactions: int
    attributes: list[AttributeSpec]
    user_attributes: list[AttributeSpec]
    inferred: list[str]
    """Attributes whose kind was inferred rather than given."""


def _pick(raw: RawTable, role: str, given: str | None, candidates: Sequence[str]) -> str | None:
    names = raw.table.column_names
    if given is not None:
        if given not in names:
            raise IngestError(
                f"the mapping names column {given!r} as the {role}, but the file has: "
                f"{', '.join(names)}",
                file=raw.file,
                column=given,
            )
        return given
    lower = {n.lower(): n for n in names}
    return next((lower[c] for c in candidates if c in lower), None)


def _table_attributes(
    raw: RawTable, mapping: TableMapping, skip: set[str], *, users: bool
) -> tuple[list[tuple[str, AttributeSpec, str | None]], list[str]]:
    """(column, spec, separator) for each attribute column, and the names that were inferred."""
    names = raw.table.column_names
    chosen: list[tuple[str, AttributeKind, str | None]] = []
    inferred: list[str] = []
    if mapping.explicit:
        for kind, cols in (
            (AttributeKind.categorical, mapping.categorical),
            (AttributeKind.number, mapping.number),
            (AttributeKind.text, mapping.text),
        ):
            for col in cols or []:
                if col not in names:
                    raise IngestError(
                        f"the mapping lists column {col!r} ({kind.value}), but the file has: "
                        f"{', '.join(names)}",
                        file=raw.file,
                        column=col,
                    )
                sep = conv.separator(raw, col, mapping.list_separator)
                chosen.append((col, kind, sep))
    else:
        for col in names:
            if col in skip:
                continue
            kind, sep = conv.infer_kind(raw, col, mapping.list_separator, mapping.null_values)
            if users and kind is AttributeKind.categorical and sep is None:
                kind = AttributeKind.text
            chosen.append((col, kind, sep))
            inferred.append(col)
    if mapping.image is not None:  # the picture column: a text attribute named "image"
        if mapping.image not in names:
            raise IngestError(
                f"the mapping names column {mapping.image!r} as the image, but the file has: "
                f"{', '.join(names)}",
                file=raw.file,
                column=mapping.image,
            )
        chosen = [c for c in chosen if c[0] != mapping.image]
        inferred = [c for c in inferred if c != mapping.image]
        chosen.append((mapping.image, AttributeKind.text, None))
    specs: list[tuple[str, AttributeSpec, str | None]] = []
    seen: set[str] = set()
    for col, kind, sep in chosen:
        default = "image" if col == mapping.image else col
        name = attribute_name(mapping.rename.get(col, default))
        if name in RESERVED_COLUMNS or name in seen:
            raise IngestError(
                f"attribute name {name!r} is reserved or repeated; rename it in the mapping "
                f"([items] rename = {{ {col} = 'other_name' }})",
                file=raw.file,
                column=col,
            )
        seen.add(name)
        specs.append(
            (col, AttributeSpec(name=name, kind=kind, description=f"from column {col!r}"), sep)
        )
    return specs, [attribute_name(mapping.rename.get(c, c)) for c in inferred]


def _typed_columns(
    raw: RawTable, specs: list[tuple[str, AttributeSpec, str | None]], nulls: Sequence[str]
) -> dict[str, pa.Array]:
    out: dict[str, pa.Array] = {}
    for col, spec, sep in specs:
        if spec.kind is AttributeKind.number:
            out[spec.name] = conv.numbers(raw, col, nulls)
        elif spec.kind is AttributeKind.categorical:
            out[spec.name] = conv.labels(raw, col, sep, nulls)
        else:
            out[spec.name] = conv.strings(raw, col, nulls)
    return out


def read_items(
    raw: RawTable, mapping: TableMapping
) -> tuple[pa.Table, list[AttributeSpec], list[str]]:
    id_col = _pick(raw, "item id", mapping.id, ITEM_ID_NAMES) or raw.table.column_names[0]
    title_col = _pick(raw, "title", mapping.title, TITLE_NAMES)
    ids = conv.ids(raw, id_col, "item id")
    conv.check_unique(raw, ids, id_col, "item id")
    titles = ids if title_col is None else conv.required_strings(raw, title_col, "title")
    specs, inferred = _table_attributes(raw, mapping, {id_col, title_col or id_col}, users=False)
    columns = {"item_id": ids, "title": titles, **_typed_columns(raw, specs, mapping.null_values)}
    return pa.table(columns), [s for _, s, _ in specs], inferred


def read_users(raw: RawTable, mapping: TableMapping) -> tuple[pa.Table, list[AttributeSpec]]:
    id_col = _pick(raw, "user id", mapping.id, USER_ID_NAMES) or raw.table.column_names[0]
    ids = conv.ids(raw, id_col, "user id")
    conv.check_unique(raw, ids, id_col, "user id")
    specs, _ = _table_attributes(raw, mapping, {id_col}, users=True)
    columns = {"user_id": ids, **_typed_columns(raw, specs, mapping.null_values)}
    return pa.table(columns), [s for _, s, _ in specs]


def read_interactions(
    raw: RawTable, mapping: InteractionsMapping, item_ids: pa.Array, item_id_name: str | None = None
) -> pa.Table:
    names = raw.table.column_names
    user_col = _pick(raw, "user column", mapping.user, USER_ID_NAMES)
    item_col = _pick(
        raw,
        "item column",
        mapping.item,
        (*((item_id_name,) if item_id_name else ()), *ITEM_ID_NAMES),
    )
    if user_col is None or item_col is None:
        if len(names) < 2:
            raise IngestError("interactions need a user column and an item column", file=raw.file)
        user_col, item_col = user_col or names[0], item_col or names[1]
    rating_col = _pick(raw, "rating column", mapping.rating, RATING_NAMES)
    time_col = _pick(raw, "timestamp column", mapping.timestamp, TIME_NAMES)
    users = conv.ids(raw, user_col, "user id")
    items = conv.ids(raw, item_col, "item id")
    conv.check_known(raw, items, item_ids, item_col)
    columns: dict[str, pa.Array] = {"user_id": users, "item_id": items}
    if rating_col is not None:
        columns["rating"] = conv.numbers(raw, rating_col, ())
    if time_col is not None:
        columns["timestamp"] = conv.timestamps(raw, time_col)
    return pa.table(columns)


def ingest_files(
    target: Path,
    *,
    name: str,
    items: Path,
    interactions: Path,
    users: Path | None = None,
    fmt: str | None = None,
    mapping: Mapping | None = None,
    source: str | None = None,
    on_stage: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    """Validate the input files and write the catalog at ``target`` (atomically).
    ``on_stage`` is told as each stage begins: (what, stages done, stages in all)."""

    def stage(what: str, done: int) -> None:
        if on_stage is not None:
            on_stage(what, done, 4)

    mapping = (mapping or Mapping()).checked()
    stage(f"reading {Path(items).name}", 0)
    raw_items = read_table(Path(items), fmt)
    item_table, attributes, inferred = read_items(raw_items, mapping.items)
    id_name = _pick(raw_items, "item id", mapping.items.id, ITEM_ID_NAMES)
    stage(f"reading {Path(interactions).name}", 1)
    raw_inter = read_table(Path(interactions), fmt)
    inter_table = read_interactions(
        raw_inter, mapping.interactions, item_table["item_id"].combine_chunks(), id_name
    )
    user_table: pa.Table | None = None
    user_attributes: list[AttributeSpec] = []
    if users is not None:
        user_table, user_attributes = read_users(read_table(Path(users), fmt), mapping.users)
    stage(f"writing {item_table.num_rows:,} items, {inter_table.num_rows:,} interactions", 2)
    write_catalog(
        Path(target),
        name=name,
        source=source or f"ingest:{Path(items).name},{Path(interactions).name}",
        items=item_table,
        attributes=attributes,
        interactions=inter_table,
        users=user_table,
        user_attributes=user_attributes,
    )
    stage("written", 4)
    user_ids = [inter_table["user_id"].combine_chunks()]
    if user_table is not None:
        user_ids.append(user_table["user_id"].combine_chunks())
    n_users = len(pa.concat_arrays(user_ids).unique())
    return IngestReport(
        name=name,
        path=Path(target),
        n_items=item_table.num_rows,
        n_users=n_users,
        n_interactions=inter_table.num_rows,
        attributes=attributes,
        user_attributes=user_attributes,
        inferred=inferred,
    )
