"""The tool role: typed arguments in, a typed result out, over a shared candidate bus.

A tool's JSON schema comes from its argument model (its signature); the catalog's real
vocabulary (genre names, year bounds) is written into that schema as enums and bounds before
it reaches an LLM. Mistakes an LLM can fix (an unknown title, an empty filter) come back as
a ``ToolResult`` with ``ok=False`` and a message, never as an exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from recpilot.catalog.store import Catalog
from recpilot.tools.bus import CandidateBus
from recpilot.tools.resolve import Resolution, TitleResolver
from recpilot.tools.suite import ModelSuite


class ToolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")


A = TypeVar("A", bound=ToolArgs)


@dataclass
class ToolResult:
    ok: bool
    message: str
    size: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolContext:
    """What a turn's tools share. Owned by one turn of one session."""

    catalog: Catalog
    models: ModelSuite
    resolver: TitleResolver
    bus: CandidateBus
    history: list[str] = field(default_factory=list)  # the user's items, oldest first
    history_weights: dict[str, float] = field(default_factory=dict)  # empty: uniform
    liked: list[str] = field(default_factory=list)  # liked in this session / profile
    disliked: list[str] = field(default_factory=list)
    preferred: dict[str, list[str]] = field(default_factory=dict)  # loved values: a soft boost
    seeds: list[str] = field(default_factory=list)  # items named as "like X": never recommended
    unresolved: list[Resolution] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)  # item id -> looked-up facts
    diversity: float | None = None  # the session's diversity setting; None: the default

    def resolve_titles(self, names: list[str]) -> tuple[list[str], list[Resolution]]:
        """Resolve names to ids; the failures are recorded and returned."""
        ids: list[str] = []
        failed: list[Resolution] = []
        for name in names:
            res = self.resolver.resolve(name)
            if res.status == "resolved" and res.item_id is not None:
                if res.item_id not in ids:
                    ids.append(res.item_id)
            else:
                failed.append(res)
        self.unresolved.extend(failed)
        return ids, failed

    def describe_failures(self, failed: list[Resolution]) -> str:
        parts = []
        for res in failed:
            if res.status == "ambiguous":
                options = "; ".join(self.resolver.titles[i] for i in res.options)
                parts.append(f"{res.query!r} is ambiguous: {options}")
            else:
                parts.append(f"no catalog title matches {res.query!r}")
        return ". ".join(parts)


class Tool(ABC, Generic[A]):
    name: ClassVar[str]
    description: ClassVar[str]
    args_model: ClassVar[type[ToolArgs]]

    @abstractmethod
    def run(self, args: A, ctx: ToolContext) -> ToolResult: ...

    def schema(self) -> dict[str, Any]:
        """The argument schema derived from the argument model."""
        return self.args_model.model_json_schema()
