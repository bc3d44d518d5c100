"""A small movie catalog with planted structure, for agent tests.

Four taste groups (crime, comedy, horror, sci-fi); each group's users watch most of their
group's films and nothing else, so item-CF neighbours of a crime film are crime films.
Two films share the title "Hamlet" with equal popularity (an ambiguous name).
"""

from __future__ import annotations

from pathlib import Path

from film_catalog import write_films

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
    events: list[tuple[str, str, int]] = []
    for g, group in enumerate(GROUPS):
        members = [f[0] for f in FILMS if f[4] == group]
        for u in range(USERS_PER_GROUP):
            # Every user skips one film of the group (a different one per user), so
            # each film is watched by most, not all, of its group.
            events += [
                (f"{group}{u}", item, 1000 * g + 10 * u + k)
                for k, item in enumerate(members)
                if k != u % len(members)
            ]
    # Both Hamlets: one viewer each (equal popularity).
    events += [("crime0", "41", 99999), ("comedy0", "42", 99999)]
    write_films(path, name, [f[:4] for f in FILMS], events)


def group_of(item_id: str) -> str:
    return next(f[4] for f in FILMS if f[0] == item_id)
