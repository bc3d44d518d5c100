"""Pure-ASGI middleware: a request id on every request and response, limits on headers,
body size and request rate (answered before the handler runs), a structured access log
line and HTTP metrics.

Limits, in the order they are checked:

- header block over ``max_header_bytes`` → 431; two ``Authorization`` (or ``X-API-Key``)
  headers → 400 (which one is meant is ambiguous, and a proxy may have checked the other);
- more than ``rate_limit_per_min`` requests a minute under one API key (or, without a key,
  from one client address) to ``/v1`` or ``/mcp`` → 429 with ``Retry-After`` (token bucket:
  up to a minute's worth at once, refilled evenly; per server process);
- body over ``max_body_bytes`` (``/mcp``: at least 1 MB) → 413, whether the size is declared
  or the body is streamed in chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recpilot.server.metrics import Metrics

access_log = logging.getLogger("recpilot.server.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LIMITED = ("/v1/", "/mcp")
MCP_MIN_BODY_BYTES = 1_000_000


Refusal = tuple[int, str, str, dict[str, str]]
"""(status, kind, message, extra headers) of a request refused by a limit."""


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int
    max_header_bytes: int
    rate_limit_per_min: int  # 0 = no rate limit


class RateLimiter:
    """Token buckets, one per caller, owned by one app (so per server process). At most
    ``max_callers`` buckets are kept; the least recently seen is dropped first."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_callers: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.max_callers = max_callers
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, caller: str) -> int:
        """0 when the request may go ahead, else the seconds to wait before retrying."""
        now = self.clock()
        tokens, then = self._buckets.pop(caller, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - then) * self.rate)
        wait = 0 if tokens >= 1.0 else max(1, math.ceil((1.0 - tokens) / self.rate))
        self._buckets[caller] = (tokens - 1.0 if wait == 0 else tokens, now)
        while len(self._buckets) > self.max_callers:
            self._buckets.popitem(last=False)
        return wait


def caller_of(scope: Scope, headers: list[tuple[str, str]]) -> str:
    """The rate-limit identity: a digest of the API key sent, else the client address."""
    for name, value in headers:
        if name in ("authorization", "x-api-key") and value.strip():
            return "key:" + hashlib.sha256(value.strip().encode("latin-1")).hexdigest()[:32]
    client = scope.get("client")
    return f"addr:{client[0] if client else '-'}"


def printable(text: str, limit: int = 256) -> str:
    """``text`` for a log line: control characters escaped (no forged lines), cut short."""
    cut = text[:limit]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut) + (
        "..." if len(text) > limit else ""
    )


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, limits: Limits) -> None:
        self.app = app
        self.metrics = metrics
        self.limits = limits
        self.rate = RateLimiter(limits.rate_limit_per_min) if limits.rate_limit_per_min else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        pairs = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        headers = dict(pairs)
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope.get("path", "")
        reply = _Reply(send, request_id)
        refusal = self._refusal(scope, pairs, path)
        if refusal is not None:
            await reply.error(*refusal)
        else:
            await self._forward(scope, receive, reply, headers, path)
        self._record(scope, path, reply.status, time.perf_counter() - started)

    def _refusal(self, scope: Scope, pairs: list[tuple[str, str]], path: str) -> Refusal | None:
        """(status, kind, message, headers) when the request is refused before the app."""
        size = sum(len(k) + len(v) + 4 for k, v in pairs)
        if size > self.limits.max_header_bytes:
            return (
                431,
                "headers_too_large",
                f"request headers are {size} bytes; the limit is {self.limits.max_header_bytes}",
                {},
            )
        for name in ("authorization", "x-api-key"):
            if sum(k == name for k, _ in pairs) > 1:
                return 400, "invalid_request", f"more than one {name!r} header; send one", {}
        if self.rate is not None and path.startswith(_LIMITED):
            wait = self.rate.take(caller_of(scope, pairs))
            if wait:
                per_min = self.limits.rate_limit_per_min
                message = f"rate limit of {per_min} requests a minute reached; retry in {wait} s"
                return 429, "rate_limited", message, {"Retry-After": str(wait)}
        return None

    async def _forward(
        self, scope: Scope, receive: Receive, reply: _Reply, headers: dict[str, str], path: str
    ) -> None:
        limit = self.limits.max_body_bytes
        if path.startswith("/mcp"):
            limit = max(limit, MCP_MIN_BODY_BYTES)
        too_large: Refusal = (
            413,
            "request_too_large",
            f"request body is larger than {limit} bytes; send a smaller request",
            {},
        )
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await reply.error(*too_large)
            return
        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    reply.replace_with = too_large  # whatever the app answers to the error
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, receive_wrapper, reply.send)
        except BodyTooLarge:
            if not reply.started:
                await reply.error(*too_large)

    def _record(self, scope: Scope, path: str, status: int, elapsed: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or ("/mcp" if path.startswith("/mcp") else "other")
        method = scope["method"] if scope["method"] in _METHODS else "other"
        code = str(status)
        self.metrics.inc("recpilot_http_requests_total", method=method, route=template, status=code)
        self.metrics.observe("recpilot_http_request_seconds", elapsed, route=template)
        access_log.info(
            "request_id=%s method=%s path=%s route=%s status=%s ms=%.2f user=%s",
            scope["state"]["request_id"],
            printable(scope["method"], 16),
            printable(path),
            template,
            code,
            elapsed * 1000,
            scope["state"].get("user", "-"),
        )


class _Reply:
    """The response side of one request: adds the request id, remembers the status, and can
    swap the app's answer for a limit error (a body that turned out too large mid-read)."""

    def __init__(self, send: Send, request_id: str) -> None:
        self._send = send
        self.request_id = request_id
        self.status = 500
        self.started = False
        self.replace_with: Refusal | None = None
        self._replaced = False

    async def send(self, message: Message) -> None:
        if self.replace_with is not None and not self.started:
            await self.error(*self.replace_with)
            self._replaced = True
        if self._replaced:
            return
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            message["headers"] = [
                *message.get("headers", []),
                (b"x-request-id", self.request_id.encode()),
            ]
        await self._send(message)

    async def error(self, status: int, kind: str, message: str, headers: dict[str, str]) -> None:
        """A JSON error in the app's format: ``{"error": {"type", "message", "request_id"}}``."""
        body = {"error": {"type": kind, "message": message, "request_id": self.request_id}}
        raw = json.dumps(body).encode()
        self.started = True
        self.status = status
        await self._send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                    (b"x-request-id", self.request_id.encode()),
                    *((k.lower().encode(), v.encode()) for k, v in headers.items()),
                ],
            }
        )
        await self._send({"type": "http.response.body", "body": raw})
