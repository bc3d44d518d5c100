"""Standing conditions: what a user ruled out and the numeric limits they set, as search
conditions every recommendation path applies, and the check that nothing shown breaks them.

The values come from memory (the profile, or the session for an anonymous user), so they
are checked against the catalog first: a value or attribute this catalog does not hold is
left out instead of failing the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from recpilot.catalog.store import Catalog
from recpilot.memory.records import Bounds
from recpilot.service.facets import CatalogFacets
from recpilot.tools.search import Range, SearchCatalogArgs


def standing_conditions(
    facets: CatalogFacets,
    excluded: Mapping[str, Sequence[str]],
    limits: Mapping[str, Bounds],
) -> SearchCatalogArgs | None:
    """The exclusions and limits that apply to this catalog, or None when there are none."""
    exclude: dict[str, list[str]] = {}
    for attribute, values in excluded.items():
        known = {v.lower(): v for v in facets.values.get(attribute, set())}
        kept = [known[v.lower()] for v in values if v.lower() in known]
        if kept:
            exclude[attribute] = list(dict.fromkeys(kept))
    ranges = {
        attribute: Range(min=low, max=high)
        for attribute, (low, high) in limits.items()
        if attribute in facets.numeric and (low is not None or high is not None)
    }
    if not exclude and not ranges:
        return None
    return SearchCatalogArgs(exclude=exclude, ranges=ranges)


def breaks(item_attributes: Mapping[str, object], standing: SearchCatalogArgs) -> bool:
    """Whether an item's attributes break a standing exclusion or limit."""
    for attribute, values in standing.exclude.items():
        have = item_attributes.get(attribute)
        if isinstance(have, list) and {str(v).lower() for v in have} & {v.lower() for v in values}:
            return True
    for attribute, bounds in standing.ranges.items():
        value = item_attributes.get(attribute)
        if not isinstance(value, int | float):
            return True  # unknown value: cannot be shown to respect the limit
        if (bounds.min is not None and value < bounds.min) or (
            bounds.max is not None and value > bounds.max
        ):
            return True
    return False


def violating(catalog: Catalog, ids: Sequence[str], standing: SearchCatalogArgs | None) -> set[str]:
    """The ids among ``ids`` whose catalog row breaks ``standing``."""
    if standing is None or not ids:
        return set()
    return {
        item.item_id for item in catalog.get_items(list(ids)) if breaks(item.attributes, standing)
    }
