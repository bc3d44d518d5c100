"""The conversation service end to end on a synthetic catalog with planted genre clusters,
over SQLite and PostgreSQL: memory across sessions, feedback, proactive recommendations,
cold start, reflection, bounded dialogue, delete."""

from __future__ import annotations

import json

import pytest

from recpilot.catalog.schema import Item
from recpilot.catalog.synth import SyntheticDataset
from recpilot.config import data_home
from recpilot.errors import UnknownId
from recpilot.memory.reflect import failure_report
from recpilot.service.conversation import ConversationService


def _genres(mem: ConversationService, ids: list[str]) -> list[list[str]]:
    return [f.values.get("genres", []) for f in mem.facets.facts(ids)]


def _cluster_items(synth: SyntheticDataset, genre: str, n: int) -> list[str]:
    return synth.top_items(synth.genres.index(genre), n)


def test_genre_disliked_in_session_one_is_remembered_in_session_two(
    mem: ConversationService,
) -> None:
    out = mem.turn("alice", "I hate horror, show me something")
    s1, first = out.session_id, out.record
    assert any(
        "Horror" in (step["args"].get("exclude") or {}).get("genres", [])
        for step in first.plan
        if step["tool"] == "search_catalog"
    )
    # Session two: a new session, a message that says nothing about horror.
    out = mem.turn("alice", "recommend 10 picks")
    s2, second = out.session_id, out.record
    assert s2 != s1
    assert second.items and all(
        "Horror" not in g for g in _genres(mem, [i.item_id for i in second.items])
    )
    assert mem.store.load_session(s2, "alice").excluded == {"genres": ["Horror"]}  # type: ignore[union-attr]
    proactive = mem.recommend("alice", 10).record
    assert all("Horror" not in g for g in _genres(mem, [i.item_id for i in proactive.items]))
    # Without memory the same request does show horror (so the test could fail).
    anon = mem.turn(None, "recommend 20 picks").record
    assert any("Horror" in g for g in _genres(mem, [i.item_id for i in anon.items]))


def test_asking_for_the_genre_again_lifts_the_constraint(mem: ConversationService) -> None:
    mem.turn("alice", "no horror")
    record = mem.turn("alice", "ok, horror movies now").record
    assert all("Horror" in g for g in _genres(mem, [i.item_id for i in record.items]))
    assert mem.store.profile("alice").exclusions == {}


def test_sessions_continue_and_belong_to_their_user(mem: ConversationService) -> None:
    first = mem.turn("alice", "western gunfights in the desert")
    sid, t1 = first.session_id, first.turn_id
    second = mem.turn("alice", "more", session_id=sid)
    sid2, t2 = second.session_id, second.turn_id
    assert sid2 == sid and t1 != t2
    assert mem.store.turn_count(sid, "alice") == 2
    with pytest.raises(UnknownId):
        mem.turn("bob", "more", session_id=sid)
    with pytest.raises(UnknownId):
        mem.turn(None, "more", session_id=sid)
    # Memory retrieval reads only the asking user's rows.
    assert mem.retriever.retrieve(mem.store, "alice", "western gunfights")
    assert mem.retriever.retrieve(mem.store, "bob", "western gunfights") == []
    bob, profile = mem._prepare("bob", None)
    assert "western" not in mem.memory_context(bob, profile, "western gunfights")


def test_relevant_earlier_turn_is_retrieved_into_the_context(mem: ConversationService) -> None:
    mem.turn("alice", "western gunfights in the desert")
    mem.turn("alice", "a romantic comedy for a date")
    session, profile = mem._prepare("alice", None)
    context = mem.memory_context(session, profile, "another western with gunfights")
    assert "Relevant memories: asked: western gunfights" in context


def test_feedback_changes_the_next_recommendations(
    mem: ConversationService, synth: SyntheticDataset
) -> None:
    comedy = _cluster_items(synth, "Comedy", 4)
    for item in comedy:
        mem.feedback("zed", item, "like")
    first = mem.recommend("zed", 5, diversity=0.0).record
    ids = [i.item_id for i in first.items]
    # Planted: the personal model on four Comedy likes ranks Comedy first (the plain
    # ranking: no re-ordering for variety).
    assert sum("Comedy" in g for g in _genres(mem, ids)) >= 4
    assert "because you liked" in first.items[0].reason
    mem.feedback("zed", ids[0], "not interested")
    after = [i.item_id for i in mem.recommend("zed", 5).record.items]
    assert ids[0] not in after
    assert mem.store.profile("zed").not_interested == [ids[0]]


