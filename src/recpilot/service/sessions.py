"""The agent's ``Session`` and ``TurnRecord`` ↔ memory's ``SessionState`` and ``StoredTurn``,
and the profile applied to a session.

Memory stores plain typed records and knows nothing of the agent; this is the one place
that converts between the two.
"""

from __future__ import annotations

from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.memory.profile import UserProfile
from recpilot.memory.records import SessionState, StoredTurn

MAX_PROFILE_ITEMS = 50  # liked / rejected items carried into a session


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
        preferred={a: list(v) for a, v in session.preferred.items()},
        diversity=session.diversity,
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
        preferred={a: list(v) for a, v in state.preferred.items()},
        diversity=state.diversity,
        summary=state.summary,
    )


def apply_profile(session: Session, profile: UserProfile) -> None:
    """Consumed items join the history (minus rejected ones); liked and rejected items
    are carried in; the decayed item weights rank recent tastes above old ones."""
    rejected = profile.rejected[-MAX_PROFILE_ITEMS:]
    skip = set(rejected)
    history = [i for i in session.history if i not in skip]
    have = set(history)
    history += [i for i in profile.consumed if i not in skip and i not in have]
    session.history = history
    session.history_weights = {
        i: w for i, w in profile.item_weights.items() if w > 0 and i not in skip
    }
    for item_id in profile.liked[-MAX_PROFILE_ITEMS:]:
        if item_id not in session.liked and item_id not in session.disliked:
            session.liked.append(item_id)
    for item_id in rejected:
        if item_id not in session.disliked and item_id not in session.liked:
            session.disliked.append(item_id)
