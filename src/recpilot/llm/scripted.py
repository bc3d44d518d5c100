"""Fakes that ship in the package, for tests (like pydantic-ai's ``TestModel`` / ``FunctionModel``
and ``llm``'s ``MockModel.enqueue``). No network, no weights, deterministic.

>>> llm = ScriptedLLM()
>>> llm.enqueue('{"steps": []}')
>>> llm.request(LLMRequest(messages=[Message(role="user", content="hi")])).text
'{"steps": []}'
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, LLMResponse, Message


def estimate_tokens(text: str) -> int:
    """A whitespace-split token count: crude, deterministic, good enough for fakes."""
    return len(text.split())


def _prompt_tokens(messages: list[Message]) -> int:
    return sum(estimate_tokens(m.content) for m in messages)


class _RecordingLLM(LLM):
    """Shared bookkeeping: every request is kept in ``requests``, in order."""

    def __init__(self) -> None:
        self.requests: list[LLMRequest] = []
        self.closed = False

    def _respond(self, req: LLMRequest, text: str, started: float) -> LLMResponse:
        return LLMResponse(
            text=text,
            prompt_tokens=_prompt_tokens(req.messages),
            completion_tokens=estimate_tokens(text),
            ms=(time.perf_counter() - started) * 1000.0,
            model=self.name,
        )

    def close(self) -> None:
        self.closed = True


class ScriptedLLM(_RecordingLLM):
    """Replies with enqueued texts, in order. An empty queue, or an enqueued error, raises
    :class:`~recpilot.errors.LLMUnavailable` (or the enqueued exception) — the way a test
    simulates a dead endpoint."""

    name = "scripted"

    def __init__(self, *texts: str) -> None:
        super().__init__()
        self._queue: deque[str | BaseException] = deque(texts)

    def enqueue(self, *texts: str) -> None:
        """Add replies to the end of the queue."""
        self._queue.extend(texts)

    def enqueue_error(self, error: BaseException | str = "scripted endpoint is down") -> None:
        """Make the next request fail. A string becomes an ``LLMUnavailable`` with that message."""
        self._queue.append(LLMUnavailable(error) if isinstance(error, str) else error)

    @property
    def pending(self) -> int:
        """How many replies (or errors) are still queued."""
        return len(self._queue)

    def request(self, req: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        self.requests.append(req)
        if not self._queue:
            raise LLMUnavailable(
                f"ScriptedLLM has no reply queued for request #{len(self.requests)}; "
                "call .enqueue(...) with one reply per expected LLM call"
            )
        item = self._queue.popleft()
        if isinstance(item, BaseException):
            raise item
        return self._respond(req, item, started)


class FunctionLLM(_RecordingLLM):
    """Replies with ``fn(request)``. Exceptions raised by ``fn`` propagate unchanged, so a
    function can raise ``LLMUnavailable`` to simulate an outage."""

    name = "function"

    def __init__(self, fn: Callable[[LLMRequest], str], *, name: str | None = None) -> None:
        super().__init__()
        self.fn = fn
        if name is not None:
            self.name = name

    def request(self, req: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        self.requests.append(req)
        return self._respond(req, self.fn(req), started)