def test_feedback_on_unknown_item_is_a_usage_error(mem: ConversationService) -> None:
    with pytest.raises(UnknownId, match="nope"):
        mem.feedback("zed", "nope", "like")


def test_brand_new_user_gets_popular_diverse_picks_and_a_question(mem: ConversationService) -> None:
    record = mem.recommend("newbie", 8).record
    assert len(record.items) == 8 and "?" in record.reply
    leads = [g[0] for g in _genres(mem, [i.item_id for i in record.items])]
    assert max(leads.count(g) for g in leads) <= 2  # ceil(8/4) per leading genre
    assert len(set(leads)) >= 4


def test_brand_new_item_is_recommended_by_content(
    mem: ConversationService, synth: SyntheticDataset
) -> None:
    liked = _cluster_items(synth, "Drama", 3)
    model = mem.catalog.get_item(liked[0])
    assert model is not None
    new = Item(
        item_id="fresh1",
        title="The Fresh Arrival",
        attributes={**model.attributes},  # same genres, year and synopsis as a liked item
    )
    mem.new_items.add([new])
    for item in liked:
        mem.feedback("dora", item, "like")
    record = mem.recommend("dora", 5).record
    fresh = [i for i in record.items if i.item_id == "fresh1"]
    assert fresh and fresh[0].reason.startswith("new in the catalog")
    # A user who ruled the genre out never gets it.
    mem.turn("eve", "no drama")
    for item in liked:
        mem.feedback("eve", item, "like")
    assert "fresh1" not in [i.item_id for i in mem.recommend("eve", 5).record.items]


def test_accepted_plans_grow_the_demo_bank_and_failures_are_reported(
    mem: ConversationService,
) -> None:
    out = mem.turn("alice", "funny movies")
    sid, turn_id, record = out.session_id, out.turn_id, out.record
    mem.feedback("alice", record.items[0].item_id, "like", session_id=sid)
    [row] = mem.store.outcomes(user_id="alice")
    assert row.outcome == "accepted" and row.turn_id == turn_id
    bank = data_home() / "demos" / "grown.jsonl"
    lines = [json.loads(x) for x in bank.read_text().splitlines()]
    assert lines == [{"request": "funny movies", "plan": {"steps": record.plan}}]
    # Two rejected turns of one shape → the report shows it; the accepted shape has 0 failures.
    for user in ("bob", "carl"):
        out = mem.turn(user, "something scary")
        sid, rec = out.session_id, out.record
        mem.feedback(user, rec.items[0].item_id, "dislike", session_id=sid)
    report = failure_report(mem.store)
    assert [(r.shape, r.failures) for r in report] == [("search_catalog>rank>finalize", 2)]
    assert report[0].examples == ["something scary", "something scary"]


def test_long_session_is_bounded_and_keeps_constraints(mem: ConversationService) -> None:
    sid = mem.turn("alice", "no horror").session_id
    for k in range(9):
        mem.turn("alice", f"another one {k}", session_id=sid)
    session = mem.store.load_session(sid, "alice")
    assert session is not None
    assert len(session.turns) <= mem.settings.max_turns + 1
    assert "no Horror" in session.summary
    assert mem.store.turn_count(sid, "alice") == 10  # nothing lost from the store


def test_delete_removes_the_user_everywhere(
    mem: ConversationService, synth: SyntheticDataset
) -> None:
    out = mem.turn("gina", "no horror, funny ones")
    sid, record = out.session_id, out.record
    mem.feedback("gina", record.items[0].item_id, "like", session_id=sid)
    mem.recommend("gina", 5)
    mem.turn("hank", "funny ones")
    before = mem.store.count_user_rows("gina")
    assert all(
        before[t] > 0
        for t in (
            "profiles",
            "sessions",
            "turns",
            "messages",
            "feedback",
            "memory_index",
            "plan_outcomes",
        )
    )
    mem.store.delete_user("gina")
    assert sum(mem.store.count_user_rows("gina").values()) == 0
    assert mem.retriever.retrieve(mem.store, "gina", "funny ones") == []
    assert mem.store.profile("gina").is_new
    assert mem.store.count_user_rows("hank")["turns"] == 1


def test_filters_cannot_bring_back_what_the_user_ruled_out(mem: ConversationService) -> None:
    from recpilot.tools.search import SearchCatalogArgs

    mem.turn("ivy", "I can't stand horror")
    out = mem.recommend("ivy", 5, SearchCatalogArgs(include={"genres": ["Horror"]}))
    assert all("Horror" not in g for g in _genres(mem, [i.item_id for i in out.record.items]))
    assert out.record.notes[0].startswith("Horror stays out: the user ruled it out")
    assert out.record.decided_by == {"exclude genres=Horror": "memory"}
