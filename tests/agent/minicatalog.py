"""A small movie catalog with planted structure, for agent tests.

Four taste groups (crime, comedy, horror, sci-fi); each group's users watch most of their
group's films and nothing else, so item-CF neighbours of a crime film are crime films.
Two films share the title "Hamlet" with equal popularity (an ambiguous name).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from recpilot.catalog.build import write_catalog
from recpilot.catalog.schema import AttributeKind, AttributeSpec

FILMS: list[tuple[str, str, list[str], int, str]] = [
    # id, title, genres, year, group
    ("1", "Fargo", ["Crime", "Drama"], 1996, "crime"),
    ("2", "Heat", ["Action", "Crime", "Thriller"], 1995, "crime"),
    ("3", "Pulp Fiction", ["Crime", "Drama"], 1994, "crime"),
    ("4", "Reservoir Dogs", ["Crime", "Thriller"], 1992, "crime"),
    ("5", "GoodFellas", ["Crime", "Drama"], 1990, "crime"),
    ("6", "Godfather, The", ["Crime", "Drama"], 1972, "crime"),
    ("7", "Godfather: Part II, The", ["Crime", "Drama"], 1974, "crime"),
    ("8", "Casino", ["Crime", "Drama"], 1995, "crime"),
    ("9", "Big Lebowski, The", ["Comedy", "Crime"], 1998, "crime"),
    ("11", "Toy Story", ["Animation", "Children's", "Comedy"], 1995, "comedy"),
    ("12", "Groundhog Day", ["Comedy", "Romance"], 1993, "comedy"),
    ("13", "Raising Arizona", ["Comedy"], 1987, "comedy"),
    ("14", "Airplane!", ["Comedy"], 1980, "comedy"),
    ("15", "Birdcage, The", ["Comedy"], 1996, "comedy"),
    ("16", "Clueless", ["Comedy", "Romance"], 1995, "comedy"),
    ("17", "Get Shorty", ["Action", "Comedy", "Drama"], 1995, "comedy"),
    ("21", "Shining, The", ["Horror"], 1980, "horror"),
    ("22", "Alien", ["Horror", "Sci-Fi"], 1979, "horror"),
    ("23", "Scream", ["Horror", "Thriller"], 1996, "horror"),
    ("24", "Nightmare on Elm Street, A", ["Horror"], 1984, "horror"),
    ("25", "Halloween", ["Horror"], 1978, "horror"),
    ("31", "Star Wars", ["Action", "Adventure", "Sci-Fi"], 1977, "scifi"),
    ("32", "Blade Runner", ["Sci-Fi"], 1982, "scifi"),
    ("33", "Empire Strikes Back, The", ["Action", "Adventure", "Sci-Fi"], 1980, "scifi"),
    ("34", "Return of the Jedi", ["Action", "Adventure", "Sci-Fi"], 1983, "scifi"),
    ("35", "Men in Black", ["Action", "Comedy", "Sci-Fi"], 1997, "scifi"),
    ("41", "Hamlet", ["Drama"], 1948, "none"),
    ("42", "Hamlet", ["Drama"], 1996, "none"),
]
GROUPS = ("crime", "comedy", "horror", "scifi")
USERS_PER_GROUP = 8


def build(path: Path, name: str = "mini") -> None:
    items = pa.table(
        {
            "item_id": [f[0] for f in FILMS],
            "title": [f[1] for f in FILMS],
            "genres": [f[2] for f in FILMS],
            "year": [float(f[3]) for f in FILMS],
        }
    )
    users: list[str] = []
    inter_items: list[str] = []
    stamps: list[int] = []
    for g, group in enumerate(GROUPS):
        members = [f[0] for f in FILMS if f[4] == group]
        for u in range(USERS_PER_GROUP):
            # Every user skips one film of the group (a different one per user), so
            # each film is watched by most, not all, of its group.
            for k, item in enumerate(members):
                if k == u % len(members):
                    continue
                users.append(f"{group}{u}")
                inter_items.append(item)
                stamps.append(1000 * g + 10 * u + k)
    # Both Hamlets: one viewer each (equal popularity).
    users += ["crime0", "comedy0"]
    inter_items += ["41", "42"]
    stamps += [99999, 99999]
    interactions = pa.table({"user_id": users, "item_id": inter_items, "timestamp": stamps})
    write_catalog(
        path,
        name=name,
        source="tests",
        items=items,
        attributes=[
            AttributeSpec(name="genres", kind=AttributeKind.categorical),
            AttributeSpec(name="year", kind=AttributeKind.number),
        ],
        interactions=interactions,
    )


def group_of(item_id: str) -> str:
    return next(f[4] for f in FILMS if f[0] == item_id)
