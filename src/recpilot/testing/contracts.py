"""Contract tests for memory stores, importable from the package.

A store proves itself with one subclass that provides a ``store`` fixture::

    from recpilot.testing.contracts import MemoryStoreContract

    class TestMyStore(MemoryStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            with MemoryStore.open(f"sqlite:///{tmp_path}/m.sqlite3") as s:
                yield s

Every test here is what the conversation service relies on: round trips of each record,
isolation between users, one transaction per turn, API keys, export of every table and a
delete that leaves nothing behind.
"""

from __future__ import annotations

import numpy as np
import pytest

from recpilot.errors import ConfigError
from recpilot.memory.profile import Expectation, UserProfile
from recpilot.memory.records import ApiKeyRow, PlanOutcomeRow, SessionState, StoredTurn
from recpilot.memory.schema import TABLES
from recpilot.memory.store import MemoryStore

__all__ = ["MemoryStoreContract", "stored_turn"]


def stored_turn(message: str, item: str = "i1") -> StoredTurn:
    """A small turn as the service would store it."""
    return StoredTurn(
        message=message,
        reply=f"reply to {message}",
        record={
            "brain": "rules",
            "items": [{"item_id": item, "title": "T", "score": 1.0, "reason": "r"}],
            "plan": [{"tool": "finalize", "args": {"n": 1}}],
        },
    )


