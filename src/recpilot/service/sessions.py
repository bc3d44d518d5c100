"""The agent's ``Session`` and ``TurnRecord`` ↔ memory's ``SessionState`` and ``StoredTurn``.

Memory stores plain typed records and knows nothing of the agent; this is the one place
that converts between the two.
"""

from __future__ import annotations

from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.memory.records import SessionState, StoredTurn


def stored_turn(record: TurnRecord) -> StoredTurn:
    return StoredTurn(
        message=record.message, reply=record.reply, record=record.model_dump(mode="json")
    )


def turn_record(turn: StoredTurn) -> TurnRecord:
    return TurnRecord.model_validate({**turn.record, "message": turn.message, "reply": turn.reply})


def to_state(session: Session) -> SessionState:
    return SessionState(
        session_id=session.session_id,
        user_id=session.user_id,
        history=list(session.history),
        shown=list(session.shown),
        liked=list(session.liked),
        disliked=list(session.disliked),
        excluded={a: list(v) for a, v in session.excluded.items()},
        limits=dict(session.limits),
        summary=session.summary,
        turns=[stored_turn(t) for t in session.turns],
    )


def from_state(state: SessionState) -> Session:
    return Session(
        user_id=state.user_id,
        session_id=state.session_id,
        history=list(state.history),
        turns=[turn_record(t) for t in state.turns],
        shown=list(state.shown),
        liked=list(state.liked),
        disliked=list(state.disliked),
        excluded={a: list(v) for a, v in state.excluded.items()},
        limits=dict(state.limits),
        summary=state.summary,
    )
