"""The memory store over SQLite and a real PostgreSQL server: round trips, ownership,
transactions, export and delete."""

from __future__ import annotations

import numpy as np
import pytest

from recpilot.agent.session import Session
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.errors import ConfigError
from recpilot.memory.profile import Expectation, UserProfile
from recpilot.memory.schema import TABLES
from recpilot.memory.store import MemoryStore, PlanOutcomeRow


def _turn(message: str, item: str = "i1") -> TurnRecord:
    return TurnRecord(
        message=message,
        brain="rules",
        reply=f"reply to {message}",
        items=[RecommendedItem(item_id=item, title="T", score=1.0, reason="r")],
        plan=[{"tool": "finalize", "args": {"n": 1}}],
    )


def _fill(store: MemoryStore, user: str) -> str:
    session = Session(user_id=user, history=["i9"], liked=["i2"], excluded={"genres": ["Horror"]})
    store.save_session(session)
    turn_id = store.record_turn(session.session_id, user, _turn(f"hello from {user}"))
    store.add_feedback(user, "i3", "dislike", session.session_id)
    store.save_profile(UserProfile(user_id=user, liked=["i2"]))
    store.add_memory(user, session.session_id, "turn", f"{user} memory", np.ones(4))
    store.record_outcome(
        PlanOutcomeRow(
            turn_id=turn_id,
            session_id=session.session_id,
            user_id=user,
            request="hello",
            plan=[],
            shape="finalize",
            brain="rules",
            items=["i1"],
            outcome="pending",
            created_at=0.0,
        )
    )
    return session.session_id


def test_session_round_trip_with_turns(store: MemoryStore) -> None:
    session = Session(user_id="alice", history=["a", "b"], liked=["c"], excluded={"genres": ["Horror"]})
    session.summary = "Stated earlier: no Horror."
    store.save_session(session)
    for k in range(3):
        turn = _turn(f"message {k}")
        session.remember(turn)
        store.record_turn(session.session_id, "alice", turn)
    store.save_session(session)
    loaded = store.load_session(session.session_id, "alice")
    assert loaded is not None
    assert loaded.history == ["a", "b"] and loaded.liked == ["c"]
    assert loaded.excluded == {"genres": ["Horror"]}
    assert loaded.summary == "Stated earlier: no Horror."
    assert [t.message for t in loaded.turns] == ["message 0", "message 1", "message 2"]
    assert loaded.shown == ["i1"]


def test_session_is_invisible_to_another_user(store: MemoryStore) -> None:
    sid = _fill(store, "alice")
    assert store.load_session(sid, "bob") is None
    assert store.load_session(sid, None) is None  # anonymous cannot read it either
    assert store.memories("bob") == [] and store.feedback("bob") == []
    with pytest.raises(ConfigError):
        store.record_turn(sid, "bob", _turn("intrusion"))
    with pytest.raises(ConfigError):
        store.save_session(Session(user_id="bob", session_id=sid))
    assert store.turn_count(sid, "alice") == 1


def test_transaction_rolls_back_everything(store: MemoryStore) -> None:
    session = Session(user_id="carol")

    class Crash(RuntimeError):
        pass

    with pytest.raises(Crash), store.transaction():
        store.save_session(session)
        store.record_turn(session.session_id, "carol", _turn("lost"))
        store.save_profile(UserProfile(user_id="carol", liked=["x"]))
        raise Crash
    assert store.load_session(session.session_id, "carol") is None
    assert not store.has_profile("carol")
    assert sum(store.count_user_rows("carol").values()) == 0


def test_profile_and_feedback_round_trip(store: MemoryStore) -> None:
    profile = UserProfile(user_id="dan", liked=["i1"], attribute_weights={"genres=Comedy": 0.3})
    profile.expectations.append(Expectation(kind="exclude", attribute="genres", value="Horror"))
    store.save_profile(profile)
    assert store.profile("dan") == profile
    assert store.profile("nobody").is_new
    store.add_feedback("dan", "i5", "like")
    store.add_feedback("dan", "i6", "not_interested")
    assert [(f.item_id, f.kind) for f in store.feedback("dan")] == [
        ("i5", "like"),
        ("i6", "not_interested"),
    ]
    with pytest.raises(ConfigError):
        store.add_feedback("dan", "i5", "love")  # type: ignore[arg-type]


def test_export_has_every_table_and_delete_leaves_nothing(store: MemoryStore) -> None:
    sid = _fill(store, "erin")
    other = _fill(store, "frank")
    exported = store.export_user("erin")
    for table in TABLES:
        assert exported[table], f"export misses {table}"
    assert exported["sessions"][0]["state"]["excluded"] == {"genres": ["Horror"]}
    assert exported["messages"][0]["content"] in ("hello from erin", "reply to hello from erin")
    assert all(r["user_id"] == "erin" for t in TABLES for r in exported[t])

    counts = store.delete_user("erin")
    assert counts["messages"] == 2 and counts["turns"] == 1 and counts["memory_index"] == 1
    # Query every table: no row carries erin's id, her session id, or her text.
    for table in TABLES:
        rows = store._rows(f"SELECT * FROM {table}")
        flat = " ".join(str(v) for row in rows for v in row)
        assert "erin" not in flat and sid not in flat, table
    assert store.load_session(other, "frank") is not None  # others untouched
    assert store.export_user("frank")["feedback"]


def test_open_rejects_unknown_scheme() -> None:
    with pytest.raises(ConfigError, match="sqlite:///PATH"):
        MemoryStore.open("mysql://x")


def test_sqlite_is_wal(home: object, tmp_path: object) -> None:
    with MemoryStore.open(f"sqlite:///{tmp_path}/m.sqlite3") as store:
        assert store._rows("PRAGMA journal_mode")[0][0] == "wal"
