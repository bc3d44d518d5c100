"""The words the rules reader knows.

Domain words are data: :class:`Lexicon` loads ``data/lexicon.json`` (value synonyms in
several languages, decades, item nouns, filler words) plus an optional
``<catalog>.lexicon.json`` beside a catalog. What stays here is English request grammar:
numbers, ordinals, negation, comparison words and the phrases that introduce or end a title.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from recpilot.errors import CatalogError


@dataclass(frozen=True)
class Lexicon:
    values: dict[str, tuple[str, ...]]  # lower-case catalog value -> phrases naming it
    negators_before: tuple[str, ...]
    negators_after: tuple[str, ...]
    decades: dict[str, int]
    item_nouns: frozenset[str]
    filler: frozenset[str]
    unsupported: frozenset[str]  # words asking for what catalogs rarely hold (director, runtime)
    # phrases asking for variety or less mainstream picks -> a diversity setting in [0, 1]
    diversity: dict[str, float] = field(default_factory=dict)

    @cached_property
    def diversity_pattern(self) -> re.Pattern[str] | None:
        """The diversity phrases, longest first, as whole words (None when there are none)."""
        if not self.diversity:
            return None
        phrases = sorted(self.diversity, key=len, reverse=True)
        return re.compile(r"(?<![\w'-])(?:" + "|".join(map(re.escape, phrases)) + r")(?![\w'-])")

    @classmethod
    def load(cls, extra: Path | None = None) -> Lexicon:
        """The shipped lexicon, extended by ``extra`` (a catalog's own file) when it exists."""
        text = resources.files("recpilot.agent").joinpath("data/lexicon.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        if extra is not None and extra.exists():
            try:
                more = json.loads(extra.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CatalogError(f"{extra} is not valid JSON ({exc}); fix or remove it") from None
            for key, value in more.items():
                if isinstance(value, dict):
                    data[key] = {**data.get(key, {}), **value}
                elif isinstance(value, list):
                    data[key] = [*data.get(key, []), *value]
        return cls(
            values={k.lower(): tuple(p.lower() for p in v) for k, v in data["values"].items()},
            negators_before=tuple(data.get("negators_before", [])),
            negators_after=tuple(data.get("negators_after", [])),
            decades={k.lower(): int(v) for k, v in data.get("decades", {}).items()},
            item_nouns=frozenset(w.lower() for w in data.get("item_nouns", [])),
            filler=frozenset(w.lower() for w in data.get("filler", [])),
            unsupported=frozenset(w.lower() for w in data.get("unsupported", [])),
            diversity=_settings(data.get("diversity", {})),
        )


def _settings(raw: dict[str, Any]) -> dict[str, float]:
    """The lexicon's diversity phrases, each with a setting in [0, 1] (CatalogError else)."""
    out: dict[str, float] = {}
    for phrase, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise CatalogError(f"lexicon diversity {phrase!r}: {value!r} is not a number in [0, 1]")
        out[phrase.lower()] = float(value)
    return out


NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a dozen": 12, "a couple of": 2, "a few": 3,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "deux": 2, "trois": 3, "quatre": 4,
    "cinq": 5, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "half a dozen": 6,
    "une dizaine de": 10, "une douzaine de": 12, "una docena de": 12, "media docena de": 6,
    "ein dutzend": 12, "ein halbes dutzend": 6, "diez": 10, "dix": 10, "zehn": 10,
}  # fmt: skip
ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3,
    "4th": 3, "fifth": 4, "5th": 4, "last": -1, "top": 0,
}  # fmt: skip

# Negation before a value: "no horror", "I can't stand horror", "not a fan of westerns".
NEGATOR_WORDS = (
    r"anything but|anything except|everything but|all but|but not|rather than|instead of|"
    r"other than|no more|neither|nor|no|not|non|without|nothing|none|zero|except|excluding|"
    r"exclude|"
    r"avoid(?:ing)?|skip(?:ping)?|drop|ditch|ban|nix|minus|never|hate|hates|hated|detest|"
    r"loathe|despise|dislike|dislikes|can't stand|cannot stand|can not stand|can't bear|"
    r"can't take|can't handle|can't deal with|can't do|don't|dont|do not|doesn't|won't|"
    r"wouldn't|would not|will not|isn't|aren't|is not|are not|refuse to|no way|spare me|"
    r"stay away from|steer clear of|keep away from|away from|sick of|tired of|fed up with|"
    r"done with|bored of|bored with|had enough of|enough of|enough with|allergic to|"
    r"i'm (?:so )?over|i am (?:so )?over|"
    r"forget|not into|not a fan of|not in the mood for|no interest in|keep|leave out"
)
NEGATORS = f"(?:{NEGATOR_WORDS})"
# Phrases that look negative but are not: "I don't mind horror", "nothing but comedies".
NOT_NEGATION = re.compile(
    r"(?:don't|do not|wouldn't|would not) mind|not only|no matter|nothing but|"
    r"never (?:seen|watched|read|tried)|haven't (?:seen|watched|read|tried)|can't get enough|"
    r"cannot get enough|can't wait|not sure|no problem with|not against|can't stop"
)
# Negation after a value: "horror is not my thing", "romance? no thanks".
_NOT_FOR_ME = (
    r"(?:my (?:thing|cup of tea|jam|style|genre|scene|taste)|for me|to my taste|an option|"
    r"welcome|allowed|wanted|ok|okay|something i (?:like|enjoy|want))"
)
NEGATION_AFTER = re.compile(
    r"^[\s?!,:;-]*(?:(?:movies?|films?|books?|novels?|stuff|ones|things|products?|genre|"
    r"stories|items)\s+)?(?:,\s*)?(?:"
    rf"(?:(?:is|are|'s|'re|feels|seems)\s+)?(?:really |just |definitely |totally |absolutely |"
    rf"so |simply |honestly )?not (?:really )?{_NOT_FOR_ME}|"
    rf"(?:isn't|aren't|ain't) (?:really )?{_NOT_FOR_ME}|"
    r"(?:(?:is|are|'s|'re)\s+)?(?:just |really |totally |simply )?(?:"
    r"(?:a )?no[- ]go|off (?:the table|limits)|out of the question|a hard no|banned|forbidden|"
    r"to be avoided|boring|bores? me|(?:gives?|give) me (?:nightmares|the creeps)|"
    r"makes? me (?:sick|cringe)|i (?:really )?(?:can't|cannot) stand|"
    r"i (?:really )?(?:hate|dislike|despise|detest|loathe)|no thanks|no thank you|nope|"
    r"please no|not please|need not apply|over for me|i'm done with|i am done with|"
    r"(?:stays?|kept|keep it|keep them) (?:away|out)))"
)
KEEP_AWAY = re.compile(r"^\s*(?:away|out)\b")

# Comparison words for numeric limits ("under 12 dollars", "at least 300 pages").
AT_MOST = (
    r"(?:under|below|less than|cheaper than|at most|max(?:imum)?|up to|no more than|not more "
    r"than|not over|no higher than|lower than|fewer than|shorter than|<=?|≤|menos de|moins de|"
    r"no más de|no mas de|pas plus de|nicht mehr als|höchstens|hochstens|unter|bis|"
    r"weniger als|au maximum|até|no máximo|abaixo de|al massimo|massimo|"
    r"fino a|meno di|sotto(?: i| gli| le)?)"
)
AT_LEAST = (
    r"(?:over|above|more than|at least|min(?:imum)?|greater than|higher than|no less than|"
    r"not less than|longer than|>=?|≥|más de|mas de|plus de|über|mindestens|au moins|"
    r"al menos|pelo menos|mais de|almeno|più di|piu di)"
)

# A lasting taste stated before a value: "I love anything by Kubrick", "I'm a big fan of
# westerns". The value is asked for now and preferred later (a soft boost, kept by memory).
LOVES = re.compile(
    r"\bi(?:'m| am)? (?:really |just |absolutely |totally )?(?:love|adore|am a (?:big |huge )?fan of|"
    r"a (?:big |huge )?fan of|always enjoy|can't get enough of|never tire of)\b"
    r"((?:\s+[^\W\d_][\w'-]*){0,3})\s*$"
)

# Spelled-out English numbers, for limits written in words ("under twenty bucks", "less
# than a hundred pages", "before nineteen seventy").
UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000}
YEAR_CUES = (
    r"(?:before|after|since|until|till|prior to|earlier than|later than|older than|newer than)"
)

