"""Cues: the phrases and number patterns that mark a factual statement."""

from __future__ import annotations

import re

from recpilot.catalog.schema import AttributeSpec

from .words import (
    _stem,
    _words,
)

# ---------------------------------------------------------------------------- cues
# Claims that need an attribute of their own: (pattern, words an attribute backing it would
# have in its name or description). A name written right after the trigger is part of it.
_NAME = r"(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|del|da|di)){0,4}"
_CLAIMS: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"(?i:\bdirect(?:ed|or|ors|ing)\b(?:\s+by)?)" + _NAME), ("director", "directed")),
    (
        re.compile(
            r"(?i:\b(?:starring|co-?starring|co-?stars?|featuring|played by|performances? (?:by|from)"
            r"|lead (?:role|actor|actress)|actors?|actress(?:es)?|cast)\b)"
            + _NAME
            + r"|\bstars\s+[A-Z][\w'’-]*"
            + _NAME
        ),
        ("cast", "actor", "actors", "star", "stars", "starring"),
    ),
    (
        re.compile(r"(?i:\b(?:written|penned|authored)\s+by\b)" + _NAME),
        ("author", "writer", "written"),
    ),
    (
        re.compile(r"(?i:\b(?:produced|made)\s+by\b)" + _NAME + r"|(?i:\bstudios?\b)"),
        ("studio", "producer"),
    ),
    (
        re.compile(
            r"(?i:\b(?:oscars?|academy awards?|golden globes?|emmys?|baftas?|palme d'or|pulitzer|booker"
            r"|award[- ]winning|prize[- ]winning|(?:won|wins|winner of|nominated for)\b[^.,;]{0,30}"
            r"\b(?:awards?|prizes?|oscars?))\b)"
        ),
        ("award", "awards", "prize"),
    ),
    (
        re.compile(
            r"(?i:\b(?:true story|true stories|real events|real-life|adapted from|adaptation of|remake of"
            r"|sequel to|prequel to|based on (?:a |an |the )?(?:true|real|novel|book|best|famous|classic"
            r"|play|comic|short story|story|life|events|memoir)))\b|(?i:\bbased on\b)\s+[A-Z]"
        ),
        ("source", "based", "adaptation"),
    ),
    (
        re.compile(
            r"(?i:\b(?:critically acclaimed|acclaimed|praised|hailed|lauded|rave reviews|critics"
            r"|cult (?:classic|favou?rite)|fan favou?rite)\b)"
        ),
        ("reviews", "reception", "critic", "acclaim"),
    ),
    (
        re.compile(
            r"(?i:\b(?:box office|blockbusters?|best[- ]?sell(?:ing|ers?)|grossing|grossed)\b)"
        ),
        ("sales", "gross", "revenue", "box_office"),
    ),
]
_PLOT = re.compile(
    r"(?i:\b(?:tells? the story|the story of|follows|features? (?:a|an|two|three)\b|explores\b|exploring the\b|themes? of|cent(?:er|re)s? (?:on|around)"
    r"|revolves? around|takes? place|set (?:in|during|against|on)|about (?:a|an|two|three)\b"
    r"|in which|protagonist|heroine|hero's))"
)
_PLOT_WORDS = ("plot", "synopsis", "summary", "description", "overview", "story", "blurb")
_PERSON = re.compile(r"\bby\s+(?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3})")

_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound", "¥": "yen"}
_UNITS: dict[str, tuple[str, ...]] = {  # unit word -> words of an attribute measured in it
    "dollar": ("price", "cost", "msrp", "usd"),
    "euro": ("price", "cost", "eur"),
    "pound": ("price", "cost", "gbp"),
    "buck": ("price", "cost"),
    "star": ("rating", "stars", "score"),
    "page": ("pages", "page_count", "length"),
    "minute": ("runtime", "duration", "minutes", "length"),
    "hour": ("runtime", "duration", "hours", "length"),
}
_CUES: dict[str, tuple[str, ...]] = {  # word before a number -> attribute words
    "rated": ("rating", "score", "stars"),
    "priced": ("price", "cost"),
    "costs": ("price", "cost"),
    "cost": ("price", "cost"),
    "published": ("published", "year", "date"),
    "released": ("year", "release", "released", "date"),
    "runtime": ("runtime", "duration"),
}
_TIME_WORDS = ("year", "date", "published", "released", "release")
_AMOUNT = r"[$€£¥]?\d+(?:\.\d+)?"
_NUMBER = re.compile(
    rf"(?i:between)\s+(?P<from>{_AMOUNT})\s+and\s+(?P<to>{_AMOUNT})(?![\w.]*\d)"
    rf"|(?<![\w.])(?P<low>{_AMOUNT})(?:-|\s*[–—]\s*|\s+to\s+)(?P<high>{_AMOUNT})(?![\w.]*\d)"
    r"|\b(?P<century>1[5-9]|20)?(?P<decade>\d)0['’]?s\b"
    rf"|(?<![\w.])(?P<num>{_AMOUNT})(?![\w.]*\d)"
)
_COMPARE = [
    (re.compile(rf"\b(?:{words})(?:\s+the)?\W*$", re.I), op)
    for words, op in (
        ("before|pre|prior to|earlier than|older than", "<"),
        ("after|post|later than|newer than", ">"),
        ("under|below|less than|cheaper than|lower than|at most|up to|no more than|until", "<="),
        ("over|above|more than|at least|higher than|upwards of|since", ">="),
        ("around|about|roughly|approximately|nearly|almost|circa", "~"),
    )
]
_COMPARE_AFTER = [
    (re.compile(rf"^\W*(?:{words})\b", re.I), op)
    for words, op in (
        ("or later|or newer|and later|onwards?|or more|and up|or above|and above", ">="),
        ("or earlier|or older|and earlier|or less|or under|or below|and below", "<="),
    )
]
# "matches Thriller from 1995": the agent's evidence names the request's condition, not a date
_CONDITION = re.compile(r"(?i:\bmatch\w*\b[^,;.]*\bfrom)\s*$")
_CLAUSE_BREAK = re.compile(r"[,;:()—–.!?]")
_SENTENCE_END = re.compile(r"[.!?]+[\"”’')]*(?=\s|$)")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "vs", "jr", "sr", "no", "vol"})


def _attribute_words(spec: AttributeSpec) -> set[str]:
    words = {_stem(w) for w in spec.name.split("_") if w}
    words |= {_stem(w) for w in _words(spec.description)}
    return words
