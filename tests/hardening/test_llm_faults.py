"""LLM faults: recpilot against a misbehaving OpenAI-compatible server run as its own process
(``python -m recpilot.testing.faultserver``), through the backend, the agent, the CLI, REST,
the OpenAI-compatible endpoint (streaming) and MCP. Every turn must answer from the rules,
flagged degraded with a reason that names the fault; the deadline must end the turn's LLM
use; the circuit breaker must stop calling a dead server and probe it again later."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient
from mcp.client.streamable_http import streamable_http_client

from mcp import Client
from recpilot.agent.agent import Agent, AgentSettings
from recpilot.agent.demos import DemoSelector
from recpilot.agent.planner import LLMPlanner
from recpilot.agent.session import Session
from recpilot.errors import ConfigError, LLMUnavailable
from recpilot.llm import LLMRequest, Message, resolve_llm
from recpilot.llm.breaker import BreakerSettings, CircuitBreaker, LLMCircuitOpen
from recpilot.llm.openai_compat import OpenAICompatLLM
from recpilot.models.embedders import HashingEmbedder
from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import (
    ADMIN_KEY,
    bearer_header,
    free_port,
    synthetic_agent,
)
from recpilot.server.testing import test_keys as configured_keys  # (not a test)
from recpilot.testing.faultserver import SIGNS, Spawned, spawn

DATASET = "fault-synth"
# Words the rules cannot read, so the LLM is asked to plan.
MESSAGE = "something for a rainy afternoon with my grandmother"
HTTP_MODES = ["hang", "429", "500", "truncated", "badjson", "schema", "endless", "html", "slow"]
NEVER_OPEN = "1000"  # breaker failures for runs that must see every fault, not an open circuit


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("faults-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(path))
        yield str(path)


@pytest.fixture(scope="module")
def rules_agent(home: str) -> Agent:
    return synthetic_agent(DATASET)  # builds the catalog and trains its models once


@pytest.fixture(scope="module")
def fault() -> Iterator[Spawned]:
    with spawn("ok", interval_s=0.2) as server:
        yield server


def llm_agent(rules: Agent, llm: OpenAICompatLLM, deadline_s: float) -> Agent:
    planner = LLMPlanner(
        llm,
        rules.tools,
        rules.catalog,
        rules.resolver,
        DemoSelector([], HashingEmbedder(), mode="fixed"),
        profile=rules.profile,
    )
    settings = AgentSettings(deadline_s=deadline_s)
    return Agent(
        rules.catalog,
        rules.models,
        llm=llm,
        planner=planner,
        settings=settings,
        profile=rules.profile,
    )


def cli_env(home: str, base_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RECPILOT_HOME": home, "HF_HUB_OFFLINE": "1"}
    for var in ("RECPILOT_DATABASE_URL", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        env.pop(var, None)
    return env | {"RECPILOT_LLM_BASE_URL": base_url, **extra}


# ---------------------------------------------------------------- the backend


@pytest.mark.parametrize("mode", HTTP_MODES)
def test_backend_names_each_fault_and_does_not_retry(fault: Spawned, mode: str) -> None:
    fault.set_mode(mode)
    before = fault.requests()
    llm = OpenAICompatLLM("m", base_url=fault.base_url, timeout_s=1.0)
    req = LLMRequest(messages=[Message(role="user", content="plan")], json_schema={})
    if mode == "schema":  # the server answers; the plan schema is the planner's check
        assert "launch_rockets" in llm.request(req).text
    else:
        with pytest.raises(LLMUnavailable, match=SIGNS[mode]):
            llm.request(req)
    assert fault.requests() - before == 1  # one request, no hidden retries
    llm.close()


def test_backend_refused_connection() -> None:
    with (
        spawn("refuse") as refusing,
        OpenAICompatLLM("m", base_url=refusing.base_url, timeout_s=5) as llm,
        pytest.raises(LLMUnavailable, match=SIGNS["refuse"]),
    ):
        llm.request(LLMRequest(messages=[Message(role="user", content="hi")]))


# ---------------------------------------------------------------- breaker and deadline


def test_breaker_opens_refuses_then_probes() -> None:
    now = [0.0]
    breaker = CircuitBreaker(BreakerSettings(failures=3, cooldown_s=10), clock=lambda: now[0])
    for _ in range(2):
        breaker.before_call()
        breaker.record_failure("HTTP 500")
    breaker.before_call()  # two failures: still closed
    breaker.record_failure("HTTP 500")
    with pytest.raises(LLMCircuitOpen, match=r"LLM circuit open until .* \(last: HTTP 500\)"):
        breaker.before_call()
    assert breaker.view().state == "open"
    now[0] = 10.0
    breaker.before_call()  # the probe goes through ...
    with pytest.raises(LLMCircuitOpen):
        breaker.before_call()  # ... alone
    breaker.record_failure("still down")  # a failed probe opens it again
    with pytest.raises(LLMCircuitOpen, match="still down"):
        breaker.before_call()
    now[0] = 20.0
    breaker.before_call()
    breaker.record_success()  # a good probe closes it
    breaker.before_call()
    view = breaker.view()
    assert (view.state, view.consecutive_failures, view.opened_total) == ("closed", 0, 2)


def test_circuit_stops_calling_a_dead_server_and_probes_it_later(
    rules_agent: Agent, fault: Spawned
) -> None:
    fault.set_mode("500")
    llm = OpenAICompatLLM("m", base_url=fault.base_url)
    now = [0.0]  # the breaker's clock: moved by hand, so a slow machine cannot end the cool-down
    llm.breaker = CircuitBreaker(
        BreakerSettings(failures=3, cooldown_s=30), name=llm.name, clock=lambda: now[0]
    )
    agent = llm_agent(rules_agent, llm, deadline_s=10)
    start = fault.requests()
    first = agent.turn(Session(), MESSAGE)
    assert first.degraded and first.items
    assert any("HTTP 500" in r for r in first.degraded_reasons)
    assert fault.requests() - start == 3  # plan, its one retry, reply: then the circuit opens
    second = agent.turn(Session(), MESSAGE)
    assert second.degraded and second.items
    assert any("LLM circuit open until" in r for r in second.degraded_reasons)
    assert fault.requests() - start == 3  # not called while open
    assert circuit_metrics(agent) == {"open": 1.0, "opened": 1.0}
    fault.set_mode("ok")
    now[0] = 31.0  # the cool-down passes: the next call is a probe
    third = agent.turn(Session(), MESSAGE)
    assert not third.degraded, third.degraded_reasons
    assert third.plan_source.startswith("llm") and llm.breaker.view().state == "closed"


def circuit_metrics(agent: Agent) -> dict[str, float]:
    """The breaker's lines in ``/metrics`` of an app serving ``agent``."""
    settings = ServerSettings(api_keys=configured_keys(), mcp_http=False)
    with TestClient(create_app(settings, agent=agent)) as client:
        text = client.get("/metrics", headers=bearer_header(ADMIN_KEY)).text
    found = re.findall(r"^recpilot_llm_circuit_(open|opened) (\S+)$", text, re.MULTILINE)
    return {name: float(value) for name, value in found}


