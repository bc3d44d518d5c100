"""Turns run off the event loop, in a bounded pool; one turn at a time per session.

``WorkQueue`` admits at most ``workers + queue_size`` turns (running or waiting, including
those waiting for their session's lock); past that it raises :class:`Overloaded` and the
server answers 429 with ``Retry-After`` instead of piling up. Waiting turns start in arrival
order (the pool's FIFO queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Overloaded(Exception):
    """The turn queue is full (HTTP 429)."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the server is busy; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class SessionLocks:
    """One asyncio lock per session id, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class WorkQueue:
    def __init__(self, workers: int, queue_size: int, retry_after_s: int) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.retry_after_s = retry_after_s
        self._pool: ThreadPoolExecutor | None = None  # started on first use, again after shutdown
        self._admitted = 0  # touched only on the event loop
        self._running = 0  # touched by worker threads, under _lock
        self._lock = threading.Lock()

    @property
    def depth(self) -> int:
        """Admitted turns not yet running (waiting for a worker or a session lock)."""
        return self._admitted - self._running

    @property
    def full(self) -> bool:
        return self._admitted >= self.capacity

    @property
    def running(self) -> int:
        return self._running

    @contextlib.contextmanager
    def admit(self) -> Iterator[None]:
        if self._admitted >= self.capacity:
            raise Overloaded(self.retry_after_s)
        self._admitted += 1
        try:
            yield
        finally:
            self._admitted -= 1

    async def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` in the pool (the caller has been admitted)."""
        loop = asyncio.get_running_loop()

        def job() -> T:
            with self._lock:
                self._running += 1
            try:
                return fn()
            finally:
                with self._lock:
                    self._running -= 1

        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="recpilot-turn")
        return await loop.run_in_executor(self._pool, job)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
