"""The remote backend: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama,
llama.cpp's server, recpilot's own ``serve``), through the official ``openai`` client.

Structured output asks for ``response_format={"type": "json_schema", ...}`` first; a server
that rejects it with HTTP 400 is asked again with ``{"type": "json_object"}`` and then with no
``response_format`` at all, and the backend remembers the first mode that worked. Callers
validate the JSON either way. Connection errors, timeouts, 5xx, auth and rate-limit failures
raise :class:`~recpilot.errors.LLMUnavailable` (no retries: the agent degrades instead).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, LLMResponse
from recpilot.llm.scripted import estimate_tokens

logger = logging.getLogger(__name__)

_MODES = ("json_schema", "json_object", "none")
_PLACEHOLDER_KEY = "not-needed"  # local servers ignore the key; the client insists on one


def _response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "plan", "schema": schema, "strict": False},
        }
    if mode == "json_object":
        return {"type": "json_object"}
    return None


class OpenAICompatLLM(LLM):
    """A chat model behind an OpenAI-compatible HTTP API."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 0,
    ) -> None:
        try:
            import openai
        except ImportError as exc:
            raise LLMUnavailable(
                "the openai client is not installed; install it with: pip install 'recpilot[llm]'"
            ) from exc
        self._openai = openai
        self.model = model
        self.base_url = base_url
        self.name = f"openai:{model}"
        self.timeout_s = timeout_s
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or _PLACEHOLDER_KEY,
            timeout=timeout_s,
            max_retries=max_retries,
        )
        self._mode_index = 0  # index into _MODES: the richest structured-output mode that works
        self._lock = threading.Lock()

    @property
    def structured_mode(self) -> str:
        """``json_schema``, ``json_object`` or ``none``: what the server has accepted so far."""
        return _MODES[self._mode_index]

    def _where(self) -> str:
        return self.base_url or "the default OpenAI endpoint"

    def request(self, req: LLMRequest) -> LLMResponse:
        openai = self._openai
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [m.model_dump() for m in req.messages],
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
        }
        if req.stop:
            kwargs["stop"] = list(req.stop)
        started = time.perf_counter()
        while True:
            with self._lock:
                mode_index = self._mode_index
            if req.json_schema is not None and (
                fmt := _response_format(_MODES[mode_index], req.json_schema)
            ):
                kwargs["response_format"] = fmt
            else:
                kwargs.pop("response_format", None)
            try:
                completion = self._client.chat.completions.create(**kwargs)
                break
            except openai.BadRequestError as exc:
                if req.json_schema is None or mode_index + 1 >= len(_MODES):
                    raise LLMUnavailable(
                        f"{self.name} at {self._where()} rejected the request: {exc}"
                    ) from exc
                logger.info(
                    "server rejected response_format mode=%s model=%s; falling back",
                    _MODES[mode_index],
                    self.model,
                )
                with self._lock:
                    self._mode_index = max(self._mode_index, mode_index + 1)
            except openai.APITimeoutError as exc:
                raise LLMUnavailable(
                    f"{self.name} at {self._where()} did not answer within {self.timeout_s:g} s"
                ) from exc
            except openai.APIConnectionError as exc:
                raise LLMUnavailable(
                    f"cannot reach {self.name} at {self._where()}: {exc}. Start the server or "
                    "set RECPILOT_LLM_BASE_URL to its URL (for example http://127.0.0.1:8000/v1)"
                ) from exc
            except openai.AuthenticationError as exc:
                raise LLMUnavailable(
                    f"{self.name} at {self._where()} refused the API key: set "
                    "RECPILOT_LLM_API_KEY (or OPENAI_API_KEY)"
                ) from exc
            except openai.APIStatusError as exc:
                raise LLMUnavailable(
                    f"{self.name} at {self._where()} failed with HTTP {exc.status_code}: {exc}"
                ) from exc
        ms = (time.perf_counter() - started) * 1000.0
        if not completion.choices:
            raise LLMUnavailable(f"{self.name} at {self._where()} returned no choices")
        text = completion.choices[0].message.content or ""
        usage = completion.usage
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        completion_tokens = getattr(usage, "completion_tokens", None)
        return LLMResponse(
            text=text,
            prompt_tokens=int(prompt_tokens)
            if prompt_tokens is not None
            else sum(estimate_tokens(m.content) for m in req.messages),
            completion_tokens=int(completion_tokens)
            if completion_tokens is not None
            else estimate_tokens(text),
            ms=ms,
            model=completion.model or self.name,
        )

    def close(self) -> None:
        self._client.close()
