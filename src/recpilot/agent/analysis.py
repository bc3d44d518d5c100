"""Deterministic, catalog-grounded reading of a request.

``analyze`` turns a message into a typed :class:`Request`: categorical values wanted and
unwanted (with synonyms such as funny → Comedy), year ranges ("80s", "before 1980", "between
1985 and 1989"), titles to be like or to avoid, session references ("the second one"),
counts, the ordering asked for, and questions about specific items. The rules brain plans
from it; validators check LLM plans against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from recpilot.agent.lexicon import (
    CONNECTORS,
    COUNT_NOUNS,
    DECADE_WORDS,
    DISLIKED,
    GENERIC,
    GENRE_SYNONYMS,
    LIKED,
    LOOKUP_START,
    NEGATIONS,
    NUMBER_WORDS,
    ORDINALS,
    SIMILAR_TRIGGERS,
    SPAN_END,
)
from recpilot.tools.resolve import TitleResolver


@dataclass
class Request:
    """What a message asks for, in catalog terms."""

    include: list[str] = field(default_factory=list)  # genre names, all required
    match: Literal["all", "any"] = "all"
    exclude: list[str] = field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    year_phrases: list[str] = field(default_factory=list)
    like: list[str] = field(default_factory=list)  # resolved seed item ids
    unwanted: list[str] = field(default_factory=list)  # item ids to avoid
    unresolved: list[str] = field(default_factory=list)  # names that matched no item
    liked: list[str] = field(default_factory=list)  # feedback stated in the message
    disliked: list[str] = field(default_factory=list)
    n: int | None = None
    mode: Literal["personal", "popular", "recent"] = "personal"
    about: str | None = None  # free-text topic for semantic retrieval
    lookup: list[str] = field(default_factory=list)  # item ids asked about
    question: str = ""

    @property
    def has_filters(self) -> bool:
        return bool(self.include or self.exclude or self.year_min or self.year_max)


@dataclass(frozen=True)
class Vocabulary:
    """What the catalog offers the parser: genre names and a title resolver."""

    genres: list[str]
    resolver: TitleResolver
    genre_attribute: str = "genres"
    year_attribute: str | None = "year"

    def synonyms(self) -> list[tuple[str, str]]:
        """(phrase, genre) pairs, longest phrase first, for genres in the catalog."""
        present = {g.lower(): g for g in self.genres}
        pairs = [(g.lower(), g) for g in self.genres]
        for genre, phrases in GENRE_SYNONYMS.items():
            if genre.lower() in present:
                pairs.extend((p, present[genre.lower()]) for p in phrases)
        return sorted(set(pairs), key=lambda pair: -len(pair[0]))


def analyze(message: str, vocab: Vocabulary, shown: list[str] | None = None) -> Request:
    """Read ``message``; ``shown`` is the previous turn's items, for "the second one"."""
    text = " " + re.sub(r"\s+", " ", message.lower().replace("’", "'")).strip() + " "
    req = Request()
    _lookup(text, vocab, req)
    if req.lookup:
        return req
    text = _titles(text, vocab, shown or [], req)
    _years(text, req)
    _genres(text, vocab, req)
    _count(text, req, vocab)
    if re.search(
        r"\b(?:popular|best[- ]known|most (?:watched|rated|popular)|hits?|blockbusters?|top[- ]rated|crowd[- ]pleasers?|classics)\b",
        text,
    ):
        req.mode = "popular"
    elif re.search(r"\b(?:recent|newest|latest|new releases?|newer)\b", text):
        req.mode = "recent"
    if m := re.search(
        r"\b(?:about|involving|featuring|set in|with a plot about) ([a-z][a-z '\-]{3,60}?)(?:[,.;!?]| but | and not | from | before | after |$)",
        text,
    ):
        topic = m.group(1).strip()
        if not any(phrase == topic for phrase, _ in vocab.synonyms()):
            req.about = topic
    return req


def _lookup(text: str, vocab: Vocabulary, req: Request) -> None:
    stripped = text.strip()
    if not LOOKUP_START.match(stripped) or "recommend" in stripped:
        return
    body = re.sub(
        r"^(?:when (?:was|did|is)|what (?:year|genres?|kind|type)(?: of \w+)? (?:is|was|did|does)|what (?:is|was)|which year (?:was|did)|tell me (?:more )?about|is|was|how old is|who (?:made|directed|is in|stars in))\s+",
        "",
        stripped,
    )
    body = re.sub(
        r"\s+(?:released|made|come out|came out|out|about|a \w+( movie| film)?|an? \w+|from)?\s*\??$",
        "",
        body,
    )
    for candidate in (body, re.sub(r"\?$", "", body)):
        res = vocab.resolver.resolve(candidate)
        if res.status == "resolved" and res.item_id:
            req.lookup.append(res.item_id)
            req.question = stripped
            return
    hits = vocab.resolver.find_mentions(stripped)
    if hits:
        req.lookup.extend(item_id for item_id, _ in hits[:3])
        req.question = stripped


