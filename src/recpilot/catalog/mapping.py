"""Column mappings: which input column is the id, the title, each typed attribute.

A mapping comes from CLI flags or a small TOML file::

    [items]
    id = "movie_id"
    title = "name"
    categorical = ["genres"]
    number = ["year"]
    text = ["overview"]
    image = "poster_url"
    list_separator = "|"
    rename = { release_year = "year" }

    [interactions]
    user = "uid"
    item = "iid"
    rating = "r"
    timestamp = "ts"

    [users]
    id = "uid"
    number = ["age"]

Any attribute list left out (``None``) is inferred from the data; an empty list means
"none of this kind".
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from recpilot.errors import IngestError

DEFAULT_NULLS = ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None")


class TableMapping(BaseModel):
    """Columns of an items or users file."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    categorical: list[str] | None = None
    number: list[str] | None = None
    text: list[str] | None = None
    image: str | None = None
    """The column holding each item's picture (a path or URL); kept as the text attribute
    ``image`` (or its ``rename``) and shown with the item."""
    list_separator: str | None = Field(None, min_length=1)
    """Separator of categorical values held in one string (RecBole's ``token_seq``: space)."""
    rename: dict[str, str] = Field(default_factory=dict)
    """Input column → attribute name."""
    null_values: list[str] = Field(default_factory=lambda: list(DEFAULT_NULLS))
    """Strings read as missing values."""

    @property
    def explicit(self) -> bool:
        return any(v is not None for v in (self.categorical, self.number, self.text))


class InteractionsMapping(BaseModel):
    """Columns of an interactions file."""

    model_config = ConfigDict(extra="forbid")

    user: str | None = None
    item: str | None = None
    rating: str | None = None
    timestamp: str | None = None


class Mapping(BaseModel):
    """The column mapping of one ingest."""

    model_config = ConfigDict(extra="forbid")

    items: TableMapping = Field(default_factory=TableMapping)
    interactions: InteractionsMapping = Field(default_factory=InteractionsMapping)
    users: TableMapping = Field(default_factory=TableMapping)

    def checked(self) -> Mapping:
        """The mapping validated again (one built with ``model_copy(update=...)`` skipped
        validation); :class:`IngestError` names what is wrong."""
        try:
            return Mapping.model_validate(self.model_dump())
        except ValidationError as exc:
            raise IngestError(f"invalid mapping ({_problems(exc)})") from None

    @classmethod
    def from_toml(cls, path: Path) -> Mapping:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IngestError("mapping file not found", file=str(path)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"invalid TOML ({exc})", file=str(path)) from None
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise IngestError(
                f"invalid mapping ({_problems(exc)}); sections are [items], [interactions], "
                "[users]",
                file=str(path),
            ) from None


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
