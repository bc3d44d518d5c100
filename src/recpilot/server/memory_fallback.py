"""An in-process stand-in for ``recpilot.memory`` with the same methods.

Used when the memory package is not importable (or for tests that want no database). It keeps
sessions and feedback in dicts owned by the store object; nothing survives a restart.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from pydantic import BaseModel, Field

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.errors import UnknownId

FEEDBACK_KINDS = ("like", "dislike", "consumed", "not_interested")


class FallbackProfile(BaseModel):
    user_id: str
    liked: list[str] = Field(default_factory=list)
    disliked: list[str] = Field(default_factory=list)
    not_interested: list[str] = Field(default_factory=list)
    consumed: list[str] = Field(default_factory=list)
    sessions: int = 0
    turns: int = 0


class InProcessMemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sessions: dict[str, Session] = {}
        self.turn_ids: dict[str, list[str]] = {}
        self.feedback: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def open(cls, url: str | None = None) -> InProcessMemoryStore:
        return cls()

    def load_session(self, session_id: str, user_id: str | None) -> Session | None:
        with self._lock:
            session = self.sessions.get(session_id)
        if session is None or (user_id is not None and session.user_id != user_id):
            return None
        return session

    def owner(self, session_id: str) -> str | None:
        with self._lock:
            session = self.sessions.get(session_id)
        return None if session is None else session.user_id

    def save(self, session: Session, turn_id: str | None = None) -> None:
        with self._lock:
            self.sessions[session.session_id] = session
            if turn_id:
                self.turn_ids.setdefault(session.session_id, []).append(turn_id)

    def add_feedback(self, user_id: str, event: dict[str, Any]) -> None:
        with self._lock:
            self.feedback.setdefault(user_id, []).append(event)

    def profile(self, user_id: str) -> FallbackProfile:
        with self._lock:
            events = list(self.feedback.get(user_id, []))
            mine = [s for s in self.sessions.values() if s.user_id == user_id]
        prof = FallbackProfile(user_id=user_id, sessions=len(mine))
        prof.turns = sum(len(s.turns) for s in mine)
        for event in events:
            field = {"like": "liked", "dislike": "disliked"}.get(event["kind"], event["kind"])
            bucket: list[str] = getattr(prof, field)
            if event["item_id"] not in bucket:
                bucket.append(event["item_id"])
            if event["kind"] in ("like", "dislike"):
                other = prof.disliked if event["kind"] == "like" else prof.liked
                if event["item_id"] in other:
                    other.remove(event["item_id"])
        return prof

    def export_user(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            sessions = [s for s in self.sessions.values() if s.user_id == user_id]
            events = list(self.feedback.get(user_id, []))
        return {
            "user_id": user_id,
            "profile": self.profile(user_id).model_dump(),
            "sessions": [
                {
                    "session_id": s.session_id,
                    "turns": [t.contract() | {"message": t.message} for t in s.turns],
                    "liked": s.liked,
                    "disliked": s.disliked,
                }
                for s in sessions
            ],
            "feedback": events,
        }

    def delete_user(self, user_id: str) -> dict[str, int]:
        with self._lock:
            gone = [k for k, s in self.sessions.items() if s.user_id == user_id]
            for k in gone:
                del self.sessions[k]
                self.turn_ids.pop(k, None)
            events = self.feedback.pop(user_id, [])
        return {"sessions": len(gone), "feedback": len(events)}

    def close(self) -> None:
        return None


class InProcessMemoryAgent:
    def __init__(self, agent: Agent, store: InProcessMemoryStore) -> None:
        self.agent = agent
        self.store = store

    def _session(self, user_id: str, session_id: str | None) -> Session:
        if session_id is not None:
            found = self.store.load_session(session_id, user_id)
            if found is None:
                raise UnknownId(f"unknown session {session_id!r} for user {user_id!r}")
            return found
        try:
            session = new_session(self.agent, user_id)
        except UnknownId:  # a user the catalog has never seen: no history yet
            session = Session(user_id=user_id)
        prof = self.store.profile(user_id)
        for item_id in prof.liked:
            session.like(item_id)
        for item_id in [*prof.disliked, *prof.not_interested]:
            session.dislike(item_id)
        return session

    def turn(
        self, user_id: str, message: str, session_id: str | None = None
    ) -> tuple[str, str, TurnRecord]:
        session = self._session(user_id, session_id)
        record = self.agent.turn(session, message)
        turn_id = uuid.uuid4().hex[:16]
        self.store.save(session, turn_id)
        return session.session_id, turn_id, record

    def feedback(
        self, user_id: str, item_id: str, kind: str, session_id: str | None = None
    ) -> None:
        if kind not in FEEDBACK_KINDS:
            raise ValueError(f"unknown feedback kind {kind!r}; use one of {FEEDBACK_KINDS}")
        if not self.agent.catalog.get_items([item_id]):
            raise UnknownId(f"unknown item {item_id!r}")
        self.store.add_feedback(
            user_id, {"item_id": item_id, "kind": kind, "session_id": session_id}
        )
        if session_id is not None:
            session = self.store.load_session(session_id, user_id)
            if session is not None:
                if kind == "like":
                    session.like(item_id)
                elif kind in ("dislike", "not_interested"):
                    session.dislike(item_id)

    def recommend(self, user_id: str, n: int = 10) -> TurnRecord:
        session = self._session(user_id, None)
        return self.agent.turn(session, f"recommend {n} items for me")