def _titles(text: str, vocab: Vocabulary, shown: list[str], req: Request) -> str:
    """Pull out "like X" seeds, "not X" exclusions, ordinal references and feedback; return
    the text with those spans blanked so their words don't read as genres."""
    for m in re.finditer(
        rf"\b(?:the )?({'|'.join(ORDINALS)}) (?:one|movie|film|item|pick|suggestion)\b", text
    ):
        if not shown:
            continue
        pos = ORDINALS[m.group(1)]
        if pos >= len(shown):
            continue
        item = shown[pos]
        before = text[: m.start()]
        if DISLIKED.search(before[-40:]) or re.search(rf"{NEGATIONS}\W+(?:\w+\W+)?$", before[-25:]):
            req.disliked.append(item)
        else:
            if LIKED.search(before[-40:]):
                req.liked.append(item)
            req.like.append(item)
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]

    for pattern, target in (
        (rf"\b{SIMILAR_TRIGGERS} ", "like"),
        (
            rf"\b{NEGATIONS} (?:anything |something |movies? |films? )?(?:like |similar to )?",
            "unwanted",
        ),
        (LIKED.pattern + " ", "liked"),
        (DISLIKED.pattern + " ", "disliked"),
    ):
        genre_phrases = {phrase for phrase, _ in vocab.synonyms()}
        for m in list(re.finditer(pattern, text)):
            start = m.end()
            while True:
                span_text = text[start:]
                if _starts_with_genre(span_text, genre_phrases):
                    break
                item_id, length = _longest_title(span_text, vocab)
                if item_id is None:
                    if target == "like" and length:
                        req.unresolved.append(span_text[:length].strip())
                    break
                _file(req, target, item_id)
                end = start + length
                text = text[:start] + " " * (end - start) + text[end:]
                # "like Blade Runner or Alien": the trigger carries over a list of titles.
                more = re.match(r"\s*(?:,|or|and|,? or|,? and)\s+", text[end:])
                if not more:
                    break
                start = end + more.end()
    for quoted in re.findall(r"[\"“]([^\"”]{2,80})[\"”]", text):
        res = vocab.resolver.resolve(quoted)
        if res.status == "resolved" and res.item_id and res.item_id not in req.like + req.unwanted:
            req.like.append(res.item_id)
        elif res.status != "resolved":
            req.unresolved.append(quoted)
    return text


def _file(req: Request, target: str, item_id: str) -> None:
    bucket = {
        "like": req.like,
        "unwanted": req.unwanted,
        "liked": req.liked,
        "disliked": req.disliked,
    }[target]
    if item_id not in bucket:
        bucket.append(item_id)
    if target == "liked" and item_id not in req.like:
        req.like.append(item_id)
    if target == "disliked" and item_id not in req.unwanted:
        req.unwanted.append(item_id)


def _starts_with_genre(span: str, phrases: set[str]) -> bool:
    words = re.findall(r"[\w'-]+", span.lower())[:3]
    return any(" ".join(words[:n]) in phrases for n in range(1, len(words) + 1))


def _longest_title(span: str, vocab: Vocabulary) -> tuple[str | None, int]:
    """The longest prefix of ``span`` (cut at a phrase boundary) that names a catalog title:
    (item id or None, length of the span examined)."""
    end = SPAN_END.search(span)
    phrase = span[: end.start()] if end else span
    words = phrase.split()
    # Exact titles first (so "blade runner or alien" yields Blade Runner, then Alien), then
    # fuzzy ones ("jurassic prak").
    for exact in (True, False):
        for size in range(min(len(words), 10), 0, -1):
            candidate = " ".join(words[:size])
            if (
                (size == 1 and len(candidate) < 3)
                or words[size - 1] in CONNECTORS
                or words[0] in GENERIC
            ):
                continue
            res = vocab.resolver.resolve(candidate)
            if (
                res.status == "resolved"
                and res.item_id is not None
                and (res.score >= 1.0 or not exact)
            ):
                length = _prefix_length(span, words[:size])
                return res.item_id, length
    return None, len(phrase) if len(words) >= 1 and _looks_like_title(phrase) else 0


def _prefix_length(span: str, words: list[str]) -> int:
    pos = 0
    for word in words:
        pos = span.index(word, pos) + len(word)
    return pos


def _looks_like_title(phrase: str) -> bool:
    words = phrase.split()
    generic = {
        "that",
        "this",
        "it",
        "them",
        "those",
        "these",
        "something",
        "anything",
        "one",
        "ones",
    }
    return (
        0 < len(words) <= 6
        and not set(words) <= generic
        and not any(
            w in {"funny", "scary", "good", "great", "fun", "movies", "films"} for w in words[:1]
        )
    )


