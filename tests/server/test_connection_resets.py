"""Two ways ``recpilot serve`` reset requests it had received, on a busy machine (64-client
PostgreSQL runs, docs/serving.md, "Several processes"), through real server processes and
raw HTTP/1.1 connections.

* The keep-alive timer: uvicorn closed a connection 5 s after its last response unless it had
  read a new request by then; a client pool reuses an idle connection for up to 5 s too
  (httpx), and a starved worker reads late. The server's keep-alive must outlast the client's.
* The worker health check: with ``--workers N`` the parent killed and replaced a worker that
  did not answer its ping within 5 s, with every request that worker held."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from processes import serve

from recpilot.agent.agent import Agent
from recpilot.server.settings import KEEP_ALIVE_S, WORKER_HEALTHCHECK_S

HTTPX_POOL_EXPIRY_S = httpx.Limits().keepalive_expiry or 0.0  # httpx's default: 5 s


STALL_S = 8.0  # longer than uvicorn's 5 s health check, well within ours


def _get(conn: http.client.HTTPConnection, path: str = "/healthz") -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def _connect_to_a_worker(
    host: str, not_this: int | None = None
) -> tuple[http.client.HTTPConnection, int]:
    """A connection on which a ready worker process (other than ``not_this``) answered
    /readyz, and that process's pid. The kernel hands each fresh connection to either process."""
    deadline = time.monotonic() + 120
    while True:
        conn = http.client.HTTPConnection(host, timeout=60)
        conn.request("GET", "/readyz")
        response = conn.getresponse()
        body = response.read()
        if response.status == 200 and json.loads(body)["worker"] != not_this:
            worker: int = json.loads(body)["worker"]
            return conn, worker
        conn.close()
        assert time.monotonic() < deadline, "no such worker process answered in 120 s"
        time.sleep(0.05)


def test_the_default_outlasts_an_httpx_pool() -> None:
    assert HTTPX_POOL_EXPIRY_S == 5.0  # what this file reasons about; httpx may change it
    assert KEEP_ALIVE_S > HTTPX_POOL_EXPIRY_S


@pytest.mark.parametrize("workers", [1, 2])
def test_a_connection_idle_past_the_client_pool_expiry_is_still_served(
    agent: Agent, serve_home: str, tmp_path: Path, workers: int
) -> None:
    """One connection, idle for one second longer than an httpx pool would keep it, then
    reused: the server has not closed it (with a 5 s server keep-alive it had)."""
    db = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    served = serve(serve_home, db, agent.catalog.name, tmp_path / "serve.log", workers=workers)
    try:
        conn = http.client.HTTPConnection(served.base.removeprefix("http://"), timeout=30)
        assert _get(conn) == 200
        assert conn.sock is not None
        local = conn.sock.getsockname()
        time.sleep(HTTPX_POOL_EXPIRY_S + 1.0)
        assert _get(conn) == 200  # raises RemoteDisconnected/ConnectionResetError if closed
        assert conn.sock is not None and conn.sock.getsockname() == local  # same connection
        conn.close()
    finally:
        served.stop()


def test_the_keep_alive_option_reaches_every_worker_process(
    agent: Agent, serve_home: str, tmp_path: Path
) -> None:
    """``--timeout-keep-alive 1`` with two worker processes: an idle connection is closed by
    the server (end of stream), whichever process accepted it."""
    db = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    extra = ("--timeout-keep-alive", "1")
    served = serve(serve_home, db, agent.catalog.name, tmp_path / "w.log", workers=2, extra=extra)
    try:
        for _ in range(4):  # four fresh connections: the kernel hands them to either process
            conn = http.client.HTTPConnection(served.base.removeprefix("http://"), timeout=60)
            assert _get(conn) == 200
            assert conn.sock is not None
            # Blocks until the server closes the idle connection; with the 75 s default it
            # would not within the 60 s socket timeout, and recv raises TimeoutError.
            assert conn.sock.recv(1) == b""
            conn.close()
    finally:
        served.stop()


def test_a_stalled_worker_keeps_its_connections(
    agent: Agent, serve_home: str, tmp_path: Path
) -> None:
    """A worker process that cannot answer the parent's health check for 8 s (stopped, as a
    starved process is, with a request waiting on its connection) is still the same process
    afterwards and answers that request; with a 5 s health check it was killed and the
    request reset."""
    assert WORKER_HEALTHCHECK_S > STALL_S
    db = f"sqlite:///{tmp_path / 'memory.sqlite3'}"
    served = serve(serve_home, db, agent.catalog.name, tmp_path / "w.log", workers=2)
    host = served.base.removeprefix("http://")
    try:
        conn, victim = _connect_to_a_worker(host)
        # and a connection to the other process, so the server still has one running
        other, _ = _connect_to_a_worker(host, not_this=victim)
        os.kill(victim, signal.SIGSTOP)
        try:
            conn.request("GET", "/readyz")  # waits in the stopped worker's socket
            time.sleep(STALL_S)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGCONT)
        response = conn.getresponse()  # RemoteDisconnected if the worker was killed
        assert response.status == 200
        assert json.loads(response.read())["worker"] == victim
        assert "died" not in served.log.read_text()
        other.close()
        conn.close()
    finally:
        served.stop()
