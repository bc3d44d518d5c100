"""Pure-ASGI middleware: a request id on every request and response, a body-size limit
(413 before the handler reads past it), a structured access log line and HTTP metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recpilot.server.metrics import Metrics

access_log = logging.getLogger("recpilot.server.access")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        status = {"code": 500}
        limit = self.max_body
        path = scope.get("path", "")
        if path.startswith("/mcp"):
            limit = max(limit, 1_000_000)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send_wrapper, limit, request_id)
        else:
            received = {"n": 0}

            async def receive_wrapper() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    received["n"] += len(message.get("body", b""))
                    if received["n"] > limit:
                        raise BodyTooLarge
                return message

            try:
                await self.app(scope, receive_wrapper, send_wrapper)
            except BodyTooLarge:
                await self._too_large(send_wrapper, limit, request_id)
        elapsed = time.perf_counter() - started
        route = scope.get("route")
        template = getattr(route, "path", None) or ("/mcp" if path.startswith("/mcp") else "other")
        code = str(status["code"])
        self.metrics.inc(
            "recpilot_http_requests_total", method=scope["method"], route=template, status=code
        )
        self.metrics.observe("recpilot_http_request_seconds", elapsed, route=template)
        access_log.info(
            "request_id=%s method=%s path=%s route=%s status=%s ms=%.2f user=%s",
            request_id,
            scope["method"],
            path,
            template,
            code,
            elapsed * 1000,
            scope["state"].get("user", "-"),
        )

    async def _too_large(self, send: Send, limit: int, request_id: str) -> None:
        body: dict[str, Any] = {
            "error": {
                "type": "request_too_large",
                "message": f"request body is larger than {limit} bytes; send a smaller request",
                "request_id": request_id,
            }
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(raw)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
