"""How long ``recpilot serve`` keeps an idle keep-alive connection open, through real server
processes and raw HTTP/1.1 connections.

A client pool reuses an idle connection until its own expiry (httpx: 5 s). If the server
closes idle connections at the same age (uvicorn's default, 5 s), a request sent on one just
as the server closes it is reset after it was sent (``httpx.ReadError``); under load on a
busy machine this ended 64-client runs on PostgreSQL (docs/serving.md, "Several
processes"). The server's keep-alive must outlast the client's."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

import httpx
import pytest
from processes import serve

from recpilot.agent.agent import Agent
from recpilot.server.settings import KEEP_ALIVE_S

HTTPX_POOL_EXPIRY_S = httpx.Limits().keepalive_expiry or 0.0  # httpx's default: 5 s


def _get(conn: http.client.HTTPConnection, path: str = "/healthz") -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


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
