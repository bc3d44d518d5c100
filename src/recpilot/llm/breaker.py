"""A circuit breaker for one LLM backend instance.

After ``failures`` consecutive failed calls the circuit *opens*: calls fail at once with
:class:`LLMCircuitOpen` (the agent answers from the rules path, flagged degraded) for
``cooldown_s`` seconds. Then it is *half-open*: one call goes through as a probe; if it
answers, the circuit closes, if it fails, it opens for another cool-down. While the probe is
in flight, other calls are refused as if the circuit were open.

The breaker belongs to the backend object that owns it (one per
:class:`~recpilot.llm.openai_compat.OpenAICompatLLM`), never to the module: two backends,
or two servers in one process, keep their own counts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from recpilot.llm.base import CallNotMade

State = Literal["closed", "open", "half-open"]


class LLMCircuitOpen(CallNotMade):
    """The backend's circuit is open: the call was not made."""


@dataclass(frozen=True)
class BreakerSettings:
    failures: int = 3  # consecutive failures that open the circuit
    cooldown_s: float = 30.0  # how long it stays open before a probe

    def __post_init__(self) -> None:
        if self.failures < 1:
            raise ValueError("the breaker needs failures >= 1")
        if self.cooldown_s < 0:
            raise ValueError("the breaker needs cooldown_s >= 0")


@dataclass(frozen=True)
class BreakerView:
    """What the breaker looks like now (for logs, traces and metrics)."""

    state: State
    consecutive_failures: int
    opened_total: int  # how many times the circuit has opened
    open_until: float | None  # wall-clock time (epoch seconds) the cool-down ends, when open
    last_error: str


class CircuitBreaker:
    """Counts consecutive failures of one backend; thread-safe."""

    def __init__(
        self,
        settings: BreakerSettings | None = None,
        *,
        name: str = "LLM",
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or BreakerSettings()
        self.name = name
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None  # monotonic time the circuit last opened
        self._probing = False
        self._opened_total = 0
        self._last_error = ""

    def before_call(self) -> None:
        """Raise :class:`LLMCircuitOpen` unless a call may go through now (closed, or the
        one probe of a half-open circuit)."""
        with self._lock:
            if self._opened_at is None:
                return
            if self._clock() - self._opened_at >= self.settings.cooldown_s and not self._probing:
                self._probing = True  # this call is the probe
                return
            until = self._until_text(self._opened_at)
        raise LLMCircuitOpen(
            f"LLM circuit open until {until} after {self.settings.failures} consecutive "
            f"failures of {self.name} (last: {self._last_error[:160]})"
        )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self, error: str) -> None:
        with self._lock:
            self._failures += 1
            self._last_error = error
            if self._probing or self._failures >= self.settings.failures:
                if self._opened_at is None or self._probing:
                    self._opened_total += 1
                self._opened_at = self._clock()
                self._probing = False

    def view(self) -> BreakerView:
        with self._lock:
            state: State = "closed"
            until = None
            if self._opened_at is not None:
                remaining = self.settings.cooldown_s - (self._clock() - self._opened_at)
                state = "open" if remaining > 0 or self._probing else "half-open"
                until = self._wall() + max(remaining, 0.0)
            return BreakerView(
                state=state,
                consecutive_failures=self._failures,
                opened_total=self._opened_total,
                open_until=until,
                last_error=self._last_error,
            )

    def _until_text(self, opened_at: float) -> str:
        remaining = self.settings.cooldown_s - (self._clock() - opened_at)
        at = datetime.fromtimestamp(self._wall() + max(remaining, 0.0), UTC)
        return at.strftime("%H:%M:%SZ") + f" (in {max(remaining, 0.0):.0f} s)"


def breaker_of(llm: object) -> CircuitBreaker | None:
    """The circuit breaker a backend owns (remote backends), or None."""
    breaker = getattr(llm, "breaker", None)
    return breaker if isinstance(breaker, CircuitBreaker) else None
