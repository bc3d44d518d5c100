"""Words: tokens, stems and the small word lists the fact check reads text with."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------- words
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARTICLES = frozenset({"the", "a", "an", "la", "le", "les", "il", "el", "das", "der", "die"})
_NEGATIONS = _wordset(
    "no not non without never nothing none nor avoid avoids avoiding except instead "
    "rather skip skipping free isnt arent dont doesnt wont cant cannot neither lacks"
)
# Words that look like a derived form of a common value but are praise, not a claim.
_NOT_DERIVED = frozenset({"fantastic", "fantastically", "music", "classic", "classical"})
_SUFFIXES = _wordset("e y s al ic ical tic ed ion ation ce ous ious") | {""}
_STOP = _wordset(
    "a an the and or but of to in on at for with from by as is are was were be been it "
    "its this that these those you your youll youre we our they their them he she his her "
    "i my me so if than then who whom which what when where while how all any some more "
    "most very just also too into about over after before will would can could should may "
    "might has have had do does did not no one ones each both such only own same other "
    "out up"
)
_CAPITALISED_WORDS = _wordset(  # capitalised mid-sentence without naming anything
    "i ive im ill id ok tv dvd monday tuesday wednesday thursday friday saturday sunday "
    "january february march april may june july august september october november "
    "december christmas halloween easter"
)


def _norm(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace("'", "")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _same_word(text_word: str, value_word: str) -> bool:
    """Equal up to a plural, or a derived form ("romantic" ~ "romance", "animated" ~
    "animation"): a shared stem of five letters or more and known endings after it."""
    a, b = _stem(text_word), _stem(value_word)
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or text_word in _NOT_DERIVED:
        return False
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 5 and a[n:] in _SUFFIXES and b[n:] in _SUFFIXES


def _words(text: str) -> tuple[str, ...]:
    return tuple(
        w for w in (_norm(m.group()) for m in _TOKEN.finditer(text.replace("&", " and "))) if w
    )


@dataclass(frozen=True)
class _Token:
    norm: str
    raw: str
    start: int
    end: int

    @property
    def capitalised(self) -> bool:
        return self.raw[:1].isupper() or self.raw[:1].isdigit()


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        norm = _norm(m.group())
        if norm:
            out.append(_Token(norm, m.group(), m.start(), m.end()))
    return out
