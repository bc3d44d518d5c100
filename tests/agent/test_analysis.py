"""The deterministic request reader, on the planted mini catalog."""

from __future__ import annotations

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.analysis import Request, analyze, spelled_number


def read(agent: Agent, text: str, shown: list[str] | None = None) -> Request:
    return analyze(text, agent.vocab, shown)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("movies from the 80s", 1980, 1989),
        ("something from the eighties", 1980, 1989),
        ("before 1980", None, 1979),
        ("between 1985 and 1989", 1985, 1989),
        ("nothing before 1990", 1990, None),
        ("after 1990", 1991, None),
        ("since 1990", 1990, None),
        ("the early 90s", 1990, 1993),
        ("from 1995", 1995, 1995),
        ("1985-1989 please", 1985, 1989),
        # The year closes the clause "before" opens: not "in 1970" alone.
        ("movies that came out before I was born in 1970", None, 1969),
        ("films made after my son was born in 1990", 1991, None),
        ("made before nineteen seventy", None, 1969),
        ("una peli de terror de los 90", 1990, 1999),
        ("Filme aus den 90ern", 1990, 1999),
        ("un film anni 80", 1980, 1989),
        ("nothing before nineteen eighty-five", 1985, None),
    ],
)
def test_year_phrases(agent: Agent, text: str, low: int | None, high: int | None) -> None:
    req = read(agent, text)
    assert req.ranges["year"] == (low, high)


@pytest.mark.parametrize(
    ("text", "include", "exclude"),
    [
        ("something funny", ["Comedy"], []),
        ("a scary film", ["Horror"], []),
        ("romantic comedies", ["Romance", "Comedy"], []),
        ("action but no horror", ["Action"], ["Horror"]),
        ("anything but horror", [], ["Horror"]),
        ("no horror or sci-fi", [], ["Horror", "Sci-Fi"]),
        ("kids movies, not animated", ["Children's"], ["Animation"]),
    ],
)
def test_genres_and_negation(
    agent: Agent, text: str, include: list[str], exclude: list[str]
) -> None:
    req = read(agent, text)
    assert sorted(req.include.get("genres", [])) == sorted(include)
    assert sorted(req.exclude.get("genres", [])) == sorted(exclude)


@pytest.mark.parametrize(
    ("text", "n"),
    [
        ("3 scary movies", 3),
        ("give me two comedies", 2),
        ("top 7", 7),
        ("a film", None),
        ("50 movies", 20),
        ("half a dozen comedies please", 6),  # not the dozen inside it
        ("a dozen comedies", 12),
        ("une dizaine de comédies", 10),
        ("ein halbes Dutzend Komödien", 6),
    ],
)
def test_counts(agent: Agent, text: str, n: int | None) -> None:
    assert read(agent, text).n == n


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty", 20),
        ("a hundred", 100),
        ("one hundred and fifty", 150),
        ("forty-two", 42),
        ("nineteen seventy", 1970),
        ("nineteen eighty-five", 1985),
        ("two thousand and five", 2005),
        ("five five", None),  # no number
        ("twenty thirty", None),
    ],
)
def test_spelled_numbers(words: str, value: int | None) -> None:
    assert spelled_number(words) == value


def test_a_negated_list_leaves_its_unread_words_unread(agent: Agent) -> None:
    req = read(agent, "she can't handle anything violent or scary")
    assert req.exclude["genres"] == ["Horror"] and not req.include
    assert req.unexplained == ["violent"]  # ruled out with the rest, but not understood


def test_hyphens_do_not_tell_words_apart(agent: Agent) -> None:
    assert read(agent, "two scifis").include == {"genres": ["Sci-Fi"]}  # sci-fis
    assert read(agent, "no sciencefiction please").exclude == {"genres": ["Sci-Fi"]}


def test_a_number_no_rule_reads_is_not_understood(agent: Agent) -> None:
    """Dropping it silently would answer without a constraint the user stated."""
    assert "7" in read(agent, "comedies with 7 songs").unexplained
    assert read(agent, "3 comedies from 1995").unexplained == []  # a count and a year


