"""The versioned REST API (``/v1``): sessions, one-shot recommend, items, feedback, users."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse

from recpilot.agent.trace import TurnRecord
from recpilot.server.auth import Forbidden, Principal, act_for
from recpilot.server.engine import Engine, TurnOut
from recpilot.server.schemas import (
    Card,
    FeedbackIn,
    ItemOut,
    ItemsOut,
    MessageIn,
    Ok,
    RecommendIn,
    SearchIn,
    SearchOut,
    SessionTurn,
    SessionView,
    Trace,
    TurnOutModel,
)
from recpilot.server.sse import turn_events
from recpilot.server.state import AppState, app_state, principal
from recpilot.server.work import Overloaded
from recpilot.tools.search import SearchCatalogArgs

router = APIRouter(prefix="/v1", tags=["recpilot"])
Who = Annotated[Principal, Depends(principal)]
State = Annotated[AppState, Depends(app_state)]


def turn_model(engine: Engine, out: TurnOut) -> TurnOutModel:
    record = out.record
    return TurnOutModel(
        session_id=out.session_id,
        turn_id=out.turn_id,
        reply=record.reply,
        items=[Card(**c) for c in engine.cards(record.items)],
        degraded=record.degraded,
        degraded_reasons=record.degraded_reasons,
        notes=record.notes,
        trace=Trace(
            plan=record.plan,
            steps=[s.model_dump() for s in record.steps],
            llm_calls=record.llm_calls,
            timings_ms=record.timings_ms,
            brain=record.brain,
        ),
    )


def observe_turn(state: AppState, record: TurnRecord, surface: str, seconds: float) -> None:
    m = state.metrics
    m.inc("recpilot_turns_total", surface=surface, degraded=str(record.degraded).lower())
    m.observe("recpilot_turn_seconds", seconds, surface=surface)
    m.inc("recpilot_llm_calls_total", float(record.llm_calls))
    if record.degraded:
        m.inc("recpilot_degraded_turns_total")


def check_message(state: AppState, text: str) -> None:
    limit = state.settings.max_message_chars
    if len(text) > limit:
        raise HTTPException(413, f"message is {len(text)} characters; the limit is {limit}")
    if not text.strip():
        raise HTTPException(422, "message is empty")


async def _turn(
    state: AppState, who: Principal, body: MessageIn, session_id: str | None
) -> TurnOutModel | StreamingResponse:
    engine = state.require_engine()
    check_message(state, body.message)
    if session_id is None:
        user = act_for(who, body.user_id)
    else:  # the session's owner acts; the key must be allowed to act for them
        owner = engine.owner(session_id, body.user_id or who.user_id)
        if owner is None:
            raise HTTPException(404, f"no session {session_id!r}; start one with POST /v1/sessions")
        user = act_for(who, owner)

    async def run() -> TurnOutModel:
        started = time.perf_counter()
        out = await state.run_turn(session_id, lambda: engine.turn(user, body.message, session_id))
        observe_turn(state, out.record, "rest", time.perf_counter() - started)
        return turn_model(engine, out)

    if body.stream:
        if state.queue.full:  # answer 429 now, not inside an already-started stream
            raise Overloaded(state.queue.retry_after_s)
        return StreamingResponse(turn_events(run), media_type="text/event-stream")
    return await run()


@router.post("/sessions", response_model=TurnOutModel, summary="Start a session with a message")
async def create_session(body: MessageIn, who: Who, state: State) -> Any:
    return await _turn(state, who, body, None)


@router.post(
    "/sessions/{session_id}/messages",
    response_model=TurnOutModel,
    summary="Continue a session with a message",
)
async def continue_session(session_id: str, body: MessageIn, who: Who, state: State) -> Any:
    return await _turn(state, who, body, session_id)


@router.get("/sessions/{session_id}", response_model=SessionView, summary="A session's turns")
async def get_session(session_id: str, who: Who, state: State) -> SessionView:
    engine = state.require_engine()
    owner = engine.owner(session_id, who.user_id)
    if owner is None:
        raise HTTPException(404, f"no session {session_id!r}")
    if not who.may_act_for(owner):
        raise Forbidden(f"session {session_id!r} belongs to another user")
    session = engine.session(session_id, owner)
    if session is None:
        raise HTTPException(404, f"no session {session_id!r}")
    return SessionView(
        session_id=session.session_id,
        user_id=session.user_id,
        turns=[
            SessionTurn(
                message=t.message,
                reply=t.reply,
                items=[Card(**c) for c in engine.cards(t.items)],
                degraded=t.degraded,
            )
            for t in session.turns
        ],
        liked=list(session.liked),
        disliked=list(session.disliked),
    )


@router.post("/recommend", response_model=ItemsOut, summary="One-shot recommendation")
async def recommend(body: RecommendIn, who: Who, state: State) -> ItemsOut:
    engine = state.require_engine()
    if body.n > state.settings.max_items:
        raise HTTPException(422, f"n={body.n} is over the limit of {state.settings.max_items}")
    user = act_for(who, body.user_id) if (body.user_id or who.user_id) else None
    items, notes = engine.recommend(user, body.n, body.filters)
    return ItemsOut(items=[Card(**c) for c in engine.cards(items)], notes=notes)


@router.post("/items/search", response_model=SearchOut, summary="Filter the catalog")
async def search_items(body: SearchIn, who: Who, state: State) -> SearchOut:
    engine = state.require_engine()
    if body.limit > state.settings.max_items:
        raise HTTPException(422, f"limit={body.limit} is over {state.settings.max_items}")
    conditions = SearchCatalogArgs.model_validate(body.model_dump(exclude={"limit"}))
    found, total = engine.search(conditions, body.limit)
    return SearchOut(total=total, items=[ItemOut(**i.model_dump()) for i in found])


@router.get("/items/{item_id}", response_model=ItemOut, summary="One item's details")
async def get_item(item_id: str, who: Who, state: State) -> ItemOut:
    found = state.require_engine().items([item_id])
    if not found:
        raise HTTPException(404, f"no item {item_id!r} in the catalog")
    return ItemOut(**found[0].model_dump())


@router.get("/items/{item_id}/similar", response_model=ItemsOut, summary="Similar items")
async def similar_items(
    item_id: str, who: Who, state: State, n: Annotated[int, Query(ge=1)] = 10
) -> ItemsOut:
    engine = state.require_engine()
    if n > state.settings.max_items:
        raise HTTPException(422, f"n={n} is over the limit of {state.settings.max_items}")
    if not engine.items([item_id]):
        raise HTTPException(404, f"no item {item_id!r} in the catalog")
    items, notes = engine.similar([item_id], n)
    return ItemsOut(items=[Card(**c) for c in engine.cards(items)], notes=notes)


@router.post("/feedback", response_model=Ok, summary="Record feedback on an item")
async def feedback(body: FeedbackIn, who: Who, state: State) -> Ok:
    engine = state.require_engine()
    user = act_for(who, body.user_id)
    if body.session_id is not None:
        owner = engine.owner(body.session_id, user)
        if owner is not None and not who.may_act_for(owner):
            raise Forbidden(f"session {body.session_id!r} belongs to another user")
    lock = body.session_id
    await state.run_turn(
        lock, lambda: engine.feedback(user, body.item_id, body.kind, body.session_id)
    )
    state.metrics.inc("recpilot_feedback_total", kind=body.kind)
    return Ok(detail={"user_id": user, "item_id": body.item_id, "kind": body.kind})


@router.get("/users/{user_id}/profile", summary="A user's profile")
def get_profile(user_id: str, who: Who, state: State) -> dict[str, Any]:
    return state.require_engine().profile(act_for(who, user_id))


@router.get("/users/{user_id}/export", summary="Everything stored about a user")
def export_user(user_id: str, who: Who, state: State) -> dict[str, Any]:
    return state.require_engine().export_user(act_for(who, user_id))


@router.delete(
    "/users/{user_id}", response_model=Ok, summary="Delete everything stored about a user"
)
def delete_user(user_id: str, who: Who, state: State) -> Ok:
    counts = state.require_engine().delete_user(act_for(who, user_id))
    return Ok(detail={"deleted": counts})
