"""The catalog: items with typed attributes, interactions and users in an embedded DuckDB file.

Open a named dataset with :func:`open_dataset` (``movielens-100k`` is built on first use), or
any catalog file with :meth:`Catalog.open`. Ingest your own data with :func:`ingest_files`;
generate synthetic data with planted structure with :func:`recpilot.catalog.synth.generate`.
"""

from __future__ import annotations

from .datasets import DEFAULT_DATASET, DatasetInfo, catalog_path, list_datasets, open_dataset
from .ingest import IngestReport, ingest_files
from .interactions import InteractionData
from .mapping import InteractionsMapping, Mapping, TableMapping
from .schema import AttributeKind, AttributeSpec, AttributeSummary, CatalogStats, Item
from .store import Catalog

__all__ = [
    "DEFAULT_DATASET",
    "AttributeKind",
    "AttributeSpec",
    "AttributeSummary",
    "Catalog",
    "CatalogStats",
    "DatasetInfo",
    "IngestReport",
    "InteractionData",
    "InteractionsMapping",
    "Item",
    "Mapping",
    "TableMapping",
    "catalog_path",
    "ingest_files",
    "list_datasets",
    "open_dataset",
]
