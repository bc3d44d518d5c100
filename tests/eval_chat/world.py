"""A small movie world with planted structure for the chat-evaluation tests.

Four taste groups; each group's users watch their group's films in a fixed time order, so a
user's *last* film (the held-out target) is known in advance: for user ``g<u>`` it is the
group's film number ``(u % 4) + 4`` — every film before it is history. One film ("Aliens")
resembles another's title ("Alien") for the leak-filter tests.
"""

from __future__ import annotations

from pathlib import Path

from film_catalog import write_films

FILMS: dict[str, list[tuple[str, str, list[str], int]]] = {
    "crime": [
        ("1", "Fargo", ["Crime", "Drama"], 1996),
        ("2", "Heat", ["Action", "Crime", "Thriller"], 1995),
        ("3", "Pulp Fiction", ["Crime", "Drama"], 1994),
        ("4", "Reservoir Dogs", ["Crime", "Thriller"], 1992),
        ("5", "GoodFellas", ["Crime", "Drama"], 1990),
        ("6", "Godfather, The", ["Crime", "Drama"], 1972),
        ("7", "Casino", ["Crime", "Drama"], 1995),
        ("8", "Big Lebowski, The", ["Comedy", "Crime"], 1998),
    ],
    "comedy": [
        ("11", "Toy Story", ["Animation", "Children's", "Comedy"], 1995),
        ("12", "Groundhog Day", ["Comedy", "Romance"], 1993),
        ("13", "Raising Arizona", ["Comedy"], 1987),
        ("14", "Airplane!", ["Comedy"], 1980),
        ("15", "Birdcage, The", ["Comedy"], 1996),
        ("16", "Clueless", ["Comedy", "Romance"], 1995),
        ("17", "Get Shorty", ["Action", "Comedy", "Drama"], 1995),
        ("18", "Annie Hall", ["Comedy", "Romance"], 1977),
    ],
    "horror": [
        ("21", "Shining, The", ["Horror"], 1980),
        ("22", "Aliens", ["Action", "Horror", "Sci-Fi"], 1986),
        ("23", "Scream", ["Horror", "Thriller"], 1996),
        ("24", "Nightmare on Elm Street, A", ["Horror"], 1984),
        ("25", "Halloween", ["Horror"], 1978),
        ("26", "Alien", ["Horror", "Sci-Fi"], 1979),
        ("27", "Carrie", ["Horror"], 1976),
        ("28", "Psycho", ["Horror", "Thriller"], 1960),
    ],
    "scifi": [
        ("31", "Star Wars", ["Action", "Adventure", "Sci-Fi"], 1977),
        ("32", "Blade Runner", ["Sci-Fi"], 1982),
        ("33", "Empire Strikes Back, The", ["Action", "Adventure", "Sci-Fi"], 1980),
        ("34", "Return of the Jedi", ["Action", "Adventure", "Sci-Fi"], 1983),
        ("35", "Men in Black", ["Action", "Comedy", "Sci-Fi"], 1997),
        ("36", "Contact", ["Drama", "Sci-Fi"], 1997),
        ("37", "Gattaca", ["Drama", "Sci-Fi"], 1997),
        ("38", "Twelve Monkeys", ["Drama", "Sci-Fi"], 1995),
    ],
}
USERS_PER_GROUP = 8


def target_of(group: str, u: int) -> str:
    """The planted last film of user ``<group><u>``."""
    return FILMS[group][(u % 4) + 4][0]


def build(path: Path, name: str = "chatworld") -> None:
    events = [
        (f"{group}{u}", film[0], 10_000 * g + 100 * u + k)
        for g, (group, members) in enumerate(FILMS.items())
        for u in range(USERS_PER_GROUP)
        for k, film in enumerate(members[: (u % 4) + 5])
    ]
    write_films(path, name, [f for group in FILMS.values() for f in group], events)
