"""The per-turn LLM deadline.

A turn's LLM use (plan, repair, critic, reply) shares one budget, counted from the turn's
first LLM call. The agent makes a :class:`Deadline` for each turn and talks to its backend through
:class:`WithinDeadline`: every call gets the time still left as its ``timeout_s``, and once
the budget is spent no further call is made this turn (:class:`DeadlineSpent`); the turn then
answers from the rules path, flagged degraded.

Defaults (``LLM.turn_deadline_s``): 20 s for a remote backend, 60 s for the embedded one. The
remote budget is meant to cut off only a server that is dead, hanging or trickling (a plan
is at most 320 tokens). Turns with the embedded Qwen2.5-Coder-1.5B on a
2-core CPU took p50 10.8 s / p95 22.2 s (docs/evaluation.md, ``recpilot eval chat --llm
local``, template replies); 60 s, three times the remote budget, leaves room for the reply
call and a busy machine. The embedded backend cannot stop a call midway (see
:class:`~recpilot.llm.local.LocalLLM`): its deadline is kept between calls. Override with
``--deadline`` or ``RECPILOT_LLM_DEADLINE_S``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from recpilot.llm.base import LLM, CallNotMade, LLMRequest, LLMResponse

ENV_DEADLINE = "RECPILOT_LLM_DEADLINE_S"


class DeadlineSpent(CallNotMade):
    """The turn's LLM budget is spent: the call was not made."""


class Deadline:
    """``budget_s`` seconds of LLM use (monotonic clock), counted from the first time it is
    asked what is left, i.e. from the turn's first LLM call: the work before it (reading the
    message, choosing demonstrations, loading an embedder) is not LLM time."""

    def __init__(self, budget_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if budget_s <= 0:
            raise ValueError(f"the LLM deadline must be positive, not {budget_s:g} s")
        self.budget_s = budget_s
        self._clock = clock
        self._end: float | None = None

    def remaining(self) -> float:
        if self._end is None:
            self._end = self._clock() + self.budget_s
        return max(0.0, self._end - self._clock())

    @property
    def spent(self) -> bool:
        return self.remaining() <= 0.0


class WithinDeadline(LLM):
    """A backend seen through one turn's deadline: each request's ``timeout_s`` is what is
    left of the budget (or less, if the caller asked for less)."""

    def __init__(self, llm: LLM, deadline: Deadline) -> None:
        self.inner = llm
        self.deadline = deadline
        self.name = llm.name
        self.turn_deadline_s = llm.turn_deadline_s

    def request(self, req: LLMRequest) -> LLMResponse:
        left = self.deadline.remaining()
        if left <= 0.0:
            raise DeadlineSpent(
                f"the turn's LLM deadline of {self.deadline.budget_s:g} s is spent; "
                "no further LLM calls this turn"
            )
        timeout = left if req.timeout_s is None else min(left, req.timeout_s)
        return self.inner.request(req.model_copy(update={"timeout_s": timeout}))


def within(llm: LLM | None, deadline: Deadline | None) -> LLM | None:
    """``llm`` bound to ``deadline`` (unchanged when either is missing)."""
    if llm is None or deadline is None:
        return llm
    return WithinDeadline(llm, deadline)
