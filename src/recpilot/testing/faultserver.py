"""A misbehaving OpenAI-compatible chat-completions server, for testing what a client does
when its LLM fails.

Run it as a process::

    python -m recpilot.testing.faultserver --mode hang --port 8099

and point recpilot at it (``RECPILOT_LLM_BASE_URL=http://127.0.0.1:8099/v1 recpilot ask
"..." --llm openai:any``). With ``--port 0`` it picks a free port. Its first line on stdout
is ``listening on http://HOST:PORT/v1``. ``GET /stats`` answers how many chat requests it
has received (``{"mode": ..., "requests": N}``), so a test can tell whether a client retried
or stopped calling; ``PUT /mode`` with ``{"mode": ...}`` switches the fault (any but
``refuse``) without a restart. Every mode answers ``POST /v1/chat/completions``:

=========  ==============================================================================
ok         a correct answer (a small valid plan when a JSON schema is asked for)
hang       accepts the connection, reads the request, never answers
refuse     binds the port but does not listen: connections are refused
429        HTTP 429 with ``Retry-After`` (rate limited)
500        HTTP 500 with an OpenAI-style error body
truncated  HTTP 200, JSON content type, the body cut off halfway and the connection closed
badjson    HTTP 200, JSON content type, a body that is not JSON
schema     a well-formed completion whose content is JSON that fails the plan schema
endless    HTTP 200, JSON content type, a body that never ends
html       HTTP 200 with an HTML page (``text/html``), as a captive portal or proxy sends
slow       a correct answer sent one byte every ``--interval`` seconds
=========  ==============================================================================

:func:`spawn` starts one as a child process and returns its URL (tests, ``bench/faults.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

MODES = (
    "ok",
    "hang",
    "refuse",
    "429",
    "500",
    "truncated",
    "badjson",
    "schema",
    "endless",
    "html",
    "slow",
)
# What a degraded turn's reason says for each fault (a regular expression), for tests and
# bench/faults.py: a fault "held" when the turn answered and its reason names the fault.
SIGNS = {
    "hang": r"did not answer within",
    "refuse": r"cannot reach",
    "429": r"rate-limiting \(HTTP 429",
    "500": r"HTTP 500",
    "truncated": r"truncated",
    "badjson": r"not valid JSON",
    "schema": r"plan schema",
    "endless": r"more than \d+ bytes|did not finish its answer",
    "html": r"content type 'text/html'",
    "slow": r"did not finish its answer",
}
OK_PLAN = {
    "steps": [{"tool": "rank", "args": {"mode": "popular"}}, {"tool": "finalize", "args": {"n": 5}}]
}
BAD_PLAN = {"steps": [{"tool": "launch_rockets", "args": {"target": "the moon"}}]}
OK_REPLY = "Here are a few picks for you."
HTML_PAGE = (
    b"<!doctype html><html><head><title>Sign in</title></head>"
    b"<body><h1>Welcome to the guest network</h1><p>Accept the terms to continue.</p>"
    b"</body></html>"
)


def completion(content: str) -> dict[str, Any]:
    """A chat completion answering ``content``."""
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": 0,
        "model": "fault-server",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


@dataclass
class Counters:
    mode: str
    interval_s: float
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read stdout
        pass

    def do_GET(self) -> None:
        counters = self.server.counters
        if self.path.rstrip("/") == "/stats":
            self._json(200, {"mode": counters.mode, "requests": counters.requests})
        elif self.path.rstrip("/") == "/v1/models":
            self._json(200, {"object": "list", "data": [{"id": "fault", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}"}})

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            mode = json.loads(self.rfile.read(length) or b"{}").get("mode")
        except (json.JSONDecodeError, AttributeError):
            mode = None
        if self.path.rstrip("/") != "/mode" or mode not in MODES or mode == "refuse":
            self._json(400, {"error": {"message": 'PUT /mode {"mode": M}, M not refuse'}})
            return
        counters = self.server.counters
        with counters.lock:
            counters.mode = mode
        self._json(200, {"mode": mode, "requests": counters.requests})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        counters = self.server.counters
        with counters.lock:
            counters.requests += 1
            mode = counters.mode
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._json(400, {"error": {"message": "the request body is not JSON"}})
            return
        # A client that gives up mid-answer is what the faults are for.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._answer(counters, mode, body)

    def _answer(self, counters: Counters, mode: str, body: dict[str, Any]) -> None:
        wants_json = "response_format" in body
        good = completion(json.dumps(OK_PLAN) if wants_json else OK_REPLY)
        if mode == "ok":
            self._json(200, good)
        elif mode == "hang":
            counters.stop.wait()  # until the server shuts down
        elif mode == "429":
            self._json(
                429,
                {"error": {"message": "Rate limit reached", "type": "rate_limit_error"}},
                {"Retry-After": "30"},
            )
        elif mode == "500":
            self._json(
                500, {"error": {"message": "the fault server failed", "type": "server_error"}}
            )
        elif mode == "truncated":
            data = json.dumps(good).encode()
            self._head(200, "application/json", {"Connection": "close"})
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        elif mode == "badjson":
            self._raw(200, "application/json", repr(good).encode())  # Python repr: not JSON
        elif mode == "schema":
            content = json.dumps(BAD_PLAN) if wants_json else OK_REPLY
            self._json(200, completion(content))
        elif mode == "endless":
            self._endless(counters)
        elif mode == "html":
            self._raw(200, "text/html; charset=utf-8", HTML_PAGE)
        elif mode == "slow":
            data = json.dumps(good).encode()
            self._head(200, "application/json", {"Content-Length": str(len(data))})
            for k in range(len(data)):
                if counters.stop.wait(counters.interval_s):
                    return
                self.wfile.write(data[k : k + 1])
                self.wfile.flush()

    def _endless(self, counters: Counters) -> None:
        self._head(200, "application/json", {"Connection": "close"})
        self.close_connection = True
        self.wfile.write(b'{"id": "chatcmpl-fault", "choices": [{"message": {"content": "')
        filler = b"and so on " * 1600  # 16 kB
        while not counters.stop.is_set():
            self.wfile.write(filler)
            self.wfile.flush()
            time.sleep(0.01)

    def _head(self, status: int, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def _raw(
        self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self._head(status, content_type, {"Content-Length": str(len(data)), **(headers or {})})
        self.wfile.write(data)

    def _json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, "application/json", json.dumps(value).encode(), headers)


class FaultHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], counters: Counters) -> None:
        self.counters = counters
        super().__init__(address, FaultHandler)


def serve(mode: str, host: str = "127.0.0.1", port: int = 0, interval_s: float = 0.5) -> None:
    """Run the fault server in this process until interrupted."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if mode == "refuse":
        # A bound socket that never listens: the port is taken and every connect is refused.
        with socket.socket() as sock:
            sock.bind((host, port))
            print(f"listening on http://{host}:{sock.getsockname()[1]}/v1", flush=True)
            threading.Event().wait()
        return
    counters = Counters(mode=mode, interval_s=interval_s)
    httpd = FaultHTTPServer((host, port), counters)
    print(f"listening on http://{host}:{httpd.server_address[1]}/v1", flush=True)
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        counters.stop.set()
        httpd.server_close()


