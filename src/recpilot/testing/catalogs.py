"""Two non-movie catalogs with planted structure, ingested the way a user would ingest them.

``planted-books`` (a bookshop: author, category, language, format, price, pages, published,
blurb; CSV files) and ``planted-shop`` (a web shop: brand, category, colour, price, rating,
description; JSONL files). :func:`write_files` writes the files a user would bring, plus the
TOML mapping they would write; :func:`ensure_catalog` runs them through the real ingest path
(:func:`recpilot.catalog.ingest.ingest_files` with that mapping) into ``$RECPILOT_HOME`` once
and opens the result. The same thing from a shell::

    python -m recpilot.testing planted-books       # generate + ingest, print the path
    recpilot ask "French poetry" --dataset planted-books

or by hand: ``recpilot data ingest planted-books --items books.csv --interactions reads.csv
--mapping books.toml`` with the files :func:`write_files` wrote.
"""

from __future__ import annotations

import csv
import fcntl
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from recpilot.catalog.datasets import catalog_path, catalogs_dir
from recpilot.catalog.ingest import ingest_files
from recpilot.catalog.mapping import Mapping
from recpilot.catalog.store import Catalog
from recpilot.config import subdir
from recpilot.errors import CatalogError, UnknownDataset

from .books import generate_books
from .shop import generate_shop

log = logging.getLogger(__name__)

VERSION = "1"

BOOKS_MAPPING = """\
[items]
id = "book_id"
title = "title"
categorical = ["author", "category", "language", "format"]
number = ["price", "pages", "published"]
text = ["blurb"]
list_separator = "|"

[interactions]
user = "reader"
item = "book_id"
rating = "stars"
timestamp = "read_at"
"""

SHOP_MAPPING = """\
[items]
id = "sku"
title = "name"
categorical = ["brand", "category", "colour"]
number = ["price", "rating"]
text = ["description"]
list_separator = "|"

[interactions]
user = "customer"
item = "sku"
rating = "stars"
timestamp = "ts"
"""


@dataclass(frozen=True)
class SourceFiles:
    """The files a user would bring for one catalog."""

    items: Path
    interactions: Path
    mapping: Path


@dataclass(frozen=True)
class PlantedCatalog:
    name: str
    description: str
    write: Callable[[Path], SourceFiles]

    @property
    def source(self) -> str:
        """The catalog's ``source`` string; a different one means the generator changed."""
        return f"recpilot.testing {self.name} v{VERSION}"


def _write_csv(path: Path, rows: Sequence[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _write_jsonl(path: Path, rows: Sequence[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_books(directory: Path) -> SourceFiles:
    truth = generate_books()
    files = SourceFiles(directory / "books.csv", directory / "reads.csv", directory / "books.toml")
    _write_csv(files.items, truth.books)
    _write_csv(files.interactions, truth.reads)
    files.mapping.write_text(BOOKS_MAPPING, encoding="utf-8")
    return files


def _write_shop(directory: Path) -> SourceFiles:
    truth = generate_shop()
    files = SourceFiles(
        directory / "products.jsonl", directory / "orders.jsonl", directory / "shop.toml"
    )
    _write_jsonl(files.items, truth.products)
    _write_jsonl(files.interactions, truth.orders)
    files.mapping.write_text(SHOP_MAPPING, encoding="utf-8")
    return files


PLANTED: dict[str, PlantedCatalog] = {
    "planted-books": PlantedCatalog(
        "planted-books",
        "900 books in English, French, Spanish and German; 600 readers with planted tastes",
        _write_books,
    ),
    "planted-shop": PlantedCatalog(
        "planted-shop",
        "600 products from 22 brands; 500 customers with planted tastes",
        _write_shop,
    ),
}


def planted(name: str) -> PlantedCatalog:
    try:
        return PLANTED[name]
    except KeyError:
        raise UnknownDataset(
            f"unknown planted catalog {name!r}; known: {', '.join(PLANTED)}"
        ) from None


def write_files(name: str, directory: Path) -> SourceFiles:
    """Write the items, interactions and mapping files of planted catalog ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    return planted(name).write(directory)


def _current(path: Path, source: str) -> bool:
    if not path.is_file():
        return False
    try:
        with Catalog.open(path) as catalog:
            return catalog.source == source
    except CatalogError:
        return False


def ensure_catalog(name: str) -> Catalog:
    """Generate and ingest planted catalog ``name`` into ``$RECPILOT_HOME`` (once; again when
    the generator's version changed) and open it read-only."""
    spec = planted(name)
    path = catalog_path(name)
    if not _current(path, spec.source):
        lock = catalogs_dir() / f".{name}.lock"
        with lock.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # another process may be building it
            if not _current(path, spec.source):
                files = write_files(name, subdir("planted", name))
                report = ingest_files(
                    path,
                    name=name,
                    items=files.items,
                    interactions=files.interactions,
                    mapping=Mapping.from_toml(files.mapping),
                    source=spec.source,
                )
                log.info(
                    "ingested planted catalog=%s items=%d interactions=%d",
                    name,
                    report.n_items,
                    report.n_interactions,
                )
    return Catalog.open(path)
