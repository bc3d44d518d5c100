"""The catalog profile: which attributes a catalog has, their kinds, values, ranges and roles.

Nothing above the catalog names a movie attribute. The request reader, the planner's schema,
memory and the interfaces ask the profile instead: which categorical attributes exist and
their values, which numeric attributes and their ranges, and which attribute plays a *role*
— ``time`` (the year-like one: "from the 80s"), ``category`` (the main label: genres,
category), ``price`` (money words: "under 12 dollars"), ``creator`` (author, brand,
director: "anything by X").

Roles are derived from attribute names and values when the profile is built, and can be
overridden by a ``<name>.profile.json`` file beside the catalog file (``{"roles": {"time":
"published"}, "units": {"pages": ["pages", "pp"]}, "description": "a bookshop: ..."}``); the
optional ``description`` says what the catalog holds, for routing and MCP clients.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from recpilot.catalog.schema import AttributeKind
from recpilot.catalog.store import Catalog
from recpilot.errors import CatalogError

log = logging.getLogger(__name__)

MAX_VALUES = 2000  # categorical attributes with more distinct values are not enumerated
TIME_LIKE = re.compile(r"year|date|published|released")  # names of time-like numbers


class Role(StrEnum):
    time = "time"
    category = "category"
    price = "price"
    creator = "creator"
    rating = "rating"


_ROLE_NAMES: dict[Role, tuple[str, ...]] = {
    Role.time: ("year", "release_year", "published", "publication_year", "released", "date"),
    Role.category: ("genres", "genre", "category", "categories", "class", "subject", "type"),
    Role.price: ("price", "cost", "price_usd", "price_eur", "amount"),
    Role.creator: ("author", "authors", "brand", "director", "artist", "maker", "creator"),
    Role.rating: ("rating", "stars", "score", "avg_rating", "average_rating"),
}
# Words that name a numeric attribute's unit in a message, by role.
_ROLE_UNITS: dict[Role, tuple[str, ...]] = {
    Role.price: (
        "$", "€", "£", "dollars", "dollar", "usd", "bucks", "euros", "euro", "eur",
        "pounds", "gbp", "price", "cost", "costs", "dólares", "dolares", "dólar", "dollari",
        "dollaro", "libras", "sterline", "franken", "preço", "precio", "prix", "preis", "prezzo",
    ),
    Role.rating: (
        "stars", "star", "rating", "rated", "estrellas", "estrelas", "étoiles", "etoiles",
        "sterne", "sternen", "stelle",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class AttributeProfile:
    name: str
    kind: AttributeKind
    values: tuple[str, ...] = ()  # categorical: distinct values (empty when over MAX_VALUES)
    low: float | None = None  # number: range
    high: float | None = None
    role: Role | None = None
    units: tuple[str, ...] = ()  # number: words that name it in a message ("pages", "$")

    @property
    def words(self) -> tuple[str, ...]:
        """The attribute's own name as words: ``"page_count"`` → ``("page count",)``."""
        return (self.name.replace("_", " "),)


@dataclass(frozen=True)
class CatalogProfile:
    attributes: tuple[AttributeProfile, ...]  # categorical and numeric (text ones are not listed)
    roles: dict[Role, str] = field(default_factory=dict)
    has_text: bool = False  # whether items carry free text (descriptions) to search
    description: str = ""  # what the catalog holds, from the override file ("" when none)

    def get(self, name: str) -> AttributeProfile | None:
        return next((a for a in self.attributes if a.name == name), None)

    def role(self, role: Role) -> AttributeProfile | None:
        name = self.roles.get(role)
        return None if name is None else self.get(name)

    @property
    def categorical(self) -> list[AttributeProfile]:
        return [a for a in self.attributes if a.kind == AttributeKind.categorical]

    @property
    def numeric(self) -> list[AttributeProfile]:
        return [a for a in self.attributes if a.kind == AttributeKind.number]

    def attribute_of(self, value: str) -> list[str]:
        """The categorical attributes that hold ``value`` (case-insensitive)."""
        low = value.lower()
        return [a.name for a in self.categorical if any(v.lower() == low for v in a.values)]

    def canonical(self, attribute: str, value: str) -> str | None:
        """The catalog's spelling of ``value`` in ``attribute``, or None if it has no such value."""
        spec = self.get(attribute)
        if spec is None:
            return None
        low = value.strip().lower()
        return next((v for v in spec.values if v.lower() == low), None)

    def describe(self) -> list[str]:
        """One line per attribute, for prompts: ``genres (category): Action, Comedy, …``."""
        lines = []
        for a in self.attributes:
            role = f" ({a.role.value})" if a.role else ""
            if a.kind == AttributeKind.categorical and a.values:
                lines.append(f"{a.name}{role}: {', '.join(a.values)}")
            elif a.kind == AttributeKind.number and a.low is not None and a.high is not None:
                lines.append(f"{a.name}{role}: {a.low:g}–{a.high:g}")
        return lines


