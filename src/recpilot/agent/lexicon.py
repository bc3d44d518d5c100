"""The words the request reader knows: genre synonyms, numbers, ordinals, decades,
negations and the phrases that introduce or end a title."""

from __future__ import annotations

import re

# Phrases → canonical genre names; only names present in the catalog are used.
GENRE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Comedy": (
        "comedy",
        "comedies",
        "funny",
        "funnier",
        "hilarious",
        "humor",
        "humour",
        "laugh",
        "witty",
        "comedic",
    ),
    "Horror": ("horror", "scary", "scarier", "frightening", "spooky", "creepy", "terrifying"),
    "Romance": ("romance", "romantic", "love story", "love stories", "rom com", "romcom"),
    "Action": ("action", "explosions", "action packed", "action-packed"),
    "Sci-Fi": (
        "sci-fi",
        "sci fi",
        "scifi",
        "science fiction",
        "science-fiction",
        "space",
        "futuristic",
        "aliens",
    ),
    "Animation": ("animation", "animated", "cartoon", "cartoons", "anime"),
    "Children's": (
        "children's",
        "childrens",
        "children",
        "kids",
        "family",
        "for kids",
        "kid-friendly",
    ),
    "Documentary": ("documentary", "documentaries", "docs"),
    "War": ("war", "wartime", "military"),
    "Western": ("western", "westerns", "cowboy", "cowboys"),
    "Musical": ("musical", "musicals"),
    "Mystery": ("mystery", "mysteries", "whodunit", "detective"),
    "Thriller": ("thriller", "thrillers", "suspense", "suspenseful", "thrilling"),
    "Crime": ("crime", "gangster", "gangsters", "mafia", "mob", "heist"),
    "Drama": ("drama", "dramas", "dramatic"),
    "Adventure": ("adventure", "adventures", "adventurous"),
    "Fantasy": ("fantasy", "magic", "magical"),
    "Film-Noir": ("film-noir", "film noir", "noir"),
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a dozen": 12, "a couple of": 2, "a few": 3,
}  # fmt: skip
ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
    "4th": 3, "fifth": 4, "5th": 4, "last": -1, "top": 0,
}  # fmt: skip
DECADE_WORDS = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
    "seventies": 1970, "eighties": 1980, "nineties": 1990,
}  # fmt: skip
NEGATIONS = r"(?:anything but|anything except|not|no|non|without|nothing|except|avoid|excluding|exclude|hate|never|don't|dont|do not|skip|but not|rather than|instead of|minus)"
COUNT_NOUNS = r"(?:movies|movie|films|film|items|titles|picks|recommendations|suggestions|options|ones|things|shows)"
SIMILAR_TRIGGERS = (
    r"(?:more |something |anything |films? |movies? |stuff |titles? )?(?:like|similar to|such as|"
    r"in the (?:style|vein|spirit) of|reminiscent of|along the lines of|same vibe as|"
    r"in the same vein as|fans? of|if i (?:liked|loved|enjoyed)|comparable to|resembling)"
)
SPAN_END = re.compile(
    r"\s*(?:,|;|\.|!|\?| but | and not | though | except | without | nothing | from the | made | released |"
    r" before | after | since | between | in the \d| that | which | or something| please|$)"
)
LOOKUP_START = re.compile(
    r"^(?:when (?:was|did|is)|what (?:year|genres?|kind|type|is|was)|which year|tell me (?:about|more about)|"
    r"is |was |how old is|who )",
)
CONNECTORS = frozenset(
    {"and", "or", "the", "a", "an", "of", "but", "with", "from", "in", "by", ","}
)
GENERIC = frozenset(
    {"that", "this", "it", "them", "those", "these", "something", "anything", "one", "ones", "what"}
)
LIKED = re.compile(r"\bi (?:really )?(?:liked|loved|enjoyed|adored)\b")
DISLIKED = re.compile(r"\bi (?:really )?(?:didn't like|did not like|hated|disliked|didn't enjoy)\b")
