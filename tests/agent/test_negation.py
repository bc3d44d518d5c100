"""Negation in the many ways people say it: with the rules brain alone, every phrasing
excludes what it names — in the reading and in every returned item."""

from __future__ import annotations

from pathlib import Path

import pytest

from film_catalog import write_films
from recpilot.agent.agent import Agent
from recpilot.agent.analysis import Vocabulary, analyze
from recpilot.agent.build import new_session
from recpilot.agent.lexicon import Lexicon
from recpilot.catalog.profile import build_profile
from recpilot.catalog.store import Catalog
from recpilot.tools.resolve import TitleResolver

# (message, the genres it rules out)
NEGATIVE = [
    ("I dislike horror", ["Horror"]),
    ("I can't stand horror movies", ["Horror"]),
    ("horror is not my thing", ["Horror"]),
    ("I really dislike horror movies, never show me any. Recommend something.", ["Horror"]),
    ("no horror please", ["Horror"]),
    ("I hate horror", ["Horror"]),
    ("anything but horror", ["Horror"]),
    ("keep the horror away", ["Horror"]),
    ("no more horror films", ["Horror"]),
    ("spare me the horror", ["Horror"]),
    ("I'm not into horror", ["Horror"]),
    ("not a fan of horror, to be honest", ["Horror"]),
    ("horror? no thanks", ["Horror"]),
    ("Horror? Not for me.", ["Horror"]),
    ("please avoid horror", ["Horror"]),
    ("a film without horror", ["Horror"]),
    ("I'd rather not watch horror tonight", ["Horror"]),
    ("I don't want anything scary", ["Horror"]),
    ("nothing scary tonight", ["Horror"]),
    ("stay away from horror", ["Horror"]),
    ("steer clear of horror films", ["Horror"]),
    ("I'm allergic to horror", ["Horror"]),
    ("horror gives me nightmares", ["Horror"]),
    ("I really can't deal with gore", ["Horror"]),
    ("drop the horror", ["Horror"]),
    ("Please, no horror whatsoever", ["Horror"]),
    ("I'm sick of comedies", ["Comedy"]),
    ("tired of comedies, show me something else", ["Comedy"]),
    ("anything except comedy", ["Comedy"]),
    ("I've had enough of crime movies", ["Crime"]),
    ("no crime stuff", ["Crime"]),
    ("crime films are off the table", ["Crime"]),
    ("skip the sci-fi", ["Sci-Fi"]),
    ("sci-fi bores me", ["Sci-Fi"]),
    ("I detest romance", ["Romance"]),
    ("romance is a no-go", ["Romance"]),
    ("nothing romantic", ["Romance"]),
    ("I won't watch anything with romance", ["Romance"]),
    ("I do not like action films", ["Action"]),
    ("action movies aren't for me", ["Action"]),
    ("exclude dramas", ["Drama"]),
    ("drama is not welcome here", ["Drama"]),
    ("no horror or crime", ["Horror", "Crime"]),
    ("neither horror nor crime", ["Horror", "Crime"]),
    ("not horror, not crime", ["Horror", "Crime"]),
    ("forget horror, give me comedy", ["Horror"]),
    ("something funny but no horror", ["Horror"]),
    ("sin terror, por favor", ["Horror"]),
    ("pas de comédies", ["Comedy"]),
    ("keine Horrorfilme bitte", ["Horror"]),
    ("no horror and no romance", ["Horror", "Romance"]),
    ("no comedies and no dramas, but something from before 1990", ["Comedy", "Drama"]),
    ("No, I don't like crime movies; recommend me a drama", ["Crime"]),
    ("terror no, gracias", ["Horror"]),
    ("I'm over horror, give me something else", ["Horror"]),
    ("honestly I'm so over romance", ["Romance"]),
    ("my grandma can't handle anything violent or scary", ["Horror"]),
    ("J'en ai marre des drames", ["Drama"]),
    ("estoy harto de las comedias", ["Comedy"]),
    ("sono stufo di film horror", ["Horror"]),
    ("ich habe genug von Komödien", ["Comedy"]),
    ("No me gustan las películas de terror; recomiéndame un drama", ["Horror"]),
    ("Je n'aime pas les films d'horreur", ["Horror"]),
    ("Ich mag keine Horrorfilme", ["Horror"]),
]


def test_the_list_is_long_enough() -> None:
    assert len(NEGATIVE) >= 40


@pytest.mark.parametrize(("message", "ruled_out"), NEGATIVE)
def test_negative_phrasing_excludes_what_it_names(
    agent: Agent, message: str, ruled_out: list[str]
) -> None:
    req = analyze(message, agent.vocab)
    assert sorted(req.exclude.get("genres", [])) == sorted(ruled_out)
    assert not set(req.include.get("genres", [])) & set(ruled_out)
    turn = agent.turn(new_session(agent, None), message)
    assert turn.items
    for item in agent.catalog.get_items([i.item_id for i in turn.items]):
        genres = item.attributes["genres"]
        assert isinstance(genres, list) and not set(genres) & set(ruled_out), item.title


@pytest.mark.parametrize(
    ("message", "wanted"),
    [
        ("I don't mind horror", "Horror"),
        ("nothing but comedies", "Comedy"),
        ("not only comedy, also romance", "Comedy"),
        ("I can't get enough of horror", "Horror"),
        # The "no" after a value starts the next negation here, it does not undo the value.
        ("drama, no crime", "Drama"),
        ("comedy, no horror please", "Comedy"),
    ],
)
def test_phrasings_that_only_look_negative_keep_the_value(
    agent: Agent, message: str, wanted: str
) -> None:
    req = analyze(message, agent.vocab)
    assert wanted in req.include.get("genres", [])
    assert wanted not in req.exclude.get("genres", [])


@pytest.mark.parametrize(
    "message",
    ["I love horror", "I'm a big fan of horror movies", "I absolutely adore horror"],
)
def test_a_loved_value_is_wanted_now_and_kept_as_a_taste(agent: Agent, message: str) -> None:
    req = analyze(message, agent.vocab)
    assert req.include == {"genres": ["Horror"]} and req.preferred == {"genres": ["Horror"]}


def test_ruling_a_loved_value_out_drops_the_love(agent: Agent) -> None:
    session = new_session(agent, None)
    agent.turn(session, "I love horror")
    agent.turn(session, "actually I can't stand horror any more")
    assert session.preferred == {} and session.excluded == {"genres": ["Horror"]}


def test_a_negated_sentence_is_no_near_title(tmp_path: Path) -> None:
    # "i don't" is a near match of "I Don't Want to Talk About It": the "No I don't like
    # war movies" that excluded that film and wanted War now excludes War.
    films = [
        ("1", "I Don't Want to Talk About It (De eso no se habla)", ["Drama"], 1993),
        ("2", "Saving Private Ryan", ["Action", "Drama", "War"], 1998),
        ("3", "Groundhog Day", ["Comedy", "Romance"], 1993),
    ]
    path = tmp_path / "films.duckdb"
    write_films(path, "near-titles", films, [("u1", "1", 1), ("u2", "2", 2)])
    with Catalog.open(path) as catalog:
        vocab = Vocabulary.build(
            build_profile(catalog), TitleResolver(catalog.titles()), Lexicon.load()
        )
    req = analyze("No I don't like war movies; recommend me a drama", vocab)
    assert req.unwanted == [] and req.exclude == {"genres": ["War"]}
    assert req.include == {"genres": ["Drama"]}
