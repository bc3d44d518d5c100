"""What one app owns (settings, keys, metrics, queue, locks, engine) and the request-level
dependencies (who is calling, run a turn through the queue)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request

from recpilot.server.auth import KeyStore, Principal, authenticate
from recpilot.server.engine import Engine
from recpilot.server.metrics import Metrics
from recpilot.server.settings import ServerSettings
from recpilot.server.work import SessionLocks, WorkQueue

T = TypeVar("T")


class NotReady(Exception):
    """The agent is still loading (HTTP 503)."""


@dataclass
class AppState:
    settings: ServerSettings
    keys: KeyStore
    metrics: Metrics
    queue: WorkQueue
    locks: SessionLocks = field(default_factory=SessionLocks)
    engine: Engine | None = None
    load_error: str | None = None
    loaded: threading.Event = field(default_factory=threading.Event)

    @property
    def anonymous(self) -> Principal | None:
        if not self.settings.allow_anonymous:
            return None
        return Principal(self.settings.anonymous_user, False, "anonymous")

    def require_engine(self) -> Engine:
        if self.engine is None:
            raise NotReady(self.load_error or "the agent is still loading")
        return self.engine

    async def run_turn(self, lock_key: str | None, fn: Callable[[], T]) -> T:
        """Admit into the bounded queue, hold the session's lock, run ``fn`` in the pool."""
        with self.queue.admit():
            held = self.locks.hold(lock_key) if lock_key else contextlib.nullcontext()
            async with held:
                return await self.queue.call(fn)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.recpilot
    return state


def principal(request: Request) -> Principal:
    state = app_state(request)
    who = authenticate(
        state.keys,
        request.headers.get("authorization"),
        request.headers.get("x-api-key"),
        state.anonymous,
    )
    request.scope.setdefault("state", {})["user"] = who.user_id or "admin"
    return who
