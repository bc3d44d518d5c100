"""The typed records the memory store reads and writes.

Memory sits below the agent: nothing here knows the agent's ``Session`` or ``TurnRecord``.
A turn crosses the boundary as :class:`StoredTurn` (the message, the reply and the whole
turn record as JSON data) and a session as :class:`SessionState`; the conversation service
(:mod:`recpilot.service`) converts both ways.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

Bounds = tuple[float | None, float | None]
"""A numeric limit: (minimum, maximum), None = open."""


class StoredTurn(BaseModel):
    """One turn as stored: what was said, what was answered, and the full turn record."""

    message: str
    reply: str
    record: dict[str, Any] = Field(default_factory=dict)

    @property
    def plan(self) -> list[dict[str, Any]]:
        plan = self.record.get("plan", [])
        return plan if isinstance(plan, list) else []


class SessionState(BaseModel):
    """One conversation's state: what was shown, liked, rejected and ruled out, and its
    last turns (``window`` of them, the rest stay in the turns table)."""

    session_id: str
    user_id: str | None = None
    history: list[str] = Field(default_factory=list)
    shown: list[str] = Field(default_factory=list)
    liked: list[str] = Field(default_factory=list)
    disliked: list[str] = Field(default_factory=list)
    excluded: dict[str, list[str]] = Field(default_factory=dict)  # attribute -> values
    limits: dict[str, Bounds] = Field(default_factory=dict)  # attribute -> (min, max)
    preferred: dict[str, list[str]] = Field(default_factory=dict)  # attribute -> loved values
    diversity: float | None = None  # the session's diversity setting (None: the default)
    summary: str = ""
    turns: list[StoredTurn] = Field(default_factory=list)

    @field_validator("limits", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        """JSON has no tuples: ``[min, max]`` lists come back as pairs."""
        if isinstance(value, dict):
            return {str(k): tuple(v) if isinstance(v, list) else v for k, v in value.items()}
        return value


class FeedbackEvent(BaseModel):
    user_id: str
    item_id: str
    kind: str
    session_id: str | None
    created_at: float


class MemoryEntry(BaseModel):
    """One retrievable memory (a turn, a feedback event, a profile fact) with its vector."""

    memory_id: str
    user_id: str | None
    session_id: str | None
    kind: str
    text: str
    created_at: float
    vector: list[float]


class PlanOutcomeRow(BaseModel):
    turn_id: str
    session_id: str
    user_id: str | None
    request: str
    plan: list[dict[str, Any]]
    shape: str
    brain: str
    items: list[str]
    outcome: str
    created_at: float


class ApiKeyRow(BaseModel):
    """An API key as stored: its SHA-256 only, never the key itself."""

    key_id: str
    sha256: str
    user_id: str | None  # None: an admin key
    admin: bool
    created_at: float
    revoked_at: float | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
