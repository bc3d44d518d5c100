"""Catalog-grounded title resolution.

A name the user or the LLM wrote is matched against catalog titles. A good match resolves to
one item; several equally good matches are *ambiguous* and list the options; nothing above
the threshold is *unresolved* and reported back — never silently mapped to a random item.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

_ARTICLE_SUFFIX = re.compile(r"^(?P<body>.*), (?P<article>the|a|an|la|le|les|il|el|das|der|die)$")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_YEAR_SUFFIX = re.compile(r"\s*\((?:\d{4})\)\s*$")
FUZZY_POOL = 100  # most titles one fuzzy lookup compares (a million-title catalog)
_STOP = frozenset(
    {"the", "a", "an", "of", "and", "la", "le", "les", "il", "el", "das", "der", "die"}
)


def normalize_title(title: str) -> str:
    """Lower-case, article moved back to the front ("Godfather, The" → "the godfather"),
    punctuation and a trailing "(1995)" removed."""
    text = _YEAR_SUFFIX.sub("", title.strip().lower())
    text = text.replace("&", " and ")
    if m := _ARTICLE_SUFFIX.match(text):
        text = f"{m['article']} {m['body']}"
    return _NON_WORD.sub(" ", text).strip()


def _key(title: str) -> str:
    """Normalised title without articles, for matching."""
    return " ".join(w for w in normalize_title(title).split() if w not in _STOP)


def display_title(title: str) -> str:
    """Human form of a catalog title: "Godfather, The" → "The Godfather"."""
    m = _ARTICLE_SUFFIX.match(title.strip().lower())
    if not m:
        return title
    body = title.strip()[: len(m["body"])]
    article = title.strip()[len(m["body"]) + 2 :]
    return f"{article} {body}"


@dataclass(frozen=True)
class Resolution:
    query: str
    status: Literal["resolved", "ambiguous", "unresolved"]
    item_id: str | None = None
    options: tuple[str, ...] = ()  # item ids of the candidates when ambiguous
    score: float = 0.0


@dataclass
class TitleResolver:
    """Index of catalog titles for fuzzy, thresholded lookup."""

    titles: dict[str, str]  # item id -> catalog title
    threshold: float = 0.82
    popularity: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_key: dict[str, list[str]] = defaultdict(list)
        by_word: dict[str, list[int]] = defaultdict(list)
        self._ids = list(self.titles)
        self._keys = [_key(self.titles[item_id]) for item_id in self._ids]
        for position, (item_id, key) in enumerate(zip(self._ids, self._keys, strict=True)):
            self._by_key[key].append(item_id)
            for word in set(key.split()):
                by_word[word].append(position)
        self._by_word = {w: np.asarray(p, dtype=np.int64) for w, p in by_word.items()}
        self._key_rank = {key: rank for rank, key in enumerate(self._by_key)}  # first seen
        self._longest = max((len(k.split()) for k in self._by_key), default=0)
        self._pop = np.array([self.popularity.get(i, 0.0) for i in self._ids], dtype=np.float64)

    def resolve(self, name: str) -> Resolution:
        key = _key(name)
        if not key:
            return Resolution(name, "unresolved")
        exact = self._by_key.get(key, [])
        if len(exact) == 1:
            return Resolution(name, "resolved", exact[0], score=1.0)
        if len(exact) > 1:
            return self._pick(name, exact, 1.0)
        scored = self._fuzzy(key)
        if not scored or scored[0][1] < self.threshold:
            return Resolution(name, "unresolved", score=scored[0][1] if scored else 0.0)
        best = scored[0][1]
        close = [item_id for item_id, s in scored if s >= best - 0.02]
        return self._pick(name, close, best)

    def _pick(self, name: str, ids: list[str], score: float) -> Resolution:
        """Several titles match equally: the most popular wins when it clearly dominates
        (remakes and sequels nobody means), else the name is ambiguous."""
        if len(ids) == 1:
            return Resolution(name, "resolved", ids[0], score=score)
        ranked = sorted(ids, key=lambda i: -self.popularity.get(i, 0.0))
        first, second = (self.popularity.get(i, 0.0) for i in ranked[:2])
        if first >= 3 * max(second, 1.0):
            return Resolution(name, "resolved", ranked[0], tuple(ranked), score)
        return Resolution(name, "ambiguous", None, tuple(ranked[:5]), score)

    def _fuzzy(self, key: str) -> list[tuple[str, float]]:
        postings = [p for w in key.split() if (p := self._by_word.get(w)) is not None]
        if postings:
            shared = np.bincount(np.concatenate(postings), minlength=len(self._ids))
            pool = np.flatnonzero(shared)
            if len(pool) > FUZZY_POOL:
                # A word every title has ("part" in a big catalog): compare only the titles
                # sharing the most words with the name (ties: the most popular), found
                # with one partial sort.
                rank = shared[pool] + self._pop[pool] / (self._pop.max() + 1.0)
                best = np.argpartition(-rank, FUZZY_POOL - 1)[:FUZZY_POOL]
                pool = np.sort(pool[best])
        else:
            pool = np.arange(len(self._ids))
        scored = []
        for position in pool.tolist():
            item_id, candidate = self._ids[position], self._keys[position]
            ratio = difflib.SequenceMatcher(None, key, candidate).ratio()
            # A query that is a whole-word prefix of a longer title ("godfather" for
            # "godfather part ii") is a weaker match than the title itself.
            if candidate.startswith(key + " ") or candidate == key:
                ratio = max(ratio, 0.84)
            scored.append((item_id, ratio))
        scored.sort(key=lambda pair: (-pair[1], -self.popularity.get(pair[0], 0.0)))
        return scored[:10]

    def find_mentions(self, text: str, min_words: int = 1) -> list[tuple[str, str]]:
        """Catalog titles that appear verbatim (normalised, word-bounded) in ``text``:
        (item id, matched key), longest first, non-overlapping."""
        words = [w for w in normalize_title(text).split() if w not in _STOP]
        norm = " " + " ".join(words) + " "
        # Every run of words that is a title (dictionary lookups, not a scan of the titles).
        found = {
            key
            for start in range(len(words))
            for length in range(max(1, min_words), self._longest + 1)
            if start + length <= len(words)
            and (key := " ".join(words[start : start + length])) in self._by_key
            and len(key) >= 4
        }
        hits: list[tuple[str, str]] = []
        for key in sorted(found, key=lambda k: (-len(k), self._key_rank[k])):
            if f" {key} " in norm:
                ranked = sorted(self._by_key[key], key=lambda i: -self.popularity.get(i, 0.0))
                hits.append((ranked[0], key))
                norm = norm.replace(f" {key} ", " | ")
        return hits
