"""What one app owns (settings, store, keys, metrics, queue, locks, the conversation
service) and the request-level dependencies (who is calling, run work through the queue)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request

from recpilot.llm.vision import VisionReader
from recpilot.memory.store import MemoryStore
from recpilot.server.auth import Principal, authenticate
from recpilot.server.metrics import Metrics
from recpilot.server.settings import ServerSettings
from recpilot.server.work import SessionLocks, WorkQueue
from recpilot.service.conversation import ConversationService
from recpilot.service.keys import KeyRing

T = TypeVar("T")


class NotReady(Exception):
    """The agent is still loading (HTTP 503)."""


@dataclass
class AppState:
    settings: ServerSettings
    store: MemoryStore
    keys: KeyRing
    metrics: Metrics
    queue: WorkQueue
    locks: SessionLocks = field(default_factory=SessionLocks)
    service: ConversationService | None = None
    vision: VisionReader | None = None  # reads pictures in chat requests (None: refused)
    load_error: str | None = None
    loaded: threading.Event = field(default_factory=threading.Event)

    @property
    def anonymous(self) -> Principal | None:
        if not self.settings.allow_anonymous:
            return None
        return Principal(self.settings.anonymous_user, False, "anonymous")

    def require_service(self) -> ConversationService:
        if self.service is None:
            raise NotReady(self.load_error or "the agent is still loading")
        return self.service

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
    """The caller (a sync dependency: FastAPI runs it in its thread pool, off the loop)."""
    state = app_state(request)
    who = authenticate(
        state.keys,
        request.headers.get("authorization"),
        request.headers.get("x-api-key"),
        state.anonymous,
    )
    request.scope.setdefault("state", {})["user"] = who.user_id or "admin"
    return who
