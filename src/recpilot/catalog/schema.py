"""The catalog's typed records: attribute specs, items and summary statistics.

An item has an id, a title and typed attributes. Three kinds cover what recommenders and
the agent's filters need: *categorical* (a list of labels: genres, tags), *number* (year,
price) and *text* (a description). Each kind maps to one DuckDB column type.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

AttributeValue = list[str] | float | int | str | None

RESERVED_COLUMNS = frozenset({"item_id", "title", "user_id", "rowid"})
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class AttributeKind(StrEnum):
    """How an attribute is stored and filtered."""

    categorical = "categorical"
    """A list of labels (genres, tags): ``VARCHAR[]``."""
    number = "number"
    """A number (year, price): ``DOUBLE``."""
    text = "text"
    """Free text (a description): ``VARCHAR``."""

    @property
    def sql_type(self) -> str:
        return {"categorical": "VARCHAR[]", "number": "DOUBLE", "text": "VARCHAR"}[self.value]


def attribute_name(raw: str) -> str:
    """A column name turned into a valid attribute name (lower case, ``[a-z0-9_]``)."""
    name = re.sub(r"[^a-z0-9_]+", "_", raw.strip().lower()).strip("_")
    if not name:
        name = "attr"
    if name[0].isdigit():
        name = f"attr_{name}"
    return name


class AttributeSpec(BaseModel):
    """One typed item (or user) attribute."""

    name: str
    kind: AttributeKind
    description: str = ""

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"attribute name {value!r} must match [a-z_][a-z0-9_]*")
        if value in RESERVED_COLUMNS:
            raise ValueError(f"attribute name {value!r} is reserved")
        return value


class Item(BaseModel):
    """One catalog item. ``attributes`` holds every attribute of the catalog, ``None`` when
    missing; numbers that are whole come back as ``int``."""

    item_id: str
    title: str
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)


class AttributeSummary(BaseModel):
    """What one attribute looks like across the catalog."""

    name: str
    kind: AttributeKind
    n_missing: int
    n_distinct: int | None = None
    top_values: list[tuple[str, int]] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    mean_length: float | None = None


class CatalogStats(BaseModel):
    """Counts, density and a per-attribute summary of one catalog."""

    name: str
    source: str
    n_items: int
    n_users: int
    n_interactions: int
    density: float
    items_without_interactions: int
    has_ratings: bool
    has_timestamps: bool
    rating_range: tuple[float, float] | None = None
    attributes: list[AttributeSummary] = Field(default_factory=list)
    user_attributes: list[AttributeSpec] = Field(default_factory=list)
