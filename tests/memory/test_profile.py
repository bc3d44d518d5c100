"""Profile updates: the decay rule, lists, stated preferences (exclusions, limits, notes),
traits, the summary and the bounded dialogue — all over the catalog's own attributes."""

from __future__ import annotations

import pytest

from recpilot.memory.dialogue import bound_dialogue
from recpilot.memory.profile import (
    LEARNING_RATE,
    ItemFacts,
    UserProfile,
    apply_feedback,
    apply_interactions,
    apply_turn,
    decay_step,
    profile_bonus,
)
from recpilot.memory.records import SessionState, StoredTurn

COMEDY = ItemFacts(
    item_id="c1", title="Laughs", values={"genres": ["Comedy"]}, periods={"year": "1990s"}
)
HORROR = ItemFacts(
    item_id="h1", title="Screams", values={"genres": ["Horror"]}, periods={"year": "1980s"}
)
NOVEL = ItemFacts(
    item_id="b1",
    title="Salt Roads",
    values={"author": ["Noor Haddad"], "category": ["Fiction", "Travel"]},
    periods={"published": "2010s"},
)


def test_decay_rule_is_exponential_moving_average() -> None:
    w = {"a": 1.0}
    decay_step(w, {"b": 1.0}, 0.1)
    assert w == pytest.approx({"a": 0.9, "b": 0.1})
    for _ in range(10):
        decay_step(w, {}, 0.1)
    assert w["a"] == pytest.approx(0.9**11)


def test_like_then_other_tastes_fade_the_first() -> None:
    p = apply_feedback(UserProfile(user_id="u"), COMEDY, "like")
    eta = LEARNING_RATE
    assert p.weight("genres", "Comedy") == pytest.approx(eta)
    assert p.attribute_weights["year=1990s"] == pytest.approx(eta)
    for _ in range(5):
        apply_feedback(p, HORROR, "like")
    # Comedy decayed by (1-η)^5; Horror is the sum of a geometric series.
    assert p.weight("genres", "Comedy") == pytest.approx(eta * (1 - eta) ** 5)
    assert p.weight("genres", "Horror") == pytest.approx(1 - (1 - eta) ** 5)
    assert p.traits.favourites["genres"][0] == "Horror"
    assert p.liked == ["c1", "h1"]


def test_dislike_moves_item_between_lists() -> None:
    p = apply_feedback(UserProfile(user_id="u"), COMEDY, "like")
    apply_feedback(p, COMEDY, "dislike")
    assert p.liked == [] and p.disliked == ["c1"]
    assert p.weight("genres", "Comedy") == pytest.approx(
        LEARNING_RATE * (1 - LEARNING_RATE) - LEARNING_RATE
    )
    assert "c1" in p.rejected


def test_stated_exclusion_is_kept_and_lifted_by_asking_again() -> None:
    p = apply_turn(UserProfile(user_id="u"), "no horror please", excluded={"genres": ["Horror"]})
    assert p.exclusions == {"genres": ["Horror"]}
    assert "never wants Horror" in p.summary()
    apply_turn(p, "ok, a comedy", excluded={})
    assert p.exclusions == {"genres": ["Horror"]}  # not stated again, still remembered
    apply_turn(p, "actually some horror tonight", included={"genres": ["Horror"]})
    assert p.exclusions == {}
    assert p.turns == 3


def test_interactions_give_traits() -> None:
    items = [COMEDY, COMEDY.model_copy(update={"item_id": "c2"}), HORROR]
    for item, pct in zip(items, (0.9, 0.7, 0.2), strict=True):
        item.popularity_percentile = pct
    p = apply_interactions(UserProfile(user_id="u"), items, [5.0, 4.0, 1.0])
    assert p.liked == ["c1", "c2"] and p.disliked == ["h1"]
    assert p.traits.favourites["genres"] == ["Comedy"]  # Horror's weight is negative
    assert p.traits.popularity_conformity == pytest.approx(0.6)
    # genres Comedy, Comedy, Horror: entropy of (2/3, 1/3) over log 2
    assert p.traits.diversity == pytest.approx(0.9183, abs=1e-3)
    assert p.traits.activity == 3


