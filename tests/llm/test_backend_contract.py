"""The scripted fake and the OpenAI-compatible backend (against a real local HTTP server)
honour the shipped backend contract (recpilot.testing.components)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from recpilot.llm.base import LLM
from recpilot.llm.openai_compat import OpenAICompatLLM
from recpilot.llm.scripted import ScriptedLLM
from recpilot.testing.components import LLMBackendContract

from .test_openai_compat import Behaviour, FakeServer, completion, serve

__all__ = ["serve"]  # the local HTTP server fixture


class TestScripted(LLMBackendContract):
    @pytest.fixture
    def backend(self) -> LLM:
        return ScriptedLLM(json.dumps({"ok": True}))

    @pytest.fixture
    def dead_backend(self) -> LLM:
        return ScriptedLLM()  # nothing queued: unavailable


class TestOpenAICompatible(LLMBackendContract):
    @pytest.fixture
    def backend(self, serve: Callable[[Behaviour], FakeServer]) -> Iterator[LLM]:
        def answer(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            return 200, completion(json.dumps({"ok": True}))

        server = serve(answer)
        with OpenAICompatLLM("m", base_url=server.base_url, api_key="k", timeout_s=5) as llm:
            yield llm

    @pytest.fixture
    def dead_backend(self) -> LLM:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        return OpenAICompatLLM("m", base_url=f"http://127.0.0.1:{port}/v1", timeout_s=5)