def build_profile(catalog: Catalog, overrides: dict[str, object] | None = None) -> CatalogProfile:
    """Derive the profile from the catalog; ``overrides`` (or ``<name>.profile.json`` beside
    the catalog file) set roles and unit words explicitly."""
    if overrides is None:
        overrides = _read_overrides(catalog.path.with_suffix(".profile.json"))
    role_overrides = {Role(k): str(v) for k, v in dict(overrides.get("roles", {})).items()}  # type: ignore[call-overload]
    unit_overrides = {
        str(k): tuple(str(u).lower() for u in v)
        for k, v in dict(overrides.get("units", {})).items()  # type: ignore[call-overload]
    }
    specs = [a for a in catalog.attributes if a.kind != AttributeKind.text]
    ranges = {
        a.name: catalog.numeric_range(a.name) for a in specs if a.kind == AttributeKind.number
    }
    roles = _derive_roles(catalog, ranges)
    roles.update(role_overrides)
    by_attr = {name: role for role, name in roles.items()}
    attributes = []
    for spec in specs:
        role = by_attr.get(spec.name)
        if spec.kind == AttributeKind.categorical:
            values = catalog.categorical_values(spec.name)
            attributes.append(
                AttributeProfile(
                    spec.name,
                    spec.kind,
                    values=tuple(values) if len(values) <= MAX_VALUES else (),
                    role=role,
                )
            )
        else:
            bounds = ranges.get(spec.name)
            units = unit_overrides.get(spec.name) or _units(spec.name, role)
            attributes.append(
                AttributeProfile(
                    spec.name,
                    spec.kind,
                    low=bounds[0] if bounds else None,
                    high=bounds[1] if bounds else None,
                    role=role,
                    units=units,
                )
            )
    has_text = any(a.kind == AttributeKind.text for a in catalog.attributes)
    description = str(overrides.get("description", "")).strip()
    return CatalogProfile(tuple(attributes), roles, has_text, description)


def _derive_roles(
    catalog: Catalog, ranges: dict[str, tuple[float, float] | None]
) -> dict[Role, str]:
    roles: dict[Role, str] = {}
    names = {a.name: a.kind for a in catalog.attributes}
    for role, candidates in _ROLE_NAMES.items():
        kind = AttributeKind.categorical if role in (Role.category, Role.creator) else None
        for name in candidates:
            if name in names and (kind is None or names[name] == kind):
                if kind is None and names[name] != AttributeKind.number:
                    continue
                roles[role] = name
                break
    if Role.time not in roles:  # a number whose values all look like years
        for name, bounds in ranges.items():
            if bounds and 1800 <= bounds[0] <= bounds[1] <= 2100 and TIME_LIKE.search(name):
                roles[Role.time] = name
                break
    if Role.category not in roles:
        # The categorical attribute with the fewest distinct values above one.
        counts = [
            (len(catalog.categorical_values(a.name)), a.name)
            for a in catalog.attributes
            if a.kind == AttributeKind.categorical and a.name != roles.get(Role.creator)
        ]
        counts = [c for c in counts if c[0] > 1]
        if counts:
            roles[Role.category] = min(counts)[1]
    return roles


def _units(name: str, role: Role | None) -> tuple[str, ...]:
    words = {name.replace("_", " "), name.rstrip("s").replace("_", " ")}
    if name.endswith("s"):
        words.add(name[:-1])
    else:
        words.add(name + "s")
    words.update(_ROLE_UNITS.get(role, ()) if role else ())
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def _read_overrides(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path} is not valid JSON ({exc}); fix or remove it") from None
    if not isinstance(data, dict):
        raise CatalogError(
            f"{path} must hold a JSON object with 'roles', 'units' and/or 'description'"
        )
    return data
