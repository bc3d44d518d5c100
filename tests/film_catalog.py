"""Write a small film catalog (title, genres, year) with given interactions, for tests that
plant their own structure (tests/agent/minicatalog.py, tests/eval_chat/world.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from recpilot.catalog.build import write_catalog
from recpilot.catalog.schema import AttributeKind, AttributeSpec

Film = tuple[str, str, list[str], int]  # id, title, genres, year
Event = tuple[str, str, int]  # user, item, timestamp


def write_films(path: Path, name: str, films: Sequence[Film], events: Sequence[Event]) -> None:
    items = pa.table(
        {
            "item_id": [f[0] for f in films],
            "title": [f[1] for f in films],
            "genres": [f[2] for f in films],
            "year": [float(f[3]) for f in films],
        }
    )
    interactions = pa.table(
        {
            "user_id": [e[0] for e in events],
            "item_id": [e[1] for e in events],
            "timestamp": [e[2] for e in events],
        }
    )
    write_catalog(
        path,
        name=name,
        source="tests",
        items=items,
        attributes=[
            AttributeSpec(name="genres", kind=AttributeKind.categorical),
            AttributeSpec(name="year", kind=AttributeKind.number),
        ],
        interactions=interactions,
    )
