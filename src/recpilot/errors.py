"""The exception hierarchy.

Errors a *user or developer* must fix raise one of these, with the fix spelled out in the
message. Errors an *LLM* can fix (a bad tool argument, an unknown title) are not exceptions:
they travel back to the planner as data.
"""

from __future__ import annotations


class RecpilotError(Exception):
    """Base class of every error recpilot raises on purpose."""


class ConfigError(RecpilotError):
    """A setting, spec string or environment variable is wrong."""


class CatalogError(RecpilotError):
    """The catalog is missing, unreadable, or was asked for something it does not hold."""


class UnknownDataset(CatalogError):
    """A dataset name that is neither bundled nor ingested."""


class IngestError(CatalogError):
    """Input data is malformed. Names the file and, where known, the line and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column!r}" if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class ModelError(RecpilotError):
    """A recommender model was used wrongly (not fitted, artifact missing or corrupt)."""


class PlanError(RecpilotError):
    """A plan could not be produced or repaired."""


class LLMUnavailable(RecpilotError):
    """The LLM backend cannot answer (dead endpoint, timeout, missing model files)."""


class UnknownId(CatalogError):
    """A user or item id that the catalog does not hold."""