def test_a_spelled_number_is_a_limit_only_after_a_comparison(agent: Agent) -> None:
    assert read(agent, "two comedies from before nineteen ninety").n == 2
    assert read(agent, "two comedies from before nineteen ninety").ranges["year"] == (None, 1989)


def test_either_genre_means_any(agent: Agent) -> None:
    req = read(agent, "a comedy or a horror film")
    assert sorted(req.include["genres"]) == ["Comedy", "Horror"] and req.match == "any"


def test_like_titles_resolve_to_catalog_ids(agent: Agent) -> None:
    req = read(agent, "something like Blade Runner or Alien, but funnier")
    assert req.like == ["32", "22"]
    assert req.include == {"genres": ["Comedy"]}
    # "Godfather, The" is found from the natural word order.
    assert read(agent, "movies similar to The Godfather").like == ["6"]
    assert read(agent, "like Fargo, Pulp Fiction and Reservoir Dogs").like == ["1", "3", "4"]


def test_misspelt_title_resolves_but_unknown_is_reported(agent: Agent) -> None:
    assert read(agent, "films like Pulp Fictoin").like == ["3"]
    req = read(agent, "films like Zorblax Returns")
    assert req.like == [] and req.unresolved == ["zorblax returns"]


def test_a_genre_word_is_not_taken_for_a_title(agent: Agent) -> None:
    # "heat" is a title, but after "no" the word "horror" is a genre, not a title.
    req = read(agent, "action films but no horror")
    assert req.unwanted == [] and req.exclude == {"genres": ["Horror"]}


def test_ordinal_refers_to_previous_results(agent: Agent) -> None:
    shown = ["11", "12", "13"]
    assert read(agent, "more like the second one", shown).like == ["12"]
    req = read(agent, "I didn't like the first one", shown)
    assert req.disliked == ["11"] and req.like == []


def test_question_about_an_item_is_a_lookup(agent: Agent) -> None:
    req = read(agent, "when was Fargo released?")
    assert req.lookup == ["1"]
    assert read(agent, "what genre is Blade Runner?").lookup == ["32"]


@pytest.mark.parametrize(
    ("text", "genres", "low"),
    [
        ("scarry movies from the eigthies", ["Horror"], 1980),
        ("romantc comedys", ["Romance", "Comedy"], None),
        ("sci fi thrilers from the 90s", ["Sci-Fi", "Thriller"], 1990),
        ("animted movies", ["Animation"], None),
        ("a scay movie", ["Horror"], None),  # four letters: one letter dropped from "scary"
    ],
)
def test_typos_of_known_words_are_read_and_reported(
    agent: Agent, text: str, genres: list[str], low: int | None
) -> None:
    req = read(agent, text)
    assert sorted(req.include["genres"]) == sorted(genres)
    assert req.ranges.get("year", (None, None))[0] == low
    assert req.corrections and req.unexplained == []


def test_a_word_with_no_close_known_word_stays_unexplained(agent: Agent) -> None:
    req = read(agent, "quirky flicks")
    assert req.unexplained == ["quirky"] and req.corrections == {}


def test_a_longer_word_is_not_read_as_a_shorter_known_one(agent: Agent) -> None:
    # "historical" is not a typo of the Spanish synonym "historia"; "dramatics" not of "dramatic".
    assert agent.vocab.correction("historical") is None
    assert agent.vocab.correction("scarry") == "scary"


@pytest.mark.parametrize(
    ("text", "unsupported"),
    [
        ("movies directed by Steven Spielberg", ["directed", "steven", "spielberg"]),
        ("films with Tom Hanks in them", ["tom", "hanks"]),
        ("comedies shorter than 90 minutes", ["minutes"]),
        ("movies rated PG-13", ["rated", "pg-13"]),
        ("funny films for tonight", []),
    ],
)
def test_names_and_attribute_words_the_catalog_lacks_are_unsupported(
    agent: Agent, text: str, unsupported: list[str]
) -> None:
    assert read(agent, text).unsupported == unsupported


def test_a_name_is_not_mistaken_for_a_typo_of_filler(agent: Agent) -> None:
    assert "hanks" in read(agent, "films with Tom Hanks in them").unexplained