def test_summary_names_titles() -> None:
    p = apply_feedback(UserProfile(user_id="u"), COMEDY, "like")
    text = p.summary({"c1": "Laughs (1995)"})
    assert text.startswith("Profile:") and "liked Laughs (1995)" in text
    assert UserProfile(user_id="new").summary() == ""


def test_any_catalog_attribute_is_a_taste() -> None:
    """A book: author and category values and the publication decade carry the weights."""
    p = apply_feedback(UserProfile(user_id="u"), NOVEL, "like")
    eta = LEARNING_RATE
    assert p.weight("author", "Noor Haddad") == pytest.approx(eta)
    assert p.weight("category", "Travel") == pytest.approx(eta / 2**0.5)
    assert p.attribute_weights["published=2010s"] == pytest.approx(eta)
    assert p.traits.favourites == {
        "author": ["Noor Haddad"],
        "category": ["Fiction", "Travel"],
        "published": ["2010s"],
    }
    assert profile_bonus(p, NOVEL) > profile_bonus(p, COMEDY) == 0.0
    assert "favourite author Noor Haddad" in p.summary()


def test_limits_are_set_replaced_cleared_and_forgotten() -> None:
    p = apply_turn(UserProfile(user_id="u"), "nothing over $20", limits={"price": (None, 20.0)})
    assert p.limits == {"price": (None, 20.0)}
    assert "always price ≤ 20" in p.summary()
    apply_turn(p, "ok, up to 35 then", limits={"price": (None, 35.0)})
    assert p.limits == {"price": (None, 35.0)}  # replaced, not added
    apply_turn(p, "I can't stand horror", excluded={"genres": ["Horror"]})
    apply_turn(p, "price does not matter", cleared_limits=["price"])
    assert p.limits == {}
    apply_turn(p, "nothing over $20", limits={"price": (None, 20.0)})
    [horror] = [e for e in p.stated if e.kind == "exclude"]
    assert p.forget(horror.id) == horror
    assert p.exclusions == {} and p.limits == {"price": (None, 20.0)}
    assert p.forget("no-such-id") is None


def test_old_profiles_upgrade_on_read() -> None:
    old = {
        "user_id": "u",
        "attribute_weights": {"genres=Comedy": 0.2, "era=1990s": 0.1},
        "expectations": [{"kind": "exclude_genre", "value": "Horror"}],
    }
    p = UserProfile.model_validate(old)
    assert p.attribute_weights == {"genres=Comedy": 0.2, "year=1990s": 0.1}
    assert p.exclusions == {"genres": ["Horror"]}


def test_many_notes_never_push_out_an_exclusion() -> None:
    p = apply_turn(UserProfile(user_id="u"), "no horror", excluded={"genres": ["Horror"]})
    for k in range(60):
        apply_turn(p, f"wish {k}", notes=[f"wants something {k}"])
    assert p.exclusions == {"genres": ["Horror"]}
    assert len([e for e in p.stated if e.kind == "note"]) == 20


def _turn(message: str, plan: list[dict[str, object]] | None = None) -> StoredTurn:
    return StoredTurn(message=message, reply="", record={"plan": plan or []})


def test_long_dialogue_is_cut_and_summary_keeps_constraints() -> None:
    s = SessionState(session_id="s", user_id="u", excluded={"genres": ["Horror"]})
    s.limits = {"price": (None, 20.0)}
    s.turns.append(
        _turn(
            "no horror, after 1990",
            [
                {
                    "tool": "search_catalog",
                    "args": {"exclude": {"genres": ["Horror"]}, "ranges": {"year": {"min": 1991}}},
                }
            ],
        )
    )
    s.turns += [_turn(f"more please {k} " + "x" * 100) for k in range(30)]
    folded = bound_dialogue(s, max_turns=4, max_chars=300)
    assert folded == 27 and len(s.turns) == 4
    assert "no Horror" in s.summary and "year ≥ 1991" in s.summary
    assert "price ≤ 20" in s.summary
    assert len(s.summary) < 600  # the request log was trimmed, the constraints kept
    # folding again keeps the earlier constraints
    s.turns += [_turn("one more")] * 3
    bound_dialogue(s, max_turns=4, max_chars=300)
    assert "no Horror" in s.summary and "year ≥ 1991" in s.summary
    assert bound_dialogue(s, max_turns=4) == 0
