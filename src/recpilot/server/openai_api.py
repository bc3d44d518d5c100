"""OpenAI-compatible chat: ``POST /v1/chat/completions`` and ``GET /v1/models``.

The conversation is the ``messages`` array: earlier user messages are replayed with the rules
brain to rebuild what was shown, liked and ruled out, and the last user message is answered
by the agent — through the conversation service, like every other interface: the user's
profile and stated preferences apply, and the answered turn is stored (as the only turn of a
new session; send ``session_id`` to continue one instead). The recommended items are in ``choices[0].message.content`` (as a numbered
list) and, as structured data, in ``choices[0].message.recpilot`` (also repeated at the top
level as ``recpilot``): ``{"items": [cards], "degraded", "degraded_reasons", "notes",
"session_id", "turn_id"}``. With ``stream: true`` the answer is Server-Sent Events of
``chat.completion.chunk`` objects ending in ``data: [DONE]``; the last chunk before
``[DONE]`` carries ``recpilot`` on its choice.

Text is read, and pictures (``image_url`` parts: http(s) or ``data:image/`` URLs, at most
4) when the server has a vision model (``recpilot serve --vision openai:MODEL``): the model
describes each picture and the description joins its message (the reply's notes say how the
picture was read). Without one, a picture — like any other part (``input_audio``, ``file``,
...) — is refused with HTTP 400 and error type ``unsupported_content`` rather than answered
as if it were not there. A ``catalog`` field picks the catalog on a server with several.

Extensions in the body: ``session_id`` continues a stored session with the last user
message (instead of replaying the conversation); ``user_id`` (admin keys only; ``user`` is
read the same way) names the acting user.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from recpilot.agent.trace import LLMCall, TurnRecord
from recpilot.errors import LLMUnavailable
from recpilot.llm.vision import MAX_IMAGES, check_image_url
from recpilot.server.auth import Forbidden, Principal, act_for
from recpilot.server.rest import check_message, observe_turn, session_owner
from recpilot.server.sse import pieces
from recpilot.server.state import AppState, app_state, principal
from recpilot.server.work import Overloaded
from recpilot.service.conversation import ConversationService, TurnOut
from recpilot.service.routing import catalog_summaries

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "recpilot"
MAX_DESCRIPTION_CHARS = 400  # of a picture's description, appended to the message


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text or "" for p in self.content or [] if p.type == "text")

    def images(self) -> list[str]:
        """The URLs of the message's ``image_url`` parts (``{"url": ...}`` or a string)."""
        out = []
        for part in self.content if isinstance(self.content, list) else []:
            if part.type == "image_url":
                value = (part.model_extra or {}).get("image_url")
                url = value.get("url") if isinstance(value, dict) else value
                out.append(url if isinstance(url, str) else "")
        return out


def unsupported_parts(messages: list[ChatMessage], images: bool = False) -> list[str]:
    """Where the messages hold parts other than text (and pictures, when ``images``), e.g.
    ``messages[0].content[1] (image_url)``."""
    readable = {"text", "image_url"} if images else {"text"}
    return [
        f"messages[{i}].content[{j}] ({part.type})"
        for i, message in enumerate(messages)
        if isinstance(message.content, list)
        for j, part in enumerate(message.content)
        if part.type not in readable
    ]


def _unsupported(request: Request, where: list[str]) -> JSONResponse:
    what = (
        "images need a vision model on this server (recpilot serve --vision openai:MODEL)"
        if any("image" in w for w in where)
        else "only text and image_url parts are supported"
    )
    listed = ", ".join(where[:5]) + (" …" if len(where) > 5 else "")
    message = f"{what}: {listed}. Send the request as text; nothing was answered or stored."
    rid = request.scope.get("state", {}).get("request_id", "")
    body = {"error": {"type": "unsupported_content", "message": message, "request_id": rid}}
    return JSONResponse(body, status_code=400)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: accepted, ignored
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    user: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    # Extension field: variety and less mainstream picks, 0 (the plain ranking) to 1.
    diversity: float | None = Field(None, ge=0.0, le=1.0)
    # Extension field: the catalog to answer from, on a server with several (docs/routing.md).
    catalog: str | None = Field(None, max_length=200)


def check_pictures(pictures: list[list[str]]) -> None:
    """At most MAX_IMAGES pictures, each an http(s) or data:image URL (422 otherwise)."""
    urls = [u for images in pictures for u in images]
    if len(urls) > MAX_IMAGES:
        raise HTTPException(422, f"{len(urls)} pictures; at most {MAX_IMAGES} per request")
    for url in urls:
        try:
            check_image_url(url)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None


