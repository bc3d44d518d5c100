"""The remote backend: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama,
llama.cpp's server, recpilot's own ``serve``).

Structured output asks for ``response_format={"type": "json_schema", ...}`` first; a server
that rejects it (HTTP 400 or 422, or a 5xx naming ``response_format``) is asked again with
``{"type": "json_object", "schema": ...}`` and then with no ``response_format`` at all, and
the backend remembers the first mode that worked. Callers validate the JSON either way.

The call is one ``POST {base_url}/chat/completions`` made with httpx, not the openai SDK,
because a misbehaving server must not be able to hold or crash a turn, and the SDK bounds
neither: the body is read in chunks against a wall-clock limit (the call's ``timeout_s``, the
rest of the turn's deadline, or the backend's ``timeout_s``), so a server that trickles or
streams forever is cut off; a body over ``max_body_bytes`` is refused; a 2xx answer that is
not JSON (an HTML page), truncated or invalid JSON, or JSON that is not a chat completion
raises :class:`~recpilot.errors.LLMUnavailable` naming the fault, as do refused connections,
timeouts, 4xx/5xx and 429. There are no retries here (the planner decides, within the
deadline), and a :class:`~recpilot.llm.breaker.CircuitBreaker` per instance stops calling a
server that failed ``failures`` times in a row for a cool-down.

A server that stalls after sending part of an answer is cut off by httpx's per-read timeout,
which is set to the time left when the call starts: such a call ends by twice its limit at
worst; every other fault ends it by its limit.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, LLMResponse, Message
from recpilot.llm.breaker import BreakerSettings, CircuitBreaker
from recpilot.llm.scripted import estimate_tokens

logger = logging.getLogger(__name__)

_MODES = ("json_schema", "json_object", "none")
DEFAULT_BASE_URL = "https://api.openai.com/v1"
MAX_BODY_BYTES = 1 << 20  # a chat completion is a few kB; 1 MiB means a runaway server
_SNIPPET = 120


def _response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": "plan", "schema": schema, "strict": False},
        }
    if mode == "json_object":
        # "schema" beside json_object: llama.cpp-family servers compile it into a grammar;
        # others ignore it.
        return {"type": "json_object", "schema": schema}
    return None


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message


class _Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Completion(BaseModel):
    """The part of a chat completion the backend reads."""

    choices: list[_Choice]
    usage: _Usage | None = None
    model: str | None = None


class _Answer(BaseModel):
    status: int
    content_type: str
    retry_after: str | None
    body: bytes


class OpenAICompatLLM(LLM):
    """A chat model behind an OpenAI-compatible HTTP API."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        breaker: BreakerSettings | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.name = f"openai:{model}"
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.breaker = CircuitBreaker(breaker, name=self.name)
        self._url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/chat/completions"
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(headers=headers, follow_redirects=False)
        self._mode_index = 0  # index into _MODES: the richest structured-output mode that works
        self._lock = threading.Lock()

    @property
    def structured_mode(self) -> str:
        """``json_schema``, ``json_object`` or ``none``: what the server has accepted so far."""
        return _MODES[self._mode_index]

    def _where(self) -> str:
        return f"{self.name} at {self.base_url or 'the default OpenAI endpoint'}"

    def request(self, req: LLMRequest) -> LLMResponse:
        self.breaker.before_call()
        try:
            response = self._request(req)
        except LLMUnavailable as exc:
            self.breaker.record_failure(str(exc))
            raise
        self.breaker.record_success()
        return response

    def _request(self, req: LLMRequest) -> LLMResponse:
        limit = self.timeout_s if req.timeout_s is None else min(self.timeout_s, req.timeout_s)
        started = time.perf_counter()
        end = time.monotonic() + limit
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_wire(m) for m in req.messages],
            "max_tokens": req.max_tokens,
            "temperature": req.temperature,
        }
        if req.stop:
            body["stop"] = list(req.stop)
        while True:
            with self._lock:
                mode_index = self._mode_index
            if req.json_schema is not None and (
                fmt := _response_format(_MODES[mode_index], req.json_schema)
            ):
                body["response_format"] = fmt
            else:
                body.pop("response_format", None)
            answer = self._post(body, end, limit)
            fallback = req.json_schema is not None and _rejects_format(answer)
            if fallback and mode_index + 1 < len(_MODES):
                logger.info(
                    "server rejected response_format mode=%s model=%s; falling back",
                    _MODES[mode_index],
                    self.model,
                )
                with self._lock:
                    self._mode_index = max(self._mode_index, mode_index + 1)
                continue
            if answer.status >= 300:
                raise self._status_error(answer)
            break
        completion = self._completion(answer)
        ms = (time.perf_counter() - started) * 1000.0
        text = completion.choices[0].message.content or ""
        usage = completion.usage or _Usage()
        return LLMResponse(
            text=text,
            prompt_tokens=usage.prompt_tokens
            if usage.prompt_tokens is not None
            else sum(estimate_tokens(m.content) for m in req.messages),
            completion_tokens=usage.completion_tokens
            if usage.completion_tokens is not None
            else estimate_tokens(text),
            ms=ms,
            model=completion.model or self.name,
        )

    def _post(self, body: dict[str, Any], end: float, limit: float) -> _Answer:
        """One POST, its body read in chunks until ``end`` (monotonic) or the size cap."""
        left = end - time.monotonic()
        if left <= 0:
            raise LLMUnavailable(f"{self._where()} did not answer within {limit:.3g} s")
        try:
            with self._client.stream(
                "POST", self._url, json=body, timeout=httpx.Timeout(left)
            ) as resp:
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_body_bytes:
                        raise LLMUnavailable(
                            f"{self._where()} sent more than {self.max_body_bytes} bytes "
                            "(an endless or runaway answer); stopped reading"
                        )
                    chunks.append(chunk)
                    if time.monotonic() > end:
                        raise LLMUnavailable(
                            f"{self._where()} did not finish its answer within {limit:.3g} s "
                            f"(still sending after {size} bytes)"
                        )
                return _Answer(
                    status=resp.status_code,
                    content_type=resp.headers.get("content-type", ""),
                    retry_after=resp.headers.get("retry-after"),
                    body=b"".join(chunks),
                )
        except httpx.TimeoutException as exc:
            raise LLMUnavailable(f"{self._where()} did not answer within {limit:.3g} s") from exc
        except httpx.ConnectError as exc:
            raise LLMUnavailable(
                f"cannot reach {self._where()}: {exc}. Start the server or set "
                "RECPILOT_LLM_BASE_URL to its URL (for example http://127.0.0.1:8000/v1)"
            ) from exc
        except httpx.HTTPError as exc:
            raise LLMUnavailable(
                f"{self._where()} broke off its answer (a truncated response): {exc}"
            ) from exc

    def _status_error(self, answer: _Answer) -> LLMUnavailable:
        status, detail = answer.status, _error_detail(answer.body)
        if status in (401, 403):
            return LLMUnavailable(
                f"{self._where()} refused the API key (HTTP {status}): set "
                "RECPILOT_LLM_API_KEY (or OPENAI_API_KEY)"
            )
        if status == 429:
            wait = f", retry after {answer.retry_after} s" if answer.retry_after else ""
            return LLMUnavailable(f"{self._where()} is rate-limiting (HTTP 429{wait}): {detail}")
        if 400 <= status < 500:
            return LLMUnavailable(f"{self._where()} rejected the request: HTTP {status}: {detail}")
        return LLMUnavailable(f"{self._where()} failed with HTTP {status}: {detail}")

    def _completion(self, answer: _Answer) -> _Completion:
        """The chat completion in a 2xx answer, or :class:`LLMUnavailable` naming the fault."""
        media = answer.content_type.split(";")[0].strip().lower()
        if not (media == "application/json" or media.endswith("+json")):
            raise LLMUnavailable(
                f"{self._where()} answered with content type {media or 'none'!r}, not JSON "
                f"(is the base URL the server's /v1 endpoint?): {_snippet(answer.body)!r}"
            )
        try:
            data = json.loads(answer.body)
        except UnicodeDecodeError as exc:
            raise LLMUnavailable(f"{self._where()} sent a body that is not UTF-8") from exc
        except json.JSONDecodeError as exc:
            raise LLMUnavailable(f"{self._where()} sent {_json_fault(exc)}") from exc
        try:
            completion = _Completion.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(root)"
            raise LLMUnavailable(
                f"{self._where()} sent JSON that is not a chat completion "
                f"(at {where}: {first['msg']}): {_snippet(answer.body)!r}"
            ) from exc
        if not completion.choices:
            raise LLMUnavailable(f"{self._where()} returned no choices")
        return completion

    def close(self) -> None:
        self._client.close()