def _years(text: str, req: Request) -> None:
    def bound(low: int | None, high: int | None, phrase: str) -> None:
        if low is not None:
            req.year_min = low if req.year_min is None else max(req.year_min, low)
        if high is not None:
            req.year_max = high if req.year_max is None else min(req.year_max, high)
        req.year_phrases.append(phrase.strip())

    y = r"((?:19|20)\d\d)"
    consumed = text
    rules: list[tuple[str, object]] = [
        (
            rf"\b(?:between|from) {y} (?:and|to|-|until|through) {y}\b",
            lambda m: (int(m[1]), int(m[2])),
        ),
        (rf"\b{y} ?(?:-|–|to) ?{y}\b", lambda m: (int(m[1]), int(m[2]))),
        (
            rf"\b(?:nothing|no(?:thing)? (?:movies? |films? )?(?:made |released )?) ?(?:before|older than|earlier than|prior to) {y}\b",
            lambda m: (int(m[1]), None),
        ),
        (
            rf"\b(?:nothing|no(?:thing)? (?:movies? |films? )?(?:made |released )?) ?(?:after|newer than|later than|since) {y}\b",
            lambda m: (None, int(m[1])),
        ),
        (
            rf"\b(?:before|older than|earlier than|prior to|pre-?) ?{y}\b",
            lambda m: (None, int(m[1]) - 1),
        ),
        (rf"\b(?:after|newer than|later than|post-?) ?{y}\b", lambda m: (int(m[1]) + 1, None)),
        (
            rf"\b(?:since|starting(?: from| in)?|not older than|no older than) {y}(?: on(?:wards?)?| or later)?\b",
            lambda m: (int(m[1]), None),
        ),
        (
            rf"\b(?:from|in) {y} (?:on(?:wards?)?|or later|and later|and after)\b",
            lambda m: (int(m[1]), None),
        ),
        (rf"\b(?:until|up to|through|no later than|by) {y}\b", lambda m: (None, int(m[1]))),
        (rf"\b(?:the )?(?:early|mid|late)[- ](?:(?:19)?(\d)0s|({'|'.join(DECADE_WORDS)}))\b", None),
        (
            r"\b(?:the )?(?:19)?([2-9])0'?s\b",
            lambda m: (1900 + int(m[1]) * 10, 1900 + int(m[1]) * 10 + 9),
        ),
        (
            rf"\b(?:the )?({'|'.join(DECADE_WORDS)})\b",
            lambda m: (DECADE_WORDS[m[1]], DECADE_WORDS[m[1]] + 9),
        ),
        (rf"\b(?:in|from) {y}\b", lambda m: (int(m[1]), int(m[1]))),
    ]
    for pattern, fn in rules:
        for m in re.finditer(pattern, consumed):
            if fn is None:
                part = re.search(r"(early|mid|late)", m[0])
                base = 1900 + int(m[1]) * 10 if m[1] else DECADE_WORDS[m[2]]
                low, high = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}[
                    part[1] if part else "mid"
                ]
                bound(base + low, base + high, m[0])
            else:
                low_high = fn(m)  # type: ignore[operator]
                bound(low_high[0], low_high[1], m[0])
            consumed = consumed[: m.start()] + " " * (m.end() - m.start()) + consumed[m.end() :]


def _genres(text: str, vocab: Vocabulary, req: Request) -> None:
    taken = text
    found: list[tuple[int, str, bool]] = []
    for phrase, genre in vocab.synonyms():
        for m in re.finditer(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", taken):
            before = taken[max(0, m.start() - 30) : m.start()]
            negated = bool(re.search(rf"\b{NEGATIONS}\b(?: +[\w'-]+){{0,2}} *$", before))
            found.append((m.start(), genre, negated))
            taken = taken[: m.start()] + " " * (m.end() - m.start()) + taken[m.end() :]
    found.sort()
    for k, (pos, genre, negated) in enumerate(found):
        # "no horror or gore": a negation carries across "or" / "and" / "," to the next genre.
        if not negated and k > 0 and found[k - 1][2]:
            between = text[found[k - 1][0] : pos]
            # Only a bare connector carries it: "no horror or gore", not "no drama, just action".
            if re.fullmatch(
                r"[\w'-]+\s*(?:,|/|or|and|nor|, or|, and)\s*(?:or |nor )?", between.strip() + " "
            ):
                negated = True
        target = req.exclude if negated else req.include
        if genre not in target:
            target.append(genre)
    req.include = [g for g in req.include if g not in req.exclude]
    pos_genres = [p for p, _, neg in found if not neg]
    if len(pos_genres) >= 2 and re.search(
        r"\b(?:or|either)\b", text[min(pos_genres) : max(pos_genres)]
    ):
        req.match = "any"


def _count(text: str, req: Request, vocab: Vocabulary) -> None:
    nouns = "(?:" + COUNT_NOUNS + "|" + "|".join(re.escape(p) for p, _ in vocab.synonyms()) + ")"
    if m := re.search(rf"\b(\d{{1,2}}) (?:[\w'-]+ ){{0,3}}?{nouns}\b", text):
        req.n = int(m[1])
    elif m := re.search(rf"\b({'|'.join(NUMBER_WORDS)}) (?:[\w'-]+ ){{0,3}}?{nouns}\b", text):
        req.n = NUMBER_WORDS[m[1]]
    elif m := re.search(r"\b(?:top|give me|show me) (\d{1,2})\b", text):
        req.n = int(m[1])
    if req.n is not None:
        req.n = max(1, min(req.n, 20))