def read_pictures(
    state: AppState, service: ConversationService, texts: list[str], pictures: list[list[str]]
) -> tuple[list[str], list[LLMCall], list[str]]:
    """Each message with pictures gets the vision model's description appended; blocking
    (call it in a worker); also the calls and the descriptions. 503 when the vision model does not answer: nothing is answered
    rather than an answer that ignored the picture."""
    if state.vision is None or not any(pictures):
        return texts, [], []
    catalogs = [c["description"] for c in catalog_summaries(service)]
    out, calls, readings = [], [], []
    for text, images in zip(texts, pictures, strict=True):
        if not images:
            out.append(text)
            continue
        try:
            response = state.vision.describe(images, text, catalogs)
        except LLMUnavailable as exc:
            raise HTTPException(503, f"the vision model did not answer ({exc})") from None
        calls.append(LLMCall.answered("vision", response))
        seen = " ".join(response.text.split())[:MAX_DESCRIPTION_CHARS]
        readings.append(seen)
        out.append(f"{text.strip()} (the picture shows: {seen})".strip())
    return out, calls, readings


@router.get("/models", summary="Models (OpenAI-compatible)")
async def list_models(who: Annotated[Principal, Depends(principal)]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "recpilot"}],
    }


def _content(record: TurnRecord) -> str:
    if record.reply_source == "template" or not record.items:
        return record.reply
    listing = "\n".join(f"{k}. {i.title} — {i.reason}" for k, i in enumerate(record.items, 1))
    return f"{record.reply}\n\n{listing}"


def _extension(service: ConversationService, out: TurnOut) -> dict[str, Any]:
    """The structured answer (blocking: the cards read the catalog; call it in a worker)."""
    record = out.record
    return {
        "items": service.cards(record.items),
        "degraded": record.degraded,
        "degraded_reasons": record.degraded_reasons,
        "notes": record.notes,
        "session_id": out.session_id,
        "turn_id": out.turn_id,
    }


@router.post(
    "/chat/completions", summary="Chat completions (OpenAI-compatible)", response_model=None
)
async def chat_completions(
    request: Request,
    body: ChatRequest,
    who: Annotated[Principal, Depends(principal)],
    state: Annotated[AppState, Depends(app_state)],
) -> JSONResponse | StreamingResponse:
    service = state.require_service()
    if not body.model.startswith(MODEL_ID):
        raise HTTPException(404, f"model {body.model!r} does not exist; use {MODEL_ID!r}")
    if where := unsupported_parts(body.messages, images=state.vision is not None):
        return _unsupported(request, where)
    if len(body.messages) > state.settings.max_messages:
        raise HTTPException(
            413, f"{len(body.messages)} messages; the limit is {state.settings.max_messages}"
        )
    said = [m for m in body.messages if m.role == "user"]
    users = [m.text() for m in said]
    if not users:
        raise HTTPException(422, "messages holds no user message")
    pictures = [m.images() for m in said]
    check_pictures(pictures)
    for text, images in zip(users, pictures, strict=True):
        if not images:  # a picture may come alone; its description is the message
            check_message(state, text)
    user = act_for(who, body.user_id or (body.user if who.admin else None))
    session_id = body.session_id
    if session_id is not None:
        owner = await run_in_threadpool(session_owner, service, session_id)
        if not who.may_act_for(owner):
            raise Forbidden(f"session {session_id!r} belongs to another user")
    if state.queue.full:
        raise Overloaded(state.queue.retry_after_s)
    created = int(time.time())
    completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]

    def answer() -> tuple[TurnOut, dict[str, Any]]:
        texts, calls, readings = read_pictures(state, service, users, pictures)
        catalog, diversity = body.catalog, body.diversity
        if session_id is not None:
            out = service.turn(user, texts[-1], session_id, catalog, diversity=diversity)
        else:
            out = service.conversation(user, texts, catalog, diversity=diversity)
        out.record.llm[:0] = calls
        out.record.notes += [f"Read the picture as: {seen}" for seen in readings]
        return out, _extension(service, out)

    async def run() -> tuple[TurnOut, dict[str, Any]]:
        started = time.perf_counter()
        out, ext = await state.run_turn(session_id, answer)
        observe_turn(state, out.record, "openai", time.perf_counter() - started)
        return out, ext

    if not body.stream:
        out, ext = await run()
        record = out.record
        content = _content(record)
        prompt = sum(c.prompt_tokens for c in record.llm)
        completion = sum(c.completion_tokens for c in record.llm)
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL_ID,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "recpilot": ext},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
                "recpilot": ext,
            }
        )

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish, **extra}
        data = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_ID,
            "choices": [choice],
        }
        return f"data: {json.dumps(data)}\n\n"

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        try:
            out, ext = await run()
        except (Overloaded, HTTPException) as exc:
            message = str(exc.detail) if isinstance(exc, HTTPException) else str(exc)
            yield f"data: {json.dumps({'error': {'message': message, 'type': 'server_error'}})}\n\n"
            return
        for piece in pieces(_content(out.record)):
            yield chunk({"content": piece})
        yield chunk({}, "stop", recpilot=ext)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")
