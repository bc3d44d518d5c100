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

Only text is read: a message whose ``content`` list holds any other part (``image_url``,
``input_audio``, ``file``, ...) is refused with HTTP 400 and error type
``unsupported_content`` rather than answered as if the part were not there; lists of text
parts work.

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

from recpilot.agent.trace import TurnRecord
from recpilot.server.auth import Forbidden, Principal, act_for
from recpilot.server.rest import check_message, observe_turn, session_owner
from recpilot.server.sse import pieces
from recpilot.server.state import AppState, app_state, principal
from recpilot.server.work import Overloaded
from recpilot.service.conversation import ConversationService, TurnOut

router = APIRouter(prefix="/v1", tags=["openai-compatible"])
MODEL_ID = "recpilot"


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


def unsupported_parts(messages: list[ChatMessage]) -> list[str]:
    """Where the messages hold parts other than text (``messages[0].content[1] (image_url)``)."""
    return [
        f"messages[{i}].content[{j}] ({part.type})"
        for i, message in enumerate(messages)
        if isinstance(message.content, list)
        for j, part in enumerate(message.content)
        if part.type != "text"
    ]


def _unsupported(request: Request, where: list[str]) -> JSONResponse:
    what = (
        "images are not supported yet"
        if any("image" in w for w in where)
        else "only text parts are supported"
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
    if where := unsupported_parts(body.messages):
        return _unsupported(request, where)
    if len(body.messages) > state.settings.max_messages:
        raise HTTPException(
            413, f"{len(body.messages)} messages; the limit is {state.settings.max_messages}"
        )
    users = [m.text() for m in body.messages if m.role == "user"]
    if not users:
        raise HTTPException(422, "messages holds no user message")
    for text in users:
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
        if session_id is not None:
            out = service.turn(user, users[-1], session_id, diversity=body.diversity)
        else:
            out = service.conversation(user, users, diversity=body.diversity)
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
