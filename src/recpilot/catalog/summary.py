"""Summary statistics of a catalog: counts, density and what each attribute looks like."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from .build import quote
from .schema import AttributeKind, AttributeSpec, AttributeSummary, CatalogStats


class CatalogView(Protocol):
    """What a summary reads of a catalog (the store's ``Catalog`` is one; naming the protocol
    here keeps the summary from importing the store that calls it)."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def attributes(self) -> list[AttributeSpec]: ...
    @property
    def user_attributes(self) -> list[AttributeSpec]: ...
    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...


def summarize(catalog: CatalogView) -> CatalogStats:
    """Counts, density and a per-attribute summary of ``catalog``."""
    q = catalog.query
    n_items = q("SELECT count(*) FROM items")[0][0]
    n_users = q("SELECT count(*) FROM users")[0][0]
    n_inter, n_rated, n_stamped, r_min, r_max = q(
        "SELECT count(*), count(rating), count(timestamp), min(rating), max(rating)"
        " FROM interactions"
    )[0]
    cold = q(
        "SELECT count(*) FROM items"
        " ANTI JOIN (SELECT DISTINCT item_id FROM interactions) USING (item_id)"
    )[0][0]
    return CatalogStats(
        name=catalog.name,
        source=catalog.source,
        n_items=n_items,
        n_users=n_users,
        n_interactions=n_inter,
        density=n_inter / (n_users * n_items) if n_users and n_items else 0.0,
        items_without_interactions=cold,
        has_ratings=n_rated > 0,
        has_timestamps=n_stamped > 0,
        rating_range=None if r_min is None else (float(r_min), float(r_max)),
        attributes=[_summary(catalog, a) for a in catalog.attributes],
        user_attributes=catalog.user_attributes,
    )


def _summary(catalog: CatalogView, spec: AttributeSpec) -> AttributeSummary:
    col = quote(spec.name)
    if spec.kind is AttributeKind.categorical:
        missing = catalog.query(
            f"SELECT count(*) FROM items WHERE {col} IS NULL OR len({col}) = 0"
        )[0][0]
        counts = catalog.query(
            f"SELECT v, count(*) AS n FROM (SELECT unnest({col}) AS v FROM items)"
            " GROUP BY v ORDER BY n DESC, v"
        )
        return AttributeSummary(
            name=spec.name,
            kind=spec.kind,
            n_missing=missing,
            n_distinct=len(counts),
            top_values=[(str(v), int(n)) for v, n in counts[:5]],
        )
    if spec.kind is AttributeKind.number:
        missing, low, high, distinct = catalog.query(
            f"SELECT count(*) - count({col}), min({col}), max({col}),"
            f" count(DISTINCT {col}) FROM items"
        )[0]
        return AttributeSummary(
            name=spec.name,
            kind=spec.kind,
            n_missing=missing,
            n_distinct=distinct,
            minimum=low,
            maximum=high,
        )
    missing, mean_len = catalog.query(
        f"SELECT count(*) - count({col}), avg(length({col})) FROM items"
    )[0]
    return AttributeSummary(name=spec.name, kind=spec.kind, n_missing=missing, mean_length=mean_len)
