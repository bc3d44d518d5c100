"""OpenAICompatLLM against a fake OpenAI-compatible server on 127.0.0.1 (stdlib http.server)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from recpilot.errors import LLMUnavailable
from recpilot.llm import LLMRequest, Message
from recpilot.llm.openai_compat import OpenAICompatLLM

# behaviour(body) -> (status, json reply); may sleep to simulate a slow server
Behaviour = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]

SCHEMA = {"type": "object", "properties": {"genre": {"enum": ["Comedy"]}}, "required": ["genre"]}


def completion(text: str, prompt_tokens: int = 11, completion_tokens: int = 3) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class FakeServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                outer.paths.append(self.path)
                outer.bodies.append(body)
                status, reply = outer.behaviour(body)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], FakeServer]]:
    servers: list[FakeServer] = []

    def start(behaviour: Behaviour) -> FakeServer:
        server = FakeServer(behaviour)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _req(schema: dict[str, Any] | None = None) -> LLMRequest:
    return LLMRequest(
        messages=[Message(role="system", content="plan"), Message(role="user", content="funny")],
        json_schema=schema,
        max_tokens=40,
        stop=["\n\n"],
    )


def test_plain_request_round_trip(serve: Callable[[Behaviour], FakeServer]) -> None:
    server = serve(lambda body: (200, completion("hello there", 17, 2)))
    llm = OpenAICompatLLM("m1", base_url=server.base_url, api_key="sk-test", timeout_s=5)
    resp = llm.request(_req())
    assert (resp.text, resp.prompt_tokens, resp.completion_tokens) == ("hello there", 17, 2)
    assert resp.model == "fake-model" and resp.ms > 0
    assert server.paths == ["/v1/chat/completions"]
    body = server.bodies[0]
    assert body["model"] == "m1" and body["max_tokens"] == 40 and body["stop"] == ["\n\n"]
    assert body["messages"][1] == {"role": "user", "content": "funny"}
    assert "response_format" not in body


def test_schema_sent_as_json_schema_response_format(
    serve: Callable[[Behaviour], FakeServer],
) -> None:
    server = serve(lambda body: (200, completion('{"genre": "Comedy"}')))
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=5)
    assert llm.request(_req(SCHEMA)).text == '{"genre": "Comedy"}'
    fmt = server.bodies[0]["response_format"]
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "plan", "schema": SCHEMA, "strict": False},
    }
    assert llm.structured_mode == "json_schema"


def test_falls_back_to_json_object_on_400_and_remembers(
    serve: Callable[[Behaviour], FakeServer],
) -> None:
    def behaviour(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body.get("response_format", {}).get("type") == "json_schema":
            return 400, {
                "error": {"message": "json_schema not supported", "type": "invalid_request_error"}
            }
        return 200, completion('{"genre": "Comedy"}')

    server = serve(behaviour)
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=5)
    assert llm.request(_req(SCHEMA)).text == '{"genre": "Comedy"}'
    assert llm.request(_req(SCHEMA)).text == '{"genre": "Comedy"}'
    kinds = [b.get("response_format", {}).get("type") for b in server.bodies]
    assert kinds == ["json_schema", "json_object", "json_object"]  # second call skips the 400
    assert llm.structured_mode == "json_object"


def test_a_500_naming_response_format_falls_back_with_the_schema(
    serve: Callable[[Behaviour], FakeServer],
) -> None:
    """llama-cpp-python's server answers json_schema with a 500 whose body names the field;
    its json_object mode takes the schema as a grammar."""

    def behaviour(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if body["response_format"]["type"] == "json_schema":
            msg = "validation error: ('body', 'response_format', 'type') literal_error"
            return 500, {"error": {"message": msg, "type": "internal_server_error"}}
        return 200, completion('{"genre": "Comedy"}')

    server = serve(behaviour)
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=5)
    assert llm.request(_req(SCHEMA)).text == '{"genre": "Comedy"}'
    assert server.bodies[1]["response_format"] == {"type": "json_object", "schema": SCHEMA}


def test_400_without_schema_is_unavailable(serve: Callable[[Behaviour], FakeServer]) -> None:
    server = serve(lambda body: (400, {"error": {"message": "bad model"}}))
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=5)
    with pytest.raises(LLMUnavailable, match="rejected"):
        llm.request(_req())
    assert len(server.bodies) == 1


def test_5xx_is_unavailable_without_retry(serve: Callable[[Behaviour], FakeServer]) -> None:
    server = serve(lambda body: (503, {"error": {"message": "overloaded"}}))
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=5)
    with pytest.raises(LLMUnavailable, match="HTTP 503"):
        llm.request(_req(SCHEMA))
    assert len(server.bodies) == 1


def test_bad_key_says_which_variable(serve: Callable[[Behaviour], FakeServer]) -> None:
    server = serve(lambda body: (401, {"error": {"message": "invalid api key"}}))
    llm = OpenAICompatLLM("m", base_url=server.base_url, api_key="wrong", timeout_s=5)
    with pytest.raises(LLMUnavailable, match="RECPILOT_LLM_API_KEY"):
        llm.request(_req())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_dead_port_is_unavailable_quickly() -> None:
    llm = OpenAICompatLLM("m", base_url=f"http://127.0.0.1:{_free_port()}/v1", timeout_s=30)
    started = time.perf_counter()
    with pytest.raises(LLMUnavailable, match="cannot reach"):
        llm.request(_req())
    # connection refused must not wait for the 30 s timeout
    assert time.perf_counter() - started < 10


def test_slow_server_times_out(serve: Callable[[Behaviour], FakeServer]) -> None:
    release = threading.Event()

    def slow(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        release.wait(10)
        return 200, completion("too late")

    server = serve(slow)
    llm = OpenAICompatLLM("m", base_url=server.base_url, timeout_s=0.5)
    started = time.perf_counter()
    try:
        with pytest.raises(LLMUnavailable, match=r"did not answer within 0\.5 s"):
            llm.request(_req())
    finally:
        release.set()
    assert time.perf_counter() - started < 8
