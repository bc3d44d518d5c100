"""Limits and abuse controls of the HTTP server: the per-key rate limit (REST, the
OpenAI-compatible endpoint, MCP over HTTP), the body cap on every route, /metrics behind an
admin key, and secrets (API keys, the LLM key, a database password) kept out of every
reply, log line and error message of a real ``recpilot serve`` process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from recpilot.catalog.synth import generate
from recpilot.server.middleware import MCP_MIN_BODY_BYTES, RateLimiter
from recpilot.server.testing import (
    ADMIN_KEY,
    ALICE_KEY,
    BOB_KEY,
    bearer_header,
    free_port,
    serve_in_thread,
)
from serving_fixtures import agent, make_app, serve_home

__all__ = ["agent", "make_app", "serve_home"]

CLI = [sys.executable, "-c", "from recpilot.cli import main; main()"]
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}
MCP_LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
CHAT = {"messages": [{"role": "user", "content": "comedy"}]}


def test_rate_limit_is_per_key_and_covers_rest_openai_and_mcp(
    make_app: Callable[..., FastAPI],
) -> None:
    with TestClient(make_app(rate_limit_per_min=3, mcp_http=True)) as client:
        alice = bearer_header(ALICE_KEY)
        assert client.get("/v1/models", headers=alice).status_code == 200
        assert client.post("/v1/chat/completions", json=CHAT, headers=alice).status_code == 200
        listed = client.post("/mcp", json=MCP_LIST, headers={**alice, **MCP_HEADERS})
        assert listed.status_code == 200
        for method, path, body in (
            ("GET", "/v1/models", None),
            ("POST", "/v1/chat/completions", CHAT),
            ("POST", "/mcp", MCP_LIST),
        ):
            r = client.request(method, path, json=body, headers={**alice, **MCP_HEADERS})
            assert r.status_code == 429, path
            assert r.json()["error"]["type"] == "rate_limited"
            assert 1 <= int(r.headers["retry-after"]) <= 20
        assert client.get("/v1/models", headers=bearer_header(BOB_KEY)).status_code == 200
        assert all(client.get("/healthz").status_code == 200 for _ in range(5))
        # without a key the client address is the caller: refused after three tries too
        codes = [client.get("/v1/models").status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]


def test_rate_limit_zero_is_off(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(rate_limit_per_min=0)) as client:
        codes = {client.get("/v1/models", headers=bearer_header(ALICE_KEY)).status_code}
        codes |= {client.get("/v1/models").status_code for _ in range(30)}
        assert codes == {200, 401}


def test_token_bucket_refills_evenly_and_forgets_old_callers() -> None:
    now = [0.0]
    limiter = RateLimiter(60, max_callers=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(60)] == [0] * 60
    assert limiter.take("a") == 1  # one token a second
    now[0] += 1.0
    assert limiter.take("a") == 0 and limiter.take("a") == 1
    limiter.take("b")
    limiter.take("c")  # three callers: the least recently seen ("a") is dropped
    assert limiter.take("a") == 0


def _posting_routes(app: FastAPI) -> list[str]:
    """Every path that takes a body: from the OpenAPI schema, plus MCP (mounted outside it)."""
    paths = ["/mcp"]
    for path, methods in app.openapi()["paths"].items():
        if set(methods) & {"post", "put", "patch", "delete"}:
            paths.append(path.replace("{", "").replace("}", ""))
    return paths


def test_body_cap_covers_every_route(make_app: Callable[..., FastAPI]) -> None:
    app = make_app(max_body_bytes=1000, mcp_http=True)
    paths = _posting_routes(app)
    assert {"/v1/sessions", "/v1/chat/completions", "/v1/feedback", "/mcp"} <= set(paths)
    with TestClient(app) as client:
        for path in paths:
            size = MCP_MIN_BODY_BYTES + 1 if path == "/mcp" else 1001
            r = client.post(path, content=b"x" * size, headers=bearer_header(ALICE_KEY))
            assert r.status_code == 413, path
            assert r.json()["error"]["type"] == "request_too_large"


def test_streamed_body_past_the_cap_is_413(make_app: Callable[..., FastAPI]) -> None:
    """No Content-Length (chunked): counted as it arrives."""

    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(20):
            yield b"y" * 1000
        yield b'"}'

    with serve_in_thread(make_app(max_body_bytes=5000)) as base:
        r = httpx.post(
            f"{base}/v1/sessions",
            content=chunks(),
            headers={**bearer_header(ALICE_KEY), "Content-Type": "application/json"},
        )
    assert r.status_code == 413 and r.json()["error"]["type"] == "request_too_large"


def test_metrics_needs_an_admin_key(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=bearer_header(ALICE_KEY)).status_code == 403
        admin = client.get("/metrics", headers=bearer_header(ADMIN_KEY))
        assert admin.status_code == 200 and "recpilot_ready 1" in admin.text


# ----------------------------------------------------------------------------- secrets

ADMIN_SECRET = "rp-admin-5ecret-7f3a9c1d2e"
USER_SECRET = "rp-user-5ecret-0b8e4d6a1f"
LLM_SECRET = "sk-llm-5ecret-91c2d7e4ab55"
DB_SECRET = "db-5ecret-pw-3e8f1a"


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "RECPILOT_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("RECPILOT_DATABASE_URL", None)
    return env | {
        "RECPILOT_API_KEYS": f"{ADMIN_SECRET}:*,{USER_SECRET}:u1",
        "RECPILOT_LLM_API_KEY": LLM_SECRET,
        "RECPILOT_LLM_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens
    }


def _wait_ready(client: httpx.Client, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(0.5)
    raise AssertionError("recpilot serve did not become ready")


def _exercise(base: str) -> tuple[list[str], str]:
    """Requests that touch every surface and failure path; the bodies, and a key created
    through the API (returned once by design)."""
    user, admin = bearer_header(USER_SECRET), bearer_header(ADMIN_SECRET)
    bodies = []
    with httpx.Client(base_url=base, timeout=120) as c:
        _wait_ready(c)
        for method, path, body, headers in (
            ("POST", "/v1/sessions", {"message": "something moody for a rainy night"}, user),
            ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "a quiet one, sort of wistful"}]}, user),
            ("POST", "/v1/sessions", {"message": "comedy", "stream": True}, user),
            ("GET", "/v1/models", None, {"Authorization": f"Bearer {USER_SECRET}x"}),
            ("GET", "/v1/models", None, {"Authorization": f"Basic {ADMIN_SECRET}"}),
            ("GET", "/v1/keys", None, admin),
            ("GET", "/v1/users/u1/export", None, user),
            ("GET", "/metrics", None, admin),
            ("GET", "/readyz", None, {}),
            ("POST", "/mcp", MCP_LIST, {**user, **MCP_HEADERS}),
            ("POST", "/v1/recommend", {"n": 100}, user),
        ):  # fmt: skip
            r = c.request(method, path, json=body, headers=headers)
            assert r.status_code < 500, (path, r.text[:300])
            bodies.append(r.text)
        created = c.post("/v1/keys", json={"user_id": "u2"}, headers=admin).json()["key"]
        assert c.get("/v1/models", headers=bearer_header(created)).status_code == 200
    return bodies, created


@pytest.fixture
def secret_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    generate(200, 60, 3).write(home / "catalogs" / "shop.duckdb", "shop")
    return home


def test_secrets_stay_out_of_replies_logs_and_errors(secret_home: Path, tmp_path: Path) -> None:
    env = _env(secret_home)
    dead_db = f"postgresql://recpilot:{DB_SECRET}@127.0.0.1:{free_port()}/recpilot"
    refused = [
        subprocess.Popen([*CLI, "serve", "--db", dead_db], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen([*CLI, "keys", "list", "--db", dead_db], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    ]  # fmt: skip
    port = free_port()
    args = ["--debug", "serve", "--port", str(port), "--dataset", "shop", "--embedder", "hashing"]
    args += ["--llm", "openai:some-model", "--db", f"sqlite:///{tmp_path / 'memory.sqlite3'}"]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([*CLI, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            bodies, created = _exercise(f"http://127.0.0.1:{port}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)
    outputs = [log.read_text(), *bodies]
    for proc in refused:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode != 0 and "cannot connect to the memory database" in err
        outputs += [out, err]
    turn = json.loads(bodies[0])  # the turn needed the LLM, whose endpoint is dead
    assert turn["degraded"] is True and turn["degraded_reasons"]
    assert "request_id=" in outputs[0]  # the access log was written
    for secret in (ADMIN_SECRET, USER_SECRET, LLM_SECRET, DB_SECRET, created):
        leaks = [k for k, text in enumerate(outputs) if secret in text]
        assert leaks == [], f"{secret[:8]}... appears in output {leaks}"
