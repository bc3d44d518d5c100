"""Stated preferences over a catalog that is not about movies (``planted-books``: author,
category, price, published, ...): "nothing over $20" and "I can't stand anything by X" are
remembered as a limit and an exclusion, applied by every recommendation path until changed,
shown in export, removable one by one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.agent.build import AgentOptions, build_agent
from recpilot.agent.trace import RecommendedItem, TurnRecord
from recpilot.memory.store import MemoryStore
from recpilot.service.conversation import ConversationService, TurnOut
from recpilot.testing import ensure_catalog


@pytest.fixture
def books(home: Path, store_url: str) -> Iterator[ConversationService]:
    catalog = ensure_catalog("planted-books")
    agent = build_agent(
        AgentOptions(dataset=catalog.name, embedder="hashing", demos="none"), catalog
    )
    with ConversationService(agent, MemoryStore.open(store_url)) as service:
        yield service


def _rows(service: ConversationService, out: TurnOut) -> list[tuple[float, list[str]]]:
    items = service.catalog.get_items([i.item_id for i in out.record.items])
    return [(float(i.attributes["price"]), list(i.attributes["author"])) for i in items]  # type: ignore[arg-type]


def test_a_price_limit_holds_until_it_is_changed_or_removed(books: ConversationService) -> None:
    user = "reader-1"
    assert max(p for p, _ in _rows(books, books.recommend(user, 10))) > 20  # the control
    books.turn(user, "nothing over $20")
    assert books.profile(user).limits == {"price": (None, 20.0)}
    for out in (
        books.recommend(user, 10),
        books.turn(user, "recommend 10 books"),  # a new session
        books.similar([books.recommend(user, 1).record.items[0].item_id], 10, user),
    ):
        rows = _rows(books, out)
        assert rows and all(p <= 20 for p, _ in rows), rows
    [limit] = books.preferences(user)
    assert (limit.kind, limit.attribute, limit.maximum) == ("limit", "price", 20.0)
    assert books.export_user(user)["preferences"][0]["text"] == "price ≤ 20"

    books.turn(user, "nothing over $30")  # replaces the limit, does not add a second one
    assert books.profile(user).limits == {"price": (None, 30.0)}
    assert any(20 < p <= 30 for p, _ in _rows(books, books.recommend(user, 20)))
    books.forget(user, books.preferences(user)[0].id)
    assert books.preferences(user) == []
    assert max(p for p, _ in _rows(books, books.recommend(user, 10))) > 30


def test_an_author_ruled_out_stays_out_everywhere(books: ConversationService) -> None:
    user = "reader-2"
    before = _rows(books, books.recommend(user, 10))
    author = before[0][1][0]
    books.turn(user, f"I can't stand anything by {author}")
    assert books.profile(user).exclusions == {"author": [author]}
    for out in (
        books.recommend(user, 20),
        books.turn(user, "recommend 20 books"),
        books.conversation(user, ["hello", "recommend 20 books"]),
    ):
        rows = _rows(books, out)
        assert rows and all(author not in a for _, a in rows), (author, rows)
    # Asking for the author again lifts the exclusion.
    books.turn(user, f"books by {author}")
    assert books.profile(user).exclusions == {}


def test_nothing_shown_breaks_a_standing_limit_whatever_the_brain_did(
    books: ConversationService,
) -> None:
    """The service's last check: items that break the user's standing conditions are left
    out of any turn (here a brain that ignored the limit), and the reply says so."""
    user = "reader-3"
    books.turn(user, "nothing over $20")
    session, _ = books._prepare(user, None)
    dear = books.catalog.query("SELECT item_id, title FROM items WHERE price > 20 LIMIT 2")
    cheap = books.catalog.query("SELECT item_id, title FROM items WHERE price <= 20 LIMIT 1")
    record = TurnRecord(
        message="anything",
        brain="test",
        items=[
            RecommendedItem(item_id=i, title=t, score=None, reason="r") for i, t in [*dear, *cheap]
        ],
        reply="three picks",
    )
    books._enforce(session, record)
    assert [i.item_id for i in record.items] == [cheap[0][0]]
    assert "Left out 2 items" in record.reply and session.shown == [cheap[0][0]]


def test_an_author_the_user_loves_leads_later_recommendations_until_forgotten(
    books: ConversationService,
) -> None:
    user = "reader-3"
    control = [a for _, a in _rows(books, books.recommend(user, 10))]
    # An author the control does not lead with (so leading later is the preference's doing).
    author = next(a[0] for a in reversed(control) if a[0] not in control[0])
    books.turn(user, f"I love anything by {author}")
    assert books.profile(user).preferences == {"author": [author]}
    [loved] = books.preferences(user)
    assert (loved.kind, loved.attribute, loved.value) == ("prefer", "author", author)
    # A new session and the proactive path both lead with the loved author.
    for out in (books.turn(user, "recommend 10 books"), books.recommend(user, 10)):
        rows = _rows(books, out)
        assert author in rows[0][1], rows
    assert any(p["kind"] == "prefer" for p in books.export_user(user)["preferences"])
    books.forget(user, loved.id)
    assert books.profile(user).preferences == {}
