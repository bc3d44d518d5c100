"""The LLM role: one request in, one response out.

Like pydantic-ai's ``Model.request()``, a backend implements exactly one abstract method.
Everything the agent needs (structured output, stop strings, token accounting, timing) travels
in the typed :class:`LLMRequest` / :class:`LLMResponse` records. A backend that cannot answer
(dead endpoint, timeout, missing weights) raises :class:`~recpilot.errors.LLMUnavailable`;
the agent then degrades to its deterministic ``rules`` brain.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Literal

from pydantic import BaseModel, Field

from recpilot.errors import LLMUnavailable


class CallNotMade(LLMUnavailable):
    """The call was not made: the turn's deadline is spent or the backend's circuit is open.
    Not an LLM call in the turn's record; its reason is in ``degraded_reasons``."""


class Message(BaseModel):
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str
    # Pictures sent with the message (http(s) or data: URLs). Only OpenAI-compatible vision
    # models read them (recpilot.llm.vision); left out of model_dump(), so text backends
    # never see them.
    images: list[str] = Field(default_factory=list, exclude=True)


class LLMRequest(BaseModel):
    """What the agent asks of a backend.

    ``json_schema``, when set, constrains the output to JSON matching that schema (a grammar
    for the embedded model, ``response_format`` for OpenAI-compatible servers). Callers should
    still validate the result (:func:`recpilot.llm.json_output.validate_against`): servers
    differ in how strictly they enforce schemas.

    ``timeout_s``, when set, is the wall-clock time the call may take (the rest of the turn's
    deadline, :mod:`recpilot.llm.deadline`); a backend that cannot answer within it raises
    :class:`~recpilot.errors.LLMUnavailable`. ``None``: the backend's own timeout.
    """

    messages: list[Message]
    json_schema: dict[str, Any] | None = None
    max_tokens: int = Field(default=512, ge=1)
    temperature: float = Field(default=0.0, ge=0.0)
    stop: list[str] = Field(default_factory=list)
    timeout_s: float | None = Field(default=None, gt=0.0)


class LLMResponse(BaseModel):
    """What a backend answered, with its cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    ms: float
    model: str


class LLM(ABC):
    """An LLM backend. Implement :meth:`request`; override :meth:`close` if it holds resources."""

    name: str = "llm"
    # The default per-turn budget for this backend's calls (recpilot.llm.deadline).
    turn_deadline_s: float = 20.0

    @abstractmethod
    def request(self, req: LLMRequest) -> LLMResponse:
        """Answer one request. Raises :class:`~recpilot.errors.LLMUnavailable` when the
        backend cannot answer at all (as opposed to answering badly)."""

    def close(self) -> None:  # noqa: B027 - optional hook, no-op by default
        """Release resources (model memory, HTTP connections). Safe to call twice."""

    def __enter__(self) -> LLM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
