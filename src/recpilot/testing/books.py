"""A planted bookshop: ~900 books in four languages with readers who have known tastes.

The files are what a bookshop would export: ``books.csv`` (``book_id, title, author,
category, language, format, price, pages, published, blurb``; a book may sit in two
categories, joined with ``|``) and ``reads.csv`` (``reader, book_id, stars, read_at`` with ISO
dates). None of the attribute names is a MovieLens one.

Planted structure: every reader belongs to one *segment* (two or three related categories,
e.g. Mystery + Thriller) and reads 80% inside it, in English and, for a third of the readers,
also in one other language; within a category, books are drawn by a Zipf popularity. Stars
are high inside the segment and low outside it, and ``read_at`` increases along each reader's
history. :class:`BooksTruth` exposes the segments and popularity so tests can assert them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from .words import (
    AUTHOR_NAMES,
    BLURB_HOOKS,
    BLURB_OPENINGS,
    ENGLISH_TITLES,
    LANGUAGE_TITLES,
    TitlePools,
    fill,
)

CATEGORIES = (
    "Mystery", "Thriller", "Science Fiction", "Fantasy", "Romance", "Horror",
    "Literary Fiction", "Historical Fiction", "Poetry", "Travel", "History", "Biography",
    "Cooking", "Science", "Self-Help", "Children's",
)  # fmt: skip
LANGUAGES = ("English", "French", "Spanish", "German")
LANGUAGE_SHARE = (0.58, 0.14, 0.14, 0.14)
FORMATS = ("Paperback", "Hardcover", "Ebook")
# Second category a book of the first may also carry.
COMPANIONS: dict[str, tuple[str, ...]] = {
    "Mystery": ("Thriller", "Historical Fiction"),
    "Thriller": ("Mystery", "Science Fiction", "Horror"),
    "Science Fiction": ("Thriller", "Fantasy"),
    "Fantasy": ("Children's", "Romance"),
    "Romance": ("Historical Fiction", "Literary Fiction"),
    "Horror": ("Thriller", "Fantasy"),
    "Literary Fiction": ("Historical Fiction", "Romance"),
    "Historical Fiction": ("Romance", "Mystery"),
    "Poetry": ("Literary Fiction",),
    "Travel": ("History", "Cooking"),
    "History": ("Biography", "Travel"),
    "Biography": ("History",),
    "Cooking": ("Travel",),
    "Science": ("History", "Self-Help"),
    "Self-Help": ("Science",),
    "Children's": ("Fantasy",),
}
PAGES: dict[str, tuple[int, int]] = {
    "Poetry": (48, 160),
    "Children's": (24, 140),
    "Fantasy": (320, 900),
    "Cooking": (120, 360),
    "Self-Help": (140, 320),
    "Travel": (160, 420),
    "History": (280, 760),
    "Biography": (260, 640),
}
DEFAULT_PAGES = (180, 520)
SEGMENTS = (
    ("Mystery", "Thriller"),
    ("Science Fiction", "Fantasy"),
    ("Romance", "Historical Fiction"),
    ("Literary Fiction", "Poetry"),
    ("History", "Biography"),
    ("Travel", "Cooking"),
    ("Science", "Self-Help"),
    ("Children's", "Fantasy"),
    ("Horror", "Thriller"),
)
START = datetime(2019, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Author:
    name: str
    language: str
    categories: tuple[str, ...]
    first_year: int
    last_year: int


@dataclass(frozen=True)
class BooksTruth:
    """The books, the reads and the planted structure behind them."""

    books: list[dict[str, object]]
    reads: list[dict[str, object]]
    reader_segment: dict[str, tuple[str, ...]]
    """Reader id → the categories they mostly read."""
    reader_languages: dict[str, tuple[str, ...]]
    popularity: dict[str, float]
    """Book id → planted popularity weight."""


def _authors(rng: np.random.Generator) -> list[Author]:
    authors = []
    for language in LANGUAGES:
        names = AUTHOR_NAMES[language]
        for k, name in enumerate(names):
            main = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
            if language != "English" and main == "Children's" and k % 2:
                main = "Literary Fiction"
            cats: tuple[str, ...] = (main,)
            if rng.random() < 0.35:
                cats = (main, COMPANIONS[main][int(rng.integers(len(COMPANIONS[main])))])
            start = int(rng.choice([1905, 1925, 1948, 1962, 1975, 1985, 1995, 2003, 2010]))
            start += int(rng.integers(0, 8))
            authors.append(Author(name, language, cats, start, min(start + 35, 2024)))
    return authors


def _price(rng: np.random.Generator, fmt: str, category: str) -> float:
    low, high = {"Paperback": (6, 19), "Hardcover": (18, 46), "Ebook": (2, 13)}[fmt]
    if category == "Children's":
        low, high = max(low - 3, 2), max(high - 8, low + 3)
    dollars = int(rng.integers(low, high + 1))
    return float(dollars) + float(rng.choice([0.0, 0.5, 0.99, 0.99]))


def _title(rng: np.random.Generator, author: Author, category: str, taken: set[str]) -> str:
    pools: TitlePools = (
        ENGLISH_TITLES[category]
        if author.language == "English"
        else LANGUAGE_TITLES[author.language]
    )
    for _ in range(200):
        title = fill(rng, pools)
        if title not in taken:
            taken.add(title)
            return title
    raise RuntimeError(f"title pool for {category}/{author.language} is exhausted")


def _blurb(rng: np.random.Generator, category: str, second: str | None) -> str:
    opening = BLURB_OPENINGS[int(rng.integers(len(BLURB_OPENINGS)))]
    hooks = BLURB_HOOKS[category]
    text = f"{opening} {hooks[int(rng.integers(len(hooks)))]}"
    if second is not None:
        extra = BLURB_HOOKS[second]
        text += f" {extra[int(rng.integers(len(extra)))]}"
    return text


def generate_books(n_books: int = 900, n_readers: int = 600, seed: int = 11) -> BooksTruth:
    """The planted bookshop. Same ``seed``, same books and reads, byte for byte."""
    rng = np.random.default_rng(seed)
    authors = _authors(rng)
    by_language = {lang: [a for a in authors if a.language == lang] for lang in LANGUAGES}
    books: list[dict[str, object]] = []
    taken: set[str] = set()
    for k in range(n_books):
        language = LANGUAGES[int(rng.choice(len(LANGUAGES), p=LANGUAGE_SHARE))]
        pool = by_language[language]
        author = pool[int(rng.integers(len(pool)))]
        main = author.categories[int(rng.integers(len(author.categories)))]
        second = None
        if rng.random() < 0.25:
            second = COMPANIONS[main][int(rng.integers(len(COMPANIONS[main])))]
        fmt = FORMATS[int(rng.choice(3, p=(0.55, 0.3, 0.15)))]
        low, high = PAGES.get(main, DEFAULT_PAGES)
        books.append(
            {
                "book_id": f"bk{k + 1:04d}",
                "title": _title(rng, author, main, taken),
                "author": author.name,
                "category": main if second is None else f"{main}|{second}",
                "language": language,
                "format": fmt,
                "price": _price(rng, fmt, main),
                "pages": int(rng.integers(low, high + 1)),
                "published": int(rng.integers(author.first_year, author.last_year + 1)),
                "blurb": _blurb(rng, main, second),
            }
        )
    popularity = {
        str(b["book_id"]): float(1.0 / (1 + rank) ** 0.9)
        for rank, b in zip(rng.permutation(n_books), books, strict=True)
    }
    reads, segments, languages = _reads(rng, books, popularity, n_readers)
    return BooksTruth(books, reads, segments, languages, popularity)


def _reads(
    rng: np.random.Generator,
    books: list[dict[str, object]],
    popularity: dict[str, float],
    n_readers: int,
) -> tuple[list[dict[str, object]], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    ids = [str(b["book_id"]) for b in books]
    cats = [set(str(b["category"]).split("|")) for b in books]
    langs = [str(b["language"]) for b in books]
    weights = np.array([popularity[i] for i in ids])
    reads: list[dict[str, object]] = []
    segments: dict[str, tuple[str, ...]] = {}
    reader_langs: dict[str, tuple[str, ...]] = {}
    for u in range(n_readers):
        reader = f"r{u + 1:04d}"
        segment = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
        spoken: tuple[str, ...] = ("English",)
        if rng.random() < 0.35:
            spoken = ("English", LANGUAGES[1 + int(rng.integers(3))])
        segments[reader], reader_langs[reader] = segment, spoken
        inside = np.array(
            [bool(c & set(segment)) and lang in spoken for c, lang in zip(cats, langs, strict=True)]
        )
        n = int(rng.integers(15, 50))
        n_in = min(round(0.8 * n), int(inside.sum()))
        chosen = list(_draw(rng, weights, inside, n_in))
        chosen += list(_draw(rng, weights, ~inside, n - n_in, exclude=set(chosen)))
        order = rng.permutation(len(chosen))
        when = START + timedelta(days=int(rng.integers(0, 900)))
        for j in order:
            b = int(chosen[j])
            liked = bool(inside[b])
            stars = int(rng.integers(4, 6)) if liked else int(rng.integers(1, 4))
            when += timedelta(days=int(rng.integers(1, 20)), minutes=int(rng.integers(0, 1440)))
            reads.append(
                {"reader": reader, "book_id": ids[b], "stars": stars, "read_at": when.isoformat()}
            )
    return reads, segments, reader_langs


def _draw(
    rng: np.random.Generator,
    weights: np.ndarray,
    mask: np.ndarray,
    n: int,
    exclude: set[int] | None = None,
) -> np.ndarray:
    candidates = np.flatnonzero(mask)
    if exclude:
        candidates = np.array([c for c in candidates if int(c) not in exclude], dtype=np.int64)
    n = min(n, len(candidates))
    if n <= 0:
        return np.array([], dtype=np.int64)
    p = weights[candidates] / weights[candidates].sum()
    return rng.choice(candidates, size=n, replace=False, p=p)