def _wire(message: Message) -> dict[str, Any]:
    """A message as the API takes it: text, or text and image parts when it has pictures."""
    if not message.images:
        return message.model_dump()
    parts: list[dict[str, Any]] = [{"type": "text", "text": message.content}]
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in message.images]
    return {"role": message.role, "content": parts}


def _rejects_format(answer: _Answer) -> bool:
    """The server refused our ``response_format``: a 400/422, or a 5xx naming it
    (llama-cpp-python's server answers an unknown format type with a 500)."""
    return answer.status in (400, 422) or (
        answer.status >= 500 and b"response_format" in answer.body[:4096]
    )


def _snippet(body: bytes) -> str:
    return body[:_SNIPPET].decode("utf-8", errors="replace")


def _json_fault(exc: json.JSONDecodeError) -> str:
    """'a truncated JSON body (...)' when the text ends inside a value, else 'invalid'."""
    ends_early = exc.msg.startswith("Unterminated") or exc.pos >= len(exc.doc.rstrip())
    kind = "a truncated JSON body" if ends_early else "a body that is not valid JSON"
    return f"{kind} ({exc.msg}; char {exc.pos} of {len(exc.doc)}): {exc.doc[:_SNIPPET]!r}"


def _error_detail(body: bytes) -> str:
    """The server's error message (OpenAI's ``{"error": {"message": ...}}`` or the text)."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _snippet(body) or "(no body)"
    if isinstance(data, dict) and isinstance(error := data.get("error"), dict):
        return str(error.get("message") or error)[:200]
    return json.dumps(data)[:200]