@dataclass
class Spawned:
    """A fault server running as a child process."""

    proc: subprocess.Popen[str]
    base_url: str  # http://127.0.0.1:PORT/v1
    mode: str

    def requests(self) -> int:
        """Chat requests received so far (not available in ``refuse`` mode)."""
        root = self.base_url.removesuffix("/v1")
        count: int = httpx.get(f"{root}/stats", timeout=5).json()["requests"]
        return count

    def set_mode(self, mode: str) -> None:
        """Switch the fault (not to or from ``refuse``)."""
        root = self.base_url.removesuffix("/v1")
        httpx.put(f"{root}/mode", json={"mode": mode}, timeout=5).raise_for_status()
        self.mode = mode

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Spawned:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def spawn(mode: str, *, interval_s: float = 0.5, timeout_s: float = 30.0) -> Spawned:
    """Start ``python -m recpilot.testing.faultserver --mode MODE --port 0`` and wait for
    its address."""
    cmd = [sys.executable, "-m", "recpilot.testing.faultserver", "--mode", mode, "--port", "0"]
    cmd += ["--interval", str(interval_s)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    ready: list[str] = []

    def first_line() -> None:
        if proc.stdout is not None:
            ready.append(proc.stdout.readline())

    reader = threading.Thread(target=first_line, daemon=True)
    reader.start()
    reader.join(timeout_s)
    line = ready[0].strip() if ready else ""
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"the fault server ({mode}) did not start: {line or 'no output'}")
    return Spawned(proc=proc, base_url=line.removeprefix("listening on "), mode=mode)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m recpilot.testing.faultserver",
        description="A misbehaving OpenAI-compatible server (see the module docstring).",
    )
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between bytes (slow mode)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.mode, args.host, args.port, args.interval)


if __name__ == "__main__":
    main()
