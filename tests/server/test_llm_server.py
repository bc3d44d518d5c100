"""The remote-LLM path against a real OpenAI-compatible server process: llama-cpp-python's
own server running the embedded 0.5B (``recpilot.testing.llm_server``). The deployment in
miniature: two API worker processes (``recpilot serve --workers 2``) on one PostgreSQL, their
brain the LLM server; the CLI against the same server."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import CLI, cli_env, serve

from recpilot.agent.agent import Agent
from recpilot.llm.weights import EMBEDDED_MODELS, parts_installed
from recpilot.memory.store import MemoryStore
from recpilot.server.testing import ADMIN_KEY, bearer_header
from recpilot.testing.llm_server import LLMServer, llm_server

pytestmark = pytest.mark.llm

MODEL = "qwen2.5-coder-0.5b"
if importlib.util.find_spec("llama_cpp.server") is None or not parts_installed(
    EMBEDDED_MODELS[MODEL]
):
    pytest.skip("needs recpilot[llm] and recpilot[models-small]", allow_module_level=True)

# Correctness, not speed: a 2-core machine running the suite may take long over a call, and
# a turn past its deadline would answer degraded from the rules instead.
SLOW_OK = {"RECPILOT_LLM_DEADLINE_S": "300"}
REQUEST = "Something I can watch with my six-year-old tonight, no horror"  # not all words known


@pytest.fixture(scope="module")
def server() -> Iterator[LLMServer]:
    with llm_server(MODEL, threads=2) as running:
        yield running


def test_ask_plans_with_the_remote_llm(server: LLMServer, agent: Agent, serve_home: str) -> None:
    env = cli_env(serve_home) | server.environ() | SLOW_OK
    out = subprocess.run(
        [*CLI, "ask", REQUEST, "--llm", server.spec, "--dataset", agent.catalog.name, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    turn = json.loads(out.stdout)
    assert turn["llm_calls"] >= 1 and not turn["degraded"], turn["degraded_reasons"]
    items = agent.catalog.get_items([i["item_id"] for i in turn["items"]])
    assert len(items) == len(turn["items"]) > 0  # every item is a catalog row
    assert all("Horror" not in (i.attributes["genres"] or []) for i in items)


def test_two_workers_stream_answers_planned_by_the_llm_server(
    server: LLMServer, agent: Agent, serve_home: str, postgres_url: str, tmp_path: Path
) -> None:
    served = serve(
        serve_home,
        postgres_url,
        agent.catalog.name,
        tmp_path / "api.log",
        workers=2,
        threads=1,
        extra=("--llm", server.spec),
        env=server.environ() | SLOW_OK,
    )
    try:
        body = {
            "model": "recpilot",
            "stream": True,
            "user_id": "remote-1",
            "messages": [{"role": "user", "content": REQUEST}],
        }
        chunks = []
        with httpx.stream(
            "POST",
            f"{served.base}/v1/chat/completions",
            json=body,
            headers=bearer_header(ADMIN_KEY),
            timeout=600,
        ) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith(
                "text/event-stream"
            )
            for line in r.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    chunks.append(json.loads(line.removeprefix("data: ")))
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        ext = chunks[-1]["choices"][0]["recpilot"]
        assert not ext["degraded"], ext["degraded_reasons"]
        assert ext["items"] and all(card["title"] in text for card in ext["items"])
    finally:
        served.stop()
    assert "Traceback" not in served.log.read_text(errors="replace")
    with MemoryStore.open(postgres_url) as store:
        state = store.load_session(ext["session_id"], "remote-1")
    assert state is not None and [t.message for t in state.turns] == [REQUEST]
    record = state.turns[0].record
    # Read by the LLM server (its restatement, or its plan), not by the rules alone.
    assert record["plan_source"].startswith("llm"), record["plan_source"]
    assert record["llm"] and record["llm"][0]["purpose"] in ("restate", "plan")
    assert record["llm"][0]["ok"]
