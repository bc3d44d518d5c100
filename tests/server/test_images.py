"""Pictures in chat requests: with a vision model configured (here a scripted one, and the
OpenAI-compatible backend against a recording HTTP server) an ``image_url`` part is
described and the description joins the message; without one the picture is refused with
400 ``unsupported_content``, and nothing is answered or stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from recpilot.agent.agent import Agent
from recpilot.errors import ConfigError, LLMUnavailable
from recpilot.llm.base import LLMRequest
from recpilot.llm.openai_compat import OpenAICompatLLM
from recpilot.llm.scripted import FunctionLLM
from recpilot.llm.vision import VisionReader, resolve_vision
from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import ADMIN_KEY, bearer_header, serve_in_thread
from recpilot.server.testing import test_keys as api_keys
from recpilot.testing.faultserver import completion

ADMIN = bearer_header(ADMIN_KEY)
POSTER = "https://example.org/poster.jpg"


def _ask(base: str, content: Any) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/chat/completions",
        json={
            "model": "recpilot",
            "user": "u9",
            "messages": [{"role": "user", "content": content}],
        },
        headers=ADMIN,
        timeout=60,
    )


def _parts(text: str, *urls: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text}] + [
        {"type": "image_url", "image_url": {"url": u}} for u in urls
    ]


@pytest.fixture
def app_with(agent: Agent, tmp_path: Path) -> Callable[[VisionReader | None], FastAPI]:
    def make(vision: VisionReader | None) -> FastAPI:
        settings = ServerSettings(
            api_keys=api_keys(), mcp_http=False, keys_file=tmp_path / "keys.json",
            memory_url=f"sqlite:///{tmp_path / 'memory.sqlite3'}",
        )  # fmt: skip
        return create_app(settings, agent=agent, vision=vision)

    return make


def test_a_picture_is_described_and_read_as_words(
    app_with: Callable[[VisionReader | None], FastAPI], agent: Agent
) -> None:
    genre = agent.profile.categorical[0].values[0]  # a value the catalog holds
    seen: list[LLMRequest] = []

    def describe(request: LLMRequest) -> str:
        seen.append(request)
        return f"a bright {genre} poster with two people laughing"

    with serve_in_thread(app_with(VisionReader(FunctionLLM(describe)))) as base:
        answer = _ask(base, _parts("something that looks like this poster", POSTER))
        assert answer.status_code == 200, answer.text
        ext = answer.json()["recpilot"]
        refused = _ask(base, [{"type": "input_audio", "input_audio": {"data": "x"}}])
        bad_url = _ask(base, _parts("like this", "file:///etc/passwd"))
        too_many = _ask(base, _parts("like these", *[POSTER] * 5))
    assert seen[0].messages[-1].images == [POSTER]
    assert "something that looks like this poster" in seen[0].messages[-1].content
    assert genre in seen[0].messages[0].content  # the catalog's words are offered
    assert any(n.startswith("Read the picture as: a bright") for n in ext["notes"])
    assert ext["items"] and all(genre in c["labels"] for c in ext["items"])
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "unsupported_content"
    assert bad_url.status_code == 422 and "http(s) URL" in bad_url.text
    assert too_many.status_code == 422 and "at most 4" in too_many.text
    assert len(seen) == 1  # the refused requests never reached the vision model


def test_without_a_vision_model_pictures_are_refused(
    app_with: Callable[[VisionReader | None], FastAPI],
) -> None:
    with serve_in_thread(app_with(None)) as base:
        answer = _ask(base, _parts("like this poster", POSTER))
    error = answer.json()["error"]
    assert answer.status_code == 400 and error["type"] == "unsupported_content"
    assert "--vision openai:MODEL" in error["message"]
    assert "messages[0].content[1] (image_url)" in error["message"]


def test_a_silent_vision_model_answers_503_not_a_blind_answer(
    app_with: Callable[[VisionReader | None], FastAPI],
) -> None:
    def down(_: LLMRequest) -> str:
        raise LLMUnavailable("connection refused")

    with serve_in_thread(app_with(VisionReader(FunctionLLM(down)))) as base:
        answer = _ask(base, _parts("like this poster", POSTER))
    assert answer.status_code == 503 and "vision model did not answer" in answer.text


def test_only_an_openai_compatible_model_reads_pictures() -> None:
    assert resolve_vision(None) is None
    with pytest.raises(ConfigError, match="embedded models read text only"):
        resolve_vision("local:qwen2.5-coder-0.5b")


def _recorder(bodies: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Recorder(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            size = int(self.headers.get("content-length", "0"))
            bodies.append(json.loads(self.rfile.read(size)))
            data = json.dumps(completion("a navy backpack on a mountain trail")).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Recorder


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback OpenAI-compatible server that keeps every request body."""
    bodies: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _recorder(bodies))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", bodies
    finally:
        server.shutdown()
        server.server_close()


def test_the_openai_backend_sends_the_picture_as_an_image_part(
    recorder: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = recorder
    reader = VisionReader(OpenAICompatLLM("vision-model", base_url=url))
    answer = reader.describe(["data:image/png;base64,iVBORw0KGgo="], "a bag like this", ["shop"])
    assert answer.text == "a navy backpack on a mountain trail"
    system, user = bodies[0]["messages"]
    assert isinstance(system["content"], str)  # text-only messages stay plain strings
    assert user["content"] == [
        {"type": "text", "text": "a bag like this"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