def _fill(store: MemoryStore, user: str) -> str:
    state = SessionState(
        session_id=f"s-{user}",
        user_id=user,
        history=["i9"],
        liked=["i2"],
        excluded={"genres": ["Horror"]},
        limits={"price": (None, 20.0)},
    )
    store.save_session(state)
    turn_id = store.record_turn(state.session_id, user, stored_turn(f"hello from {user}"))
    store.add_feedback(user, "i3", "dislike", state.session_id)
    store.save_profile(UserProfile(user_id=user, liked=["i2"]))
    store.add_memory(user, state.session_id, "turn", f"{user} memory", np.ones(4))
    store.record_outcome(
        PlanOutcomeRow(
            turn_id=turn_id,
            session_id=state.session_id,
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
    store.add_key(
        ApiKeyRow(
            key_id=f"k-{user}",
            sha256=f"digest-of-{user}-key",
            user_id=user,
            admin=False,
            created_at=0.0,
        )
    )
    return state.session_id


class MemoryStoreContract:
    """The shared suite; subclasses provide the ``store`` fixture."""

    @pytest.fixture
    def store(self) -> MemoryStore:  # pragma: no cover - overridden
        raise NotImplementedError("subclass MemoryStoreContract and provide a 'store' fixture")

    def test_session_round_trip_with_turns(self, store: MemoryStore) -> None:
        state = SessionState(
            session_id="s1",
            user_id="alice",
            history=["a", "b"],
            liked=["c"],
            excluded={"genres": ["Horror"]},
            limits={"price": (None, 20.0), "year": (1990.0, None)},
            summary="Stated earlier: no Horror.",
        )
        store.save_session(state)
        for k in range(3):
            turn = stored_turn(f"message {k}")
            state.turns.append(turn)
            store.record_turn(state.session_id, "alice", turn)
        state.shown = ["i1"]
        store.save_session(state)
        loaded = store.load_session(state.session_id, "alice")
        assert loaded is not None
        assert loaded.history == ["a", "b"] and loaded.liked == ["c"]
        assert loaded.excluded == {"genres": ["Horror"]}
        assert loaded.limits == {"price": (None, 20.0), "year": (1990.0, None)}
        assert loaded.summary == "Stated earlier: no Horror."
        assert [t.message for t in loaded.turns] == ["message 0", "message 1", "message 2"]
        assert loaded.turns[0].reply == "reply to message 0"
        assert loaded.turns[0].plan == [{"tool": "finalize", "args": {"n": 1}}]
        assert loaded.shown == ["i1"]
        assert store.session_owner("s1") == (True, "alice")
        assert store.session_owner("nope") == (False, None)

    def test_session_is_invisible_to_another_user(self, store: MemoryStore) -> None:
        sid = _fill(store, "alice")
        assert store.load_session(sid, "bob") is None
        assert store.load_session(sid, None) is None  # anonymous cannot read it either
        assert store.memories("bob") == [] and store.feedback("bob") == []
        with pytest.raises(ConfigError):
            store.record_turn(sid, "bob", stored_turn("intrusion"))
        with pytest.raises(ConfigError):
            store.save_session(SessionState(session_id=sid, user_id="bob"))
        assert store.turn_count(sid, "alice") == 1

    def test_transaction_rolls_back_everything(self, store: MemoryStore) -> None:
        state = SessionState(session_id="s-carol", user_id="carol")

        class Crash(RuntimeError):
            pass

        with pytest.raises(Crash), store.transaction():
            store.save_session(state)
            store.record_turn(state.session_id, "carol", stored_turn("lost"))
            store.save_profile(UserProfile(user_id="carol", liked=["x"]))
            raise Crash
        assert store.load_session(state.session_id, "carol") is None
        assert not store.has_profile("carol")
        assert sum(store.count_user_rows("carol").values()) == 0

    def test_profile_and_feedback_round_trip(self, store: MemoryStore) -> None:
        profile = UserProfile(user_id="dan", liked=["i1"], attribute_weights={"genres=Comedy": 0.3})
        profile.expectations.append(Expectation(kind="exclude", attribute="genres", value="Horror"))
        profile.expectations.append(
            Expectation(kind="limit", attribute="price", value="≤ 20", maximum=20.0)
        )
        store.save_profile(profile)
        assert store.profile("dan") == profile
        assert store.profile("dan").limits == {"price": (None, 20.0)}
        assert store.profile("nobody").is_new
        store.add_feedback("dan", "i5", "like")
        store.add_feedback("dan", "i6", "not_interested")
        assert [(f.item_id, f.kind) for f in store.feedback("dan")] == [
            ("i5", "like"),
            ("i6", "not_interested"),
        ]
        with pytest.raises(ConfigError):
            store.add_feedback("dan", "i5", "love")  # type: ignore[arg-type]

    def test_keys_are_found_by_digest_until_revoked(self, store: MemoryStore) -> None:
        row = ApiKeyRow(key_id="k1", sha256="abc", user_id="erin", admin=False, created_at=1.0)
        store.add_key(row)
        assert store.key_by_digest("abc") == row
        assert store.key_by_digest("other") is None
        assert [r.key_id for r in store.api_keys("erin")] == ["k1"]
        assert store.revoke_key("k1") is True
        assert store.key_by_digest("abc") is None
        assert store.revoke_key("k1") is False  # already revoked
        assert store.api_keys()[0].revoked_at is not None

    def test_export_has_every_table_and_delete_leaves_nothing(self, store: MemoryStore) -> None:
        sid = _fill(store, "erin")
        other = _fill(store, "frank")
        exported = store.export_user("erin")
        for table in TABLES:
            assert exported[table], f"export misses {table}"
        state = exported["sessions"][0]["state"]
        assert state["excluded"] == {"genres": ["Horror"]} and state["limits"]["price"][1] == 20
        assert exported["messages"][0]["content"] in ("hello from erin", "reply to hello from erin")
        assert all(r["user_id"] == "erin" for t in TABLES for r in exported[t])
        assert "sha256" not in exported["api_keys"][0]  # a key's hash is never exported

        counts = store.delete_user("erin")
        assert counts["messages"] == 2 and counts["turns"] == 1 and counts["memory_index"] == 1
        assert counts["api_keys"] == 1
        # Query every table: no row carries erin's id, her session id, or her text.
        for table in TABLES:
            rows = store._rows(f"SELECT * FROM {table}")
            flat = " ".join(str(v) for row in rows for v in row)
            assert "erin" not in flat and sid not in flat, table
        assert store.load_session(other, "frank") is not None  # others untouched
        assert store.export_user("frank")["feedback"]

    def test_writes_are_committed_when_the_call_returns(self, store: MemoryStore) -> None:
        """What a call acknowledged is visible to a second connection at once."""
        store.add_feedback("gina", "i1", "like")
        with MemoryStore.open(store.url) as other:
            assert [f.item_id for f in other.feedback("gina")] == ["i1"]