def test_deadline_ends_the_turns_llm_use(rules_agent: Agent, fault: Spawned) -> None:
    fault.set_mode("hang")
    llm = OpenAICompatLLM("m", base_url=fault.base_url, breaker=BreakerSettings(failures=99))
    agent = llm_agent(rules_agent, llm, deadline_s=1.0)
    start = fault.requests()
    record = agent.turn(Session(), MESSAGE)
    assert record.degraded and record.items and record.plan_source == "rules-fallback"
    assert record.degraded_reasons[0].startswith("LLM unavailable:")
    assert "did not answer within 1 s" in record.degraded_reasons[0]
    assert "the turn's LLM deadline of 1 s is spent" in record.degraded_reasons[1]
    # The plan call used the whole budget: no retry and no reply call were made.
    assert fault.requests() - start == 1
    assert [(c.purpose, c.ok) for c in record.llm] == [("plan", False)]


# ---------------------------------------------------------------- the CLI


def ask(home: str, base_url: str, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    cmd = [sys.executable, "-m", "recpilot", "ask", MESSAGE, "--json", "--llm", "openai:m"]
    cmd += ["--dataset", DATASET, "--demos", "none", *args]
    proc = subprocess.run(
        cmd, env=cli_env(home, base_url), capture_output=True, text=True, timeout=180
    )
    return proc, json.loads(proc.stdout) if proc.returncode == 0 else None


@pytest.mark.parametrize("mode", ["hang", "truncated"])
def test_cli_ask_answers_degraded(home: str, rules_agent: Agent, fault: Spawned, mode: str) -> None:
    fault.set_mode(mode)
    proc, out = ask(home, fault.base_url, "--deadline", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert out["degraded"] is True and out["items"]
    assert re.search(SIGNS[mode], out["degraded_reasons"][0]), out["degraded_reasons"]
    # The deadline is a correctness property: a hanging server must not hold the turn.
    assert out["timings_ms"]["total"] < 30_000


def test_breaker_settings_come_from_the_environment() -> None:
    env = {"RECPILOT_LLM_BREAKER_FAILURES": "5", "RECPILOT_LLM_BREAKER_COOLDOWN_S": "1.5"}
    llm = resolve_llm("openai:m", environ=env)
    assert isinstance(llm, OpenAICompatLLM)
    assert llm.breaker.settings == BreakerSettings(failures=5, cooldown_s=1.5)
    with pytest.raises(ConfigError, match="RECPILOT_LLM_BREAKER_FAILURES"):
        resolve_llm("openai:m", environ={"RECPILOT_LLM_BREAKER_FAILURES": "0"})


# ---------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def served(
    home: str, rules_agent: Agent, fault: Spawned, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    log = tmp_path_factory.mktemp("faults-serve") / "serve.log"
    port = free_port()
    env = cli_env(
        home,
        fault.base_url,
        RECPILOT_API_KEYS=f"{ADMIN_KEY}:*",
        RECPILOT_LLM_BREAKER_FAILURES=NEVER_OPEN,
    )
    args = ["serve", "--port", str(port), "--dataset", DATASET, "--embedder", "hashing"]
    args += ["--llm", "openai:m", "--deadline", "1", "--db", f"sqlite:///{log.parent}/m.db"]
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "recpilot", *args], env=env, stdout=handle, stderr=handle
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, "recpilot serve did not get ready"
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield base, log
    finally:
        proc.terminate()
        proc.wait(30)


def _stream_answer(text: str) -> dict[str, Any]:
    events = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    last = json.loads(events[-2])
    ext: dict[str, Any] = last["choices"][0]["recpilot"]
    return ext


def test_rest_and_openai_stream_answer_every_fault(
    served: tuple[str, Path], fault: Spawned
) -> None:
    base, log = served
    headers = bearer_header(ADMIN_KEY)
    for mode in HTTP_MODES:
        fault.set_mode(mode)
        rest = httpx.post(
            f"{base}/v1/sessions",
            json={"message": MESSAGE, "user_id": "u1"},
            headers=headers,
            timeout=60,
        )
        assert rest.status_code == 200, (mode, rest.text)
        body = rest.json()
        assert body["degraded"] and body["items"], mode
        assert re.search(SIGNS[mode], " ".join(body["degraded_reasons"])), (mode, body)
        chat = {
            "model": "recpilot",
            "user_id": "u1",
            "messages": [{"role": "user", "content": MESSAGE}],
        }
        streamed = httpx.post(
            f"{base}/v1/chat/completions",
            json=chat | {"stream": True},
            headers=headers,
            timeout=60,
        )
        assert streamed.status_code == 200, (mode, streamed.text)
        ext = _stream_answer(streamed.text)
        assert ext["degraded"] and ext["items"], mode
        assert re.search(SIGNS[mode], " ".join(ext["degraded_reasons"])), (mode, ext)
    assert "Traceback" not in log.read_text()


def test_mcp_tools_answer_while_the_llm_hangs(served: tuple[str, Path], fault: Spawned) -> None:
    base, _ = served
    fault.set_mode("hang")
    start = fault.requests()

    async def run() -> dict[str, Any]:
        async with (
            httpx2.AsyncClient(headers=bearer_header(ADMIN_KEY), timeout=60) as http,
            Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("recommend_for_user", {"user_id": "u1", "n": 5})
            assert not result.is_error, result.content
            data: dict[str, Any] = result.structured_content
            return data

    data = asyncio.run(run())
    assert len(data["items"]) == 5
    assert fault.requests() == start  # MCP tools run no LLM: a dead LLM cannot touch them


def test_openai_endpoint_refuses_image_parts(served: tuple[str, Path], fault: Spawned) -> None:
    base, _ = served
    fault.set_mode("ok")
    headers = bearer_header(ADMIN_KEY)
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    parts = [{"type": "text", "text": "films like the one on this poster"}, image]
    answer = httpx.post(
        f"{base}/v1/chat/completions",
        json={
            "model": "recpilot",
            "user_id": "u1",
            "messages": [{"role": "user", "content": parts}],
        },
        headers=headers,
        timeout=60,
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "unsupported_content"
    assert "images need a vision model" in error["message"]
    assert "messages[0].content[1] (image_url)" in error["message"]
    text_only = [{"type": "text", "text": "three comedies"}]
    ok = httpx.post(
        f"{base}/v1/chat/completions",
        json={
            "model": "recpilot",
            "user_id": "u1",
            "messages": [{"role": "user", "content": text_only}],
        },
        headers=headers,
        timeout=60,
    )
    assert ok.status_code == 200 and ok.json()["recpilot"]["items"]
