"""Helpers for tests and benchmarks of the serving layer: a small synthetic agent and a real
uvicorn server on a loopback port in a background thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.catalog.datasets import catalog_path
from recpilot.catalog.store import Catalog
from recpilot.catalog.synth import generate
from recpilot.llm.base import LLM
from recpilot.server.settings import KEEP_ALIVE_S, StaticKey


def synthetic_agent(
    name: str = "serve-synth",
    *,
    items: int = 300,
    users: int = 120,
    seed: int = 7,
    llm: LLM | None = None,
) -> Agent:
    """An agent over a planted synthetic catalog under the current data home (rules brain,
    or ``llm`` as the brain when given; its planner then uses no demonstrations)."""
    path = catalog_path(name)
    if not path.is_file():
        generate(items, users, seed).write(path, name)
    catalog = Catalog.open(path)
    agent = build_agent(AgentOptions(dataset=name, embedder="hashing", demos="none"), catalog)
    if llm is not None:
        from recpilot.agent.demos import DemoSelector
        from recpilot.agent.planner import LLMPlanner, PlannerSettings
        from recpilot.models.embedders import HashingEmbedder

        agent.llm = llm
        agent.planner = LLMPlanner(
            llm,
            agent.tools,
            catalog,
            agent.resolver,
            DemoSelector([], HashingEmbedder(), mode="fixed"),
            PlannerSettings(),
        )
    return agent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve_in_thread(app: FastAPI, *, timeout_s: float = 20.0) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 and yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_keep_alive=KEEP_ALIVE_S,  # as 'recpilot serve'
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout_s)


ALICE_KEY = "alice-key-0123456789"  # user u1
BOB_KEY = "bob-key-01234567890"  # user u2
ADMIN_KEY = "admin-key-0123456789"


def test_keys() -> list[StaticKey]:
    """Three configured keys for tests: alice (u1), bob (u2), admin."""
    return [
        StaticKey(key=ALICE_KEY, user="u1"),
        StaticKey(key=BOB_KEY, user="u2"),
        StaticKey(key=ADMIN_KEY, admin=True),
    ]


def bearer_header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