# Comparisons that exclude the number itself ("under 12 dollars": 12.00 is not under 12).
STRICT = re.compile(
    r"\b(?:under|below|less than|cheaper than|lower than|fewer than|shorter than|over|above|"
    r"more than|greater than|higher than|longer than|unter|über|menos de|moins de|meno di|"
    r"sotto|weniger als|abaixo de|(?<!pas )(?<!no )(?<!não )(?<!non )(?<!nicht )"
    r"(?:más de|mas de|plus de|più di|piu di|mais de|mehr als))\b|[<>](?!=)"
)

COUNT_NOUNS = (
    r"(?:movies|movie|films|film|items|titles|picks|recommendations|suggestions|options|ones|"
    r"things|shows|books|book|novels|novel|products|product|reads|películas|peliculas|libros|"
    r"livres|filme|bücher)"
)
SIMILAR_TRIGGERS = (
    r"(?:more |something |anything |films? |movies? |books? |stuff |titles? )?(?:like|similar to|"
    r"such as|in the (?:style|vein|spirit) of|reminiscent of|along the lines of|same vibe as|"
    r"in the same vein as|fans? of|if i (?:liked|loved|enjoyed)|comparable to|resembling|"
    r"parecid[oa]s? a|similaires? à|ähnlich wie)"
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
POPULAR = re.compile(
    r"\b(?:popular|best[- ]known|most (?:watched|rated|popular)|hits?|blockbusters?|"
    r"top[- ]rated|crowd[- ]pleasers?|classics|well[- ]known|famous)\b"
)
RECENT = re.compile(r"\b(?:recent|newest|latest|new releases?|newer)\b")
TOPIC = re.compile(
    r"\b(?:about|involving|featuring|set in|with a plot about|sobre|à propos de|über) "
    r"([^\W\d_][\w '\-]{3,60}?)(?:[,.;!?]| but | and not | from | before | after |$)"
)
