"""The versioned REST API (``/v1``): sessions, one-shot recommend, items, feedback, users,
stated preferences and API keys. A thin adapter over the conversation service: every call
that touches the catalog, the models or the database runs in the work queue, off the loop."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from recpilot.agent.trace import TurnRecord
from recpilot.server.auth import Forbidden, Principal, act_for
from recpilot.server.schemas import (
    Card,
    FeedbackIn,
    ItemOut,
    ItemsOut,
    KeyIn,
    KeyOut,
    KeyView,
    MessageIn,
    Ok,
    PreferenceOut,
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
from recpilot.service.conversation import ConversationService, TurnOut
from recpilot.service.privacy import preference_view
from recpilot.tools.search import SearchCatalogArgs

router = APIRouter(prefix="/v1", tags=["recpilot"])
Who = Annotated[Principal, Depends(principal)]
State = Annotated[AppState, Depends(app_state)]


def turn_model(service: ConversationService, out: TurnOut) -> TurnOutModel:
    record = out.record
    return TurnOutModel(
        session_id=out.session_id,
        turn_id=out.turn_id or "",
        reply=record.reply,
        items=[Card(**c) for c in service.cards(record.items)],
        degraded=record.degraded,
        degraded_reasons=record.degraded_reasons,
        notes=record.notes,
        trace=Trace(
            plan=record.plan,
            steps=[s.model_dump() for s in record.steps],
            llm_calls=record.llm_calls,
            timings_ms=record.timings_ms,
            brain=record.brain,
            catalog=record.catalog,
            routed_by=record.routed_by,
            route_reason=record.route_reason,
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
    if "\x00" in text:
        raise HTTPException(422, "message holds a NUL character; remove it")
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise HTTPException(
            422, "message holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text"
        )


def session_owner(service: ConversationService, session_id: str) -> str | None:
    """The user a session belongs to; 404 when there is none (or it is anonymous)."""
    found, owner = service.owner(session_id)
    if not found or owner is None:
        raise HTTPException(404, f"no session {session_id!r}; start one with POST /v1/sessions")
    return owner


async def _turn(
    state: AppState, who: Principal, body: MessageIn, session_id: str | None
) -> TurnOutModel | StreamingResponse:
    service = state.require_service()
    check_message(state, body.message)
    if session_id is None:
        user = act_for(who, body.user_id)
    else:  # the session's owner acts; the key must be allowed to act for them
        owner = await run_in_threadpool(session_owner, service, session_id)
        user = act_for(who, owner)

    def answer() -> tuple[TurnOut, TurnOutModel]:
        out = service.turn(
            user, body.message, session_id, catalog=body.catalog, diversity=body.diversity
        )
        return out, turn_model(service, out)  # cards read the catalog: in the worker too

    async def run() -> TurnOutModel:
        started = time.perf_counter()
        out, model = await state.run_turn(session_id, answer)
        observe_turn(state, out.record, "rest", time.perf_counter() - started)
        return model

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
def get_session(session_id: str, who: Who, state: State) -> SessionView:
    service = state.require_service()
    owner = session_owner(service, session_id)
    if not who.may_act_for(owner):
        raise Forbidden(f"session {session_id!r} belongs to another user")
    session = service.session(session_id, owner)
    if session is None:
        raise HTTPException(404, f"no session {session_id!r}")
    return SessionView(
        session_id=session.session_id,
        user_id=session.user_id,
        turns=[
            SessionTurn(
                message=t.message,
                reply=t.reply,
                items=[Card(**c) for c in service.cards(t.items)],
                degraded=t.degraded,
            )
            for t in session.turns
        ],
        liked=list(session.liked),
        disliked=list(session.disliked),
    )


@router.post("/recommend", response_model=ItemsOut, summary="One-shot recommendation")
async def recommend(body: RecommendIn, who: Who, state: State) -> ItemsOut:
    """The same recommendation path as ``recpilot recommend`` and MCP: the user's profile,
    within ``filters`` and always within the user's standing exclusions and limits."""
    service = state.require_service()
    if body.n > state.settings.max_items:
        raise HTTPException(422, f"n={body.n} is over the limit of {state.settings.max_items}")
    user = act_for(who, body.user_id) if (body.user_id or who.user_id) else None

    def answer() -> ItemsOut:
        out = service.recommend(user, body.n, body.filters, diversity=body.diversity)
        return ItemsOut(
            items=[Card(**c) for c in service.cards(out.record.items)],
            notes=out.record.notes,
            session_id=out.session_id if out.turn_id else None,
        )

    items = await state.run_turn(None, answer)
    state.metrics.inc("recpilot_recommendations_total", surface="rest")
    return items


@router.post("/items/search", response_model=SearchOut, summary="Filter the catalog")
async def search_items(body: SearchIn, who: Who, state: State) -> SearchOut:
    service = state.require_service()
    if body.limit > state.settings.max_items:
        raise HTTPException(422, f"limit={body.limit} is over {state.settings.max_items}")
    conditions = SearchCatalogArgs.model_validate(body.model_dump(exclude={"limit"}))
    found, total = await state.run_turn(None, lambda: service.search(conditions, body.limit))
    return SearchOut(total=total, items=[ItemOut(**i.model_dump()) for i in found])


