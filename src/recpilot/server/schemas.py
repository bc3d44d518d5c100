"""Request and response models of the REST API (they are the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from recpilot.tools.search import SearchCatalogArgs

FeedbackKind = Literal["like", "dislike", "consumed", "not_interested"]
DIVERSITY_HELP = (
    "variety and less mainstream picks, 0 (the plain ranking) to 1 (most varied); "
    "default: the measured default (docs/diversity.md)"
)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, description="what the user says")
    user_id: str | None = Field(
        None, description="acting user (admin keys only; default: the key's user)"
    )
    stream: bool = Field(False, description="answer as Server-Sent Events (see docs/serving.md)")
    diversity: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=DIVERSITY_HELP + "; it holds for the rest of the session until changed",
    )
    catalog: str | None = Field(
        None,
        max_length=200,
        description="the catalog to answer from, on a server with several (default: routed "
        "by the message; see docs/routing.md)",
    )


class Card(BaseModel):
    item_id: str
    title: str
    score: float | None
    reason: str
    # The catalog's time-like attribute (a year, a publication date) and the values of its main
    # category (genres, category): what a card shows under the title. All attributes follow.
    time: float | int | None = None
    labels: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)


class Trace(BaseModel):
    plan: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    llm_calls: int
    timings_ms: dict[str, float]
    brain: str
    catalog: str | None = None  # the catalog that answered
    routed_by: str | None = None  # with several: request, session, switch, rules, llm, default
    route_reason: str = ""


class TurnOutModel(BaseModel):
    session_id: str
    turn_id: str
    reply: str
    items: list[Card]
    degraded: bool
    degraded_reasons: list[str]
    notes: list[str]
    trace: Trace


class SessionTurn(BaseModel):
    message: str
    reply: str
    items: list[Card]
    degraded: bool


class SessionView(BaseModel):
    session_id: str
    user_id: str | None
    turns: list[SessionTurn]
    liked: list[str]
    disliked: list[str]


class RecommendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str | None = None
    n: int = Field(10, ge=1, description="how many items (at most the server's max_items)")
    filters: SearchCatalogArgs | None = Field(
        None, description="hard conditions, as search_catalog"
    )
    diversity: float | None = Field(None, ge=0.0, le=1.0, description=DIVERSITY_HELP)


class ItemsOut(BaseModel):
    items: list[Card]
    notes: list[str] = Field(default_factory=list)
    session_id: str | None = Field(
        None, description="the session the recommendation was stored in (feedback may name it)"
    )


class SearchIn(SearchCatalogArgs):
    limit: int = Field(20, ge=1)


class ItemOut(BaseModel):
    item_id: str
    title: str
    attributes: dict[str, Any]


class SearchOut(BaseModel):
    total: int
    items: list[ItemOut]


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str
    kind: FeedbackKind
    user_id: str | None = None
    session_id: str | None = None


class Ok(BaseModel):
    ok: bool = True
    detail: dict[str, Any] = Field(default_factory=dict)


class PreferenceOut(BaseModel):
    """A stated preference: ``exclude`` (never this value), ``limit`` (numeric bounds) or
    ``note`` (a free-text wish). Remove one with its ``id``."""

    id: str
    kind: Literal["exclude", "limit", "note"]
    attribute: str | None
    value: str
    minimum: float | None = None
    maximum: float | None = None
    text: str
    stated: str = ""
    at: float


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str | None = Field(None, description="the user the key acts for")
    admin: bool = Field(False, description="an admin key (acts for any user)")

    @model_validator(mode="after")
    def _one(self) -> KeyIn:
        if self.admin == bool(self.user_id):
            raise ValueError("give exactly one of user_id or admin: true")
        return self


class KeyView(BaseModel):
    key_id: str
    user_id: str | None
    admin: bool
    created_at: float
    revoked_at: float | None = None


class KeyOut(KeyView):
    key: str = Field(description="the key itself: shown once, stored hashed")
