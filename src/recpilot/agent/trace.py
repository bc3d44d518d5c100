"""The turn record: everything one turn did, for the caller, the trace view and evaluation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recpilot.llm.base import LLMResponse


class LLMCall(BaseModel):
    purpose: str  # "plan", "repair", "reply", "react"
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ms: float = 0.0
    ok: bool = True
    error: str | None = None

    @classmethod
    def answered(cls, purpose: str, response: LLMResponse) -> LLMCall:
        return cls(
            purpose=purpose,
            model=response.model,
            prompt_tokens=response.prompt_tokens,
            completion_tokens=response.completion_tokens,
            ms=response.ms,
        )

    @classmethod
    def failed(cls, purpose: str, model: str, error: Exception) -> LLMCall:
        return cls(purpose=purpose, model=model, ok=False, error=str(error)[:200])


class StepRecord(BaseModel):
    tool: str
    args: dict[str, Any]
    ok: bool
    message: str
    size: int
    ms: float


class RecommendedItem(BaseModel):
    item_id: str
    title: str
    score: float | None
    reason: str


class TurnRecord(BaseModel):
    message: str
    brain: str
    reply: str = ""
    reply_source: str = "template"  # "template" or "llm"
    intro: str = ""  # the LLM's introduction (the reply minus the data-backed item list)
    items: list[RecommendedItem] = Field(default_factory=list)
    plan: list[dict[str, Any]] = Field(default_factory=list)
    # llm, llm+repair, llm-restated, rules-fallback, react; "+amended" suffix
    plan_source: str = "rules"
    plan_amendments: list[str] = Field(default_factory=list)  # constraints the validator wrote in
    steps: list[StepRecord] = Field(default_factory=list)
    llm: list[LLMCall] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # relaxations, unresolved names, repairs
    degraded: bool = False
    degraded_reasons: list[str] = Field(default_factory=list)
    # Parts of the message that could not be grounded in the catalog (no constraint, title or
    # topic was read from them). Non-empty means the reply says so.
    not_understood: list[str] = Field(default_factory=list)
    # "answer": the items answer the request; "fallback": nothing was read from the request and
    # the items are popular picks offered instead (the reply says so); "none": no items.
    answer_kind: str = "answer"
    # Who decided each constraint of the request: "include genres=Comedy" -> "rules" | "llm" |
    # "validator" | "memory".
    decided_by: dict[str, str] = Field(default_factory=dict)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    # The catalog that answered, and, where several are served, who chose it ("only",
    # "request", "session", "switch", "rules", "llm", "default") and why.
    catalog: str | None = None
    routed_by: str | None = None
    route_reason: str = ""

    @property
    def llm_calls(self) -> int:
        return len(self.llm)

    def contract(self) -> dict[str, Any]:
        """The ``recpilot ask --json`` object (the interface contract)."""
        return {
            "reply": self.reply,
            "items": [item.model_dump() for item in self.items],
            "plan": self.plan,
            "llm_calls": self.llm_calls,
            "degraded": self.degraded,
            "degraded_reasons": self.degraded_reasons,
            "timings_ms": self.timings_ms,
            "steps": [step.model_dump() for step in self.steps],
            "notes": self.notes,
            "not_understood": self.not_understood,
            "answer_kind": self.answer_kind,
            "decided_by": self.decided_by,
            "catalog": self.catalog,
            "routed_by": self.routed_by,
            "route_reason": self.route_reason,
            "tokens": {
                "prompt": sum(c.prompt_tokens for c in self.llm),
                "completion": sum(c.completion_tokens for c in self.llm),
            },
        }