@router.get("/items/{item_id}", response_model=ItemOut, summary="One item's details")
async def get_item(item_id: str, who: Who, state: State) -> ItemOut:
    service = state.require_service()
    found = await state.run_turn(None, lambda: service.items([item_id]))
    if not found:
        raise HTTPException(404, f"no item {item_id!r} in the catalog")
    return ItemOut(**found[0].model_dump())


@router.get("/items/{item_id}/similar", response_model=ItemsOut, summary="Similar items")
async def similar_items(
    item_id: str, who: Who, state: State, n: Annotated[int, Query(ge=1)] = 10
) -> ItemsOut:
    """Items similar to this one, within the calling user's standing exclusions and limits."""
    service = state.require_service()
    if n > state.settings.max_items:
        raise HTTPException(422, f"n={n} is over the limit of {state.settings.max_items}")

    def answer() -> ItemsOut:
        if not service.items([item_id]):
            raise HTTPException(404, f"no item {item_id!r} in the catalog")
        out = service.similar([item_id], n, who.user_id)
        cards = [Card(**c) for c in service.cards(out.record.items)]
        return ItemsOut(items=cards, notes=out.record.notes)

    return await state.run_turn(None, answer)


@router.post("/feedback", response_model=Ok, summary="Record feedback on an item")
async def feedback(body: FeedbackIn, who: Who, state: State) -> Ok:
    service = state.require_service()
    user = act_for(who, body.user_id)
    if body.session_id is not None:
        found, owner = await run_in_threadpool(service.owner, body.session_id)
        if found and not who.may_act_for(owner):
            raise Forbidden(f"session {body.session_id!r} belongs to another user")
    lock = body.session_id
    await state.run_turn(
        lock, lambda: service.feedback(user, body.item_id, body.kind, body.session_id)
    )
    state.metrics.inc("recpilot_feedback_total", kind=body.kind)
    return Ok(detail={"user_id": user, "item_id": body.item_id, "kind": body.kind})


@router.get("/users/{user_id}/profile", summary="A user's profile")
def get_profile(user_id: str, who: Who, state: State) -> dict[str, Any]:
    profile = state.require_service().profile(act_for(who, user_id))
    return profile.model_dump(mode="json")


@router.get(
    "/users/{user_id}/preferences",
    response_model=list[PreferenceOut],
    summary="A user's stated preferences (exclusions, limits, wishes)",
)
def get_preferences(user_id: str, who: Who, state: State) -> list[PreferenceOut]:
    prefs = state.require_service().preferences(act_for(who, user_id))
    return [PreferenceOut(**preference_view(e)) for e in prefs]


@router.delete(
    "/users/{user_id}/preferences/{preference_id}",
    response_model=PreferenceOut,
    summary="Remove one stated preference (it stops applying at once, everywhere)",
)
def delete_preference(user_id: str, preference_id: str, who: Who, state: State) -> PreferenceOut:
    removed = state.require_service().forget(act_for(who, user_id), preference_id)
    return PreferenceOut(**preference_view(removed))


@router.get("/users/{user_id}/export", summary="Everything stored about a user")
def export_user(user_id: str, who: Who, state: State) -> dict[str, Any]:
    return state.require_service().export_user(act_for(who, user_id))


@router.delete(
    "/users/{user_id}", response_model=Ok, summary="Delete everything stored about a user"
)
def delete_user(user_id: str, who: Who, state: State) -> Ok:
    counts = state.require_service().delete_user(act_for(who, user_id))
    return Ok(detail={"deleted": counts})


def _admin(who: Principal) -> None:
    if not who.admin:
        raise Forbidden("managing API keys needs an admin key")


@router.post("/keys", response_model=KeyOut, summary="Create an API key (admin)")
def create_key(body: KeyIn, who: Who, state: State) -> KeyOut:
    """The key is in the answer once and stored hashed; it works at once, on every server
    sharing the store."""
    _admin(who)
    key, row = state.keys.create(body.user_id, admin=body.admin)
    return KeyOut(key=key, **row.model_dump(exclude={"sha256"}))


@router.get("/keys", response_model=list[KeyView], summary="List API keys (admin)")
def list_keys(who: Who, state: State, user_id: str | None = None) -> list[KeyView]:
    _admin(who)
    return [KeyView(**r.model_dump(exclude={"sha256"})) for r in state.keys.list(user_id)]


@router.delete("/keys/{key_id}", response_model=KeyView, summary="Revoke an API key (admin)")
def revoke_key(key_id: str, who: Who, state: State) -> KeyView:
    """Refused from the next request on, on every server sharing the store."""
    _admin(who)
    return KeyView(**state.keys.revoke(key_id).model_dump(exclude={"sha256"}))
