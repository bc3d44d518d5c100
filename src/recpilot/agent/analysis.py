"""The rules reader: a deterministic, catalog-grounded reading of a request.

``analyze`` turns a message into a typed :class:`Request` over the catalog's own attributes:
categorical values wanted and unwanted (any categorical attribute, its values named verbatim
or through the lexicon's synonyms), numeric ranges (the time-like attribute from year
phrases, any other numeric attribute from its unit words: "under 12 dollars", "at least 300
pages"), titles to be like or to avoid, session references ("the second one"), counts, the
ordering asked for, a free-text topic and questions about specific items.

It also says what it could *not* read: every content word no rule accounted for is listed in
``Request.unexplained``. The agent routes on that (an LLM reads what rules could not) and
the reply says what was not understood, instead of passing popular items off as an answer.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from recpilot.agent.lexicon import (
    AT_LEAST,
    AT_MOST,
    CONNECTORS,
    COUNT_NOUNS,
    DISLIKED,
    GENERIC,
    KEEP_AWAY,
    LIKED,
    LOOKUP_START,
    LOVES,
    NEGATION_AFTER,
    NEGATOR_WORDS,
    NEGATORS,
    NOT_NEGATION,
    NUMBER_WORDS,
    ORDINALS,
    POPULAR,
    RECENT,
    SCALES,
    SIMILAR_TRIGGERS,
    SPAN_END,
    STRICT,
    TENS,
    TOPIC,
    UNITS,
    YEAR_CUES,
    Lexicon,
)
from recpilot.catalog.profile import CatalogProfile, Role
from recpilot.tools.resolve import TitleResolver

Bounds = tuple[float | None, float | None]
_TOKEN = re.compile(r"[$€£]|[^\W_]+(?:['\-][^\W_]+)*")
_ELISION = re.compile(r"\b([dljmnst]|qu)'(?=[^\W\d_])")
_INTERJECTION = re.compile(r"^\s*(no|yes|nope|yeah|ok|okay)\b(?=[,.!]|\s+(?:i|we|please)\b)")
_LEFT_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?(?![\w])")  # a number no rule read
# Words that may follow a negation placed after its value ("horror, no thanks").
_COURTESY = r"(?:thanks|thank you|please|gracias|por favor|merci|danke|bitte|grazie)\b"
_GAP_STOP = frozenset(
    {"but", "just", "only", "because", "though", "although", "maybe", "prefer", "rather",
     "instead", "yet", "still", "mostly", "mainly", "and", "or"}
)  # fmt: skip


@dataclass
class Request:
    """What a message asks for, over the catalog's own attributes."""

    include: dict[str, list[str]] = field(default_factory=dict)  # attribute -> values wanted
    match: Literal["all", "any"] = "all"
    exclude: dict[str, list[str]] = field(default_factory=dict)  # attribute -> values ruled out
    ranges: dict[str, Bounds] = field(default_factory=dict)  # numeric attribute -> (min, max)
    limits: dict[str, Bounds] = field(default_factory=dict)  # standing: "nothing over $20"
    preferred: dict[str, list[str]] = field(default_factory=dict)  # standing: "I love X"
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
    unexplained: list[str] = field(default_factory=list)  # content words no rule read
    # Of those, the ones that ask for what the catalog does not hold: attribute words it has
    # no attribute for ("directed", "minutes") and names it has no value or title for.
    unsupported: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)  # typo -> the word read
    # "surprise me", "hidden gems": the diversity setting asked for (None: not stated)
    diversity: float | None = None

    @property
    def has_filters(self) -> bool:
        return bool(self.include or self.exclude or self.ranges)

    @property
    def understood_anything(self) -> bool:
        """Whether any constraint, title, topic or question was read."""
        return bool(
            self.has_filters
            or self.like
            or self.unwanted
            or self.about
            or self.lookup
            or self.liked
            or self.disliked
            or self.mode != "personal"
            or self.n is not None
            or self.diversity is not None
        )

    def add(self, target: dict[str, list[str]], attribute: str, value: str) -> None:
        values = target.setdefault(attribute, [])
        if value not in values:
            values.append(value)

    def add_all(self, target: dict[str, list[str]], values: dict[str, list[str]]) -> None:
        """Add every (attribute, value) of ``values`` to ``target`` (include or exclude)."""
        for attribute, listed in values.items():
            for value in listed:
                self.add(target, attribute, value)

    def bound(self, attribute: str, low: float | None, high: float | None) -> None:
        """Narrow the range of ``attribute`` (several phrases intersect)."""
        old_low, old_high = self.ranges.get(attribute, (None, None))
        if low is not None:
            old_low = low if old_low is None else max(old_low, low)
        if high is not None:
            old_high = high if old_high is None else min(old_high, high)
        self.ranges[attribute] = (old_low, old_high)


@dataclass(frozen=True)
class Vocabulary:
    """What the catalog offers the reader: its profile, a title resolver, the lexicon, and
    every phrase that names a categorical value (value names and their synonyms)."""

    profile: CatalogProfile
    resolver: TitleResolver
    lexicon: Lexicon
    phrases: dict[tuple[str, ...], list[tuple[str, str]]] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def build(
        cls, profile: CatalogProfile, resolver: TitleResolver, lexicon: Lexicon
    ) -> Vocabulary:
        phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}

        def add(phrase: str, attribute: str, value: str) -> None:
            key = tuple(_TOKEN.findall(phrase.lower()))
            if not key or (len(key) == 1 and len(key[0]) < 3):
                return
            for variant in {key, _unhyphenated(key)}:
                targets = phrases.setdefault(variant, [])
                if (attribute, value) not in targets:
                    targets.append((attribute, value))

        # The main category first, so a phrase naming values of several attributes files
        # under the category when it is included.
        ordered = sorted(profile.categorical, key=lambda a: a.role != Role.category)
        for spec in ordered:
            # A synonym that is a word of another value's own name is ambiguous there
            # ("historical" for History, when the catalog also has Historical Fiction).
            named = {w for v in spec.values if " " in v for w in v.lower().split()}
            for value in spec.values:
                low = value.lower()
                for form in _forms(low):
                    add(form, spec.name, value)
                for synonym in lexicon.values.get(low, ()):
                    if synonym not in named:
                        add(synonym, spec.name, value)
        longest = max((len(k) for k in phrases), default=1)
        return cls(profile, resolver, lexicon, phrases, longest)

    @cached_property
    def meta_words(self) -> frozenset[str]:
        """Words that name the catalog's attributes ("published", "pages", "author"): they
        frame a condition rather than state one."""
        words: set[str] = set()
        for spec in self.profile.attributes:
            for word in spec.name.split("_"):
                words |= _forms(word)
            words.update(spec.units)
        return frozenset(words)

    @cached_property
    def known_words(self) -> list[str]:
        """Single words that carry meaning, the targets of typo correction (not filler: a
        name misread as "thanks" would pass for read)."""
        words = {k[0] for k in self.phrases if len(k) == 1}
        words |= set(self.lexicon.decades) | self.lexicon.item_nouns
        return sorted(w for w in words if len(w) >= 4)

    def correction(self, word: str) -> str | None:
        """The known word ``word`` is a typo of (one close match), or None. A word of four
        letters is corrected only for one dropped letter ("blak" → "black")."""
        if len(word) == 4 and word.isalpha():
            dropped = [w for w in self.known_words if len(w) == 5 and _one_dropped(word, w)]
            return dropped[0] if len(dropped) == 1 else None
        if len(word) < 5 or not word.isalpha():
            return None
        # A typo changes a letter or two, not the length ("historical" is no "historia").
        candidates = [w for w in self.known_words if abs(len(w) - len(word)) <= 1]
        close = difflib.get_close_matches(word, candidates, n=2, cutoff=0.84)
        if len(close) == 1 or (len(close) == 2 and _ratio(word, close[0]) > _ratio(word, close[1])):
            return close[0]
        return None

    @cached_property
    def phrase_set(self) -> frozenset[str]:
        return frozenset(" ".join(k) for k in self.phrases)

    @cached_property
    def count_patterns(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """ "3 comedies", "three travel books": a number before an item noun or a value."""
        phrases = "|".join(re.escape(p) for p in sorted(self.phrase_set, key=len, reverse=True))
        nouns = f"(?:{COUNT_NOUNS}{'|' + phrases if phrases else ''})"
        words = "|".join(re.escape(w) for w in NUMBER_WORDS)
        return (
            re.compile(rf"\b(\d{{1,2}}) (?=(?:[\w'-]+ ){{0,3}}?{nouns}\b)"),
            re.compile(rf"\b({words}) (?=(?:[\w'-]+ ){{0,3}}?{nouns}\b)"),
        )


def _unhyphenated(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(word.replace("-", "") for word in key)


def _one_dropped(typo: str, word: str) -> bool:
    """Whether ``typo`` is ``word`` with one letter left out."""
    return any(word[:k] + word[k + 1 :] == typo for k in range(len(word)))


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


def _forms(value: str) -> set[str]:
    """A value and its plural / singular ("mystery" ↔ "mysteries", "comedy" ↔ "comedies")."""
    forms = {value}
    if value.endswith("y") and len(value) > 3:
        forms.add(value[:-1] + "ies")
    elif value.endswith("ies"):
        forms.add(value[:-3] + "y")
    elif value.endswith(("ches", "shes", "xes", "sses", "zes")):
        forms.add(value[:-2])  # watches → watch, boxes → box
    elif value.endswith("s") and len(value) > 3 and not value.endswith("ss"):
        forms.add(value[:-1])
    elif value.endswith(("ch", "sh", "x", "ss", "z")):
        forms.add(value + "es")
    elif value[-1:].isalpha():
        forms.add(value + "s")
    return forms


def analyze(message: str, vocab: Vocabulary, shown: list[str] | None = None) -> Request:
    """Read ``message``; ``shown`` is the previous turn's items, for "the second one".

    Words nothing could read are tried once more as typos of known words ("scarry" →
    "scary", "eigthies" → "eighties"); the corrections are kept in ``Request.corrections``.
    """
    req = _read(message, vocab, shown)
    if not req.unexplained:
        return req
    fixes = {w: fix for w in req.unexplained if (fix := vocab.correction(w)) is not None}
    if not fixes:
        return req
    corrected = " ".join(fixes.get(w.lower(), w) for w in message.split())
    retry = _read(corrected, vocab, shown)
    if len(retry.unexplained) < len(req.unexplained):
        retry.corrections = fixes
        return retry
    return req


def _read(message: str, vocab: Vocabulary, shown: list[str] | None) -> Request:
    text = message.lower().replace("’", "'")
    text = _ELISION.sub(r"\1' ", text)  # French elision: "d'horreur" → "d' horreur"
    text = " " + re.sub(r"\s+", " ", text).strip() + " "
    req = Request()
    _lookup(text, vocab, req)
    if req.lookup:
        return req
    text = _diversity(text, vocab.lexicon, req)
    text = _spelled_limits(text)
    text = _count(text, req, vocab)
    text = _titles(text, vocab, shown or [], req)
    text = _years(text, vocab, req)
    text = _numbers(text, vocab, req)
    if m := POPULAR.search(text):
        req.mode = "popular"
        text = _blank(text, m.start(), m.end())
    elif m := RECENT.search(text):
        req.mode = "recent"
        text = _blank(text, m.start(), m.end())
    text = _values(text, vocab, req)
    if m := _INTERJECTION.match(text):  # "No, I'd rather ...": an answer, not a negation
        text = _blank(text, m.start(1), m.end(1))
    # A topic is searched in the items' text: only a catalog with a text attribute has one
    # (titles alone cannot carry "soldiers and battles").
    if vocab.profile.has_text and (m := TOPIC.search(text)):
        topic = m.group(1).strip()
        if _content_words(topic, vocab.lexicon):
            req.about = topic
            text = _blank(text, m.start(), m.start(1) + len(m.group(1)))
    req.unexplained = [w for w in _content_words(text, vocab.lexicon) if w not in vocab.meta_words]
    # A number no rule read (not a count, year, limit or title) is a constraint dropped: say so.
    req.unexplained += _LEFT_NUMBER.findall(text)
    names = _names(message)
    req.unsupported = [w for w in req.unexplained if w in vocab.lexicon.unsupported or w in names]
    return req


def _names(message: str) -> set[str]:
    """Lower-cased words of names in the message: runs of two or more capitalised words not
    at a sentence start ("Steven Spielberg"), and all-capital codes ("PG-13")."""
    out: set[str] = set()
    run: list[str] = []
    sentence_start = True
    for m in re.finditer(r"[^\W_]+(?:['\-][^\W_]+)*|[.!?;:]", message):
        word = m.group()
        if word in ".!?;:":
            sentence_start = True
            out.update(run if len(run) >= 2 else [])
            run = []
            continue
        if word[:1].isupper() and not sentence_start and word.lower() != "i":
            run.append(word.lower())
            if len(word) >= 2 and word.upper() == word and any(c.isalpha() for c in word):
                out.add(word.lower())
        else:
            out.update(run if len(run) >= 2 else [])
            run = []
        sentence_start = False
    out.update(run if len(run) >= 2 else [])
    return out


def _diversity(text: str, lexicon: Lexicon, req: Request) -> str:
    """ "Surprise me", "hidden gems", "more variety": the lexicon's diversity phrases set the
    request's diversity (the last one named wins)."""
    pattern = lexicon.diversity_pattern
    if pattern is None:
        return text
    for m in list(pattern.finditer(text)):
        req.diversity = lexicon.diversity[m.group()]
        text = _blank(text, m.start(), m.end())
    return text


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _content_words(text: str, lexicon: Lexicon) -> list[str]:
    out = []
    for word in _TOKEN.findall(text):
        if word in lexicon.filler or word in lexicon.item_nouns or word in CONNECTORS:
            continue
        if word.isdigit() or len(word) < 2 or NOT_NEGATION.fullmatch(word):
            continue
        if word not in out:
            out.append(word)
    return out


# ---------------------------------------------------------------------- questions, titles
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
    the text with those spans blanked so their words don't read as values."""
    for m in re.finditer(
        rf"\b(?:the )?({'|'.join(ORDINALS)}) (?:one|movie|film|item|pick|suggestion|book)\b", text
    ):
        if not shown:
            continue
        pos = ORDINALS[m.group(1)]
        if pos >= len(shown):
            continue
        item = shown[pos]
        before = text[: m.start()]
        if DISLIKED.search(before[-40:]) or re.search(rf"{NEGATORS}\W+(?:\w+\W+)?$", before[-25:]):
            req.disliked.append(item)
        else:
            if LIKED.search(before[-40:]):
                req.liked.append(item)
            req.like.append(item)
        text = _blank(text, m.start(), m.end())

    value_phrases = vocab.phrase_set
    for pattern, target in (
        (rf"(?<!i'd )(?<!would )(?<!\bi )\b{SIMILAR_TRIGGERS} ", "like"),
        (
            rf"\b{NEGATORS} (?:anything |something |movies? |films? |books? )?(?:like |similar to )?",
            "unwanted",
        ),
        (LIKED.pattern + " ", "liked"),
        (DISLIKED.pattern + " ", "disliked"),
    ):
        for m in list(re.finditer(pattern, text)):
            start = m.end()
            found = False
            while True:
                span_text = text[start:]
                if _starts_with_value(span_text, value_phrases):
                    break
                item_id, length = _longest_title(span_text, vocab)
                if item_id is None:
                    if target == "like" and length:
                        req.unresolved.append(span_text[:length].strip())
                        text = _blank(text, start, start + length)
                        found = True  # read as a name, even if the catalog lacks it
                    break
                found = True
                _file(req, target, item_id)
                end = start + length
                text = _blank(text, start, end)
                # "like Blade Runner or Alien": the trigger carries over a list of titles.
                more = re.match(r"\s*(?:,|or|and|,? or|,? and)\s+", text[end:])
                if not more:
                    break
                start = end + more.end()
            if found:
                text = _blank(text, m.start(), m.end())
    for quoted in re.findall(r"[\"“]([^\"”]{2,80})[\"”]", text):
        res = vocab.resolver.resolve(quoted)
        if res.status == "resolved" and res.item_id and res.item_id not in req.like + req.unwanted:
            req.like.append(res.item_id)
        elif res.status != "resolved":
            req.unresolved.append(quoted)
        text = text.replace(quoted, " " * len(quoted))
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


def _starts_with_value(span: str, phrases: frozenset[str]) -> bool:
    words = [w for w in _TOKEN.findall(span.lower()) if w not in GENERIC and w not in CONNECTORS]
    words = words[:3]
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
                # A near match needs a word that means something: "no, i don't like war"
                # is no exclusion of "I Don't Want to Talk About It".
                or (
                    not exact
                    and all(
                        re.fullmatch(NEGATORS, w) for w in _content_words(candidate, vocab.lexicon)
                    )
                )
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
    return None, len(phrase) if len(words) >= 1 and _looks_like_title(phrase, vocab) else 0


def _prefix_length(span: str, words: list[str]) -> int:
    pos = 0
    for word in words:
        pos = span.index(word, pos) + len(word)
    return pos


def _looks_like_title(phrase: str, vocab: Vocabulary) -> bool:
    words = phrase.split()
    named_value = any(f" {p} " in f" {phrase} " for p in vocab.phrase_set)
    return (
        0 < len(words) <= 6
        and words[0] not in GENERIC
        and not named_value
        and bool(_content_words(phrase, vocab.lexicon))
    )


# ---------------------------------------------------------------------- numbers
def _years(text: str, vocab: Vocabulary, req: Request) -> str:
    """Year phrases, for the catalog's time-like attribute ("80s", "before 1980",
    "between 1985 and 1989", "los años ochenta")."""
    attr = vocab.profile.roles.get(Role.time)
    if attr is None:
        return text
    decades = vocab.lexicon.decades
    decade_words = "|".join(re.escape(w) for w in sorted(decades, key=len, reverse=True))
    y = r"((?:18|19|20)\d\d)"
    negated = r"(?:nothing|no(?:thing)? (?:[\w'-]+ ){0,2}(?:made |released |published )?) ?"
    rules: list[tuple[str, Callable[[re.Match[str]], Bounds]]] = [
        (
            rf"\b(?:between|from) {y} (?:and|to|-|until|through) {y}\b",
            lambda m: (int(m[1]), int(m[2])),
        ),
        (rf"\b{y} ?(?:-|–|to) ?{y}\b", lambda m: (int(m[1]), int(m[2]))),
        (
            rf"\b{negated}(?:before|older than|earlier than|prior to) {y}\b",
            lambda m: (int(m[1]), None),
        ),
        (
            rf"\b{negated}(?:after|newer than|later than|since) {y}\b",
            lambda m: (None, int(m[1])),
        ),
        (
            rf"\b(?:before|older than|earlier than|prior to|pre-?|antes de|avant|vor) ?{y}\b",
            lambda m: (None, int(m[1]) - 1),
        ),
        (
            rf"\b(?:after|newer than|later than|post-?|después de|despues de|après|apres|nach) ?{y}\b",
            lambda m: (int(m[1]) + 1, None),
        ),
        (  # "before I was born in 1970": the year ends the clause the word opens
            rf"\b(?:before|after) (?:i|we|you|he|she|they|my [\w'-]+) (?:[\w'-]+ ){{1,3}}in {y}\b",
            lambda m: (None, int(m[1]) - 1) if m[0].startswith("before") else (int(m[1]) + 1, None),
        ),
        (
            rf"\b(?:since|starting(?: from| in)?|not older than|no older than|desde|depuis|seit) {y}(?: on(?:wards?)?| or later)?\b",
            lambda m: (int(m[1]), None),
        ),
        (
            rf"\b(?:from|in) {y} (?:on(?:wards?)?|or later|and later|and after)\b",
            lambda m: (int(m[1]), None),
        ),
        (
            rf"\b(?:until|up to|through|no later than|by|hasta|jusqu'en|bis) {y}\b",
            lambda m: (None, int(m[1])),
        ),
        (
            r"\b(?:the )?(early|mid|late)[- ](?:(?:19)?(\d)0'?s)\b",
            lambda m: _part_of_decade(m[1], 1900 + int(m[2]) * 10),
        ),
        (
            rf"\b(?:the )?(early|mid|late)[- ]({decade_words})\b",
            lambda m: _part_of_decade(m[1], decades[m[2]]),
        ),
        (
            r"\b(?:the |los años |los anos |les années |les annees |die )?(?:19)?([2-9])0(?:'?s|er(?: jahre)?)\b",
            lambda m: (1900 + int(m[1]) * 10, 1900 + int(m[1]) * 10 + 9),
        ),
        (
            r"\b(?:(?:los |os |dos |des |la )?(?:años|anos|années|annees|anni)|de los|den) (?:19)?([2-9])0(?:ern)?\b",
            lambda m: (1900 + int(m[1]) * 10, 1900 + int(m[1]) * 10 + 9),
        ),
        (
            rf"\b(?:the |los años |les années )?({decade_words})(?: jahre| jahren)?\b",
            lambda m: (decades[m[1]], decades[m[1]] + 9),
        ),
        (rf"\b(?:in|from|de|en|aus) {y}\b", lambda m: (int(m[1]), int(m[1]))),
    ]
    for pattern, fn in rules:
        for m in re.finditer(pattern, text):
            low, high = fn(m)
            req.bound(attr, low, high)
            text = _blank(text, m.start(), m.end())
    return text


def _part_of_decade(part: str, base: int) -> Bounds:
    low, high = {"early": (0, 3), "mid": (3, 6), "late": (6, 9)}[part]
    return base + low, base + high


def _numbers(text: str, vocab: Vocabulary, req: Request) -> str:
    """Limits on any numeric attribute named by its unit words: "under 12 dollars", "$20 or
    less", "at least 300 pages", "rating above 4". "Nothing over $20" is also a standing
    limit (kept by memory)."""
    units: dict[str, str] = {}
    for spec in vocab.profile.numeric:
        if spec.role == Role.time:
            continue
        for unit in spec.units:
            units.setdefault(unit, spec.name)
    if not units:
        return text
    unit_re = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    num = r"(\d+(?:[.,]\d+)?)"
    cur = r"([$€£])?\s?"
    unit_after = rf"(?:\s?({unit_re})(?![\w]))?"
    # "nothing over $20": a negation turns the limit round, and "nothing"/"never" makes it a
    # standing limit (kept by memory); "no more than $20" only turns it round.
    standing = r"\b(nothing|never|none|no|not)?\s*"
    unit_before = rf"\b({unit_re})\s+(?:of\s+|is\s+|at\s+)?"
    patterns: list[tuple[str, str]] = [
        (rf"(){unit_before}{cur}{num}()\s+or\s+(?:more|higher|above|better|over)\b", "min"),
        (rf"(){unit_before}{cur}{num}()\s+or\s+(?:less|lower|under|below|cheaper)\b", "max"),
        (
            rf"\b{standing}(?:({unit_re})\s+)?(?:between|from)\s+{cur}{num}\s*(?:and|to|-)\s*{cur}{num}{unit_after}",
            "between",
        ),
        (
            rf"{standing}(?:\b({unit_re})\s+(?:of\s+|is\s+)?)?{AT_MOST}\s+{cur}{num}{unit_after}",
            "max",
        ),
        (
            rf"{standing}(?:\b({unit_re})\s+(?:of\s+|is\s+)?)?{AT_LEAST}\s+{cur}{num}{unit_after}",
            "min",
        ),
        (rf"(){cur}{num}{unit_after}\s+or\s+(?:less|fewer|under|below|cheaper)\b", "max"),
        (rf"(){cur}{num}{unit_after}\s+or\s+(?:more|over|above|better|higher)\b", "min"),
        # "80 bucks max", "$50 tops", "100 euros maximum"
        (rf"(){cur}{num}{unit_after}\s+(?:max(?:imum)?|tops|at most|máximo|maximal)\b", "max"),
        (rf"(){cur}{num}{unit_after}\s+(?:min(?:imum)?|at least|mínimo|minimum)\b", "min"),
    ]
    for pattern, kind in patterns:
        for m in list(re.finditer(pattern, text)):
            groups = m.groups()
            flag = groups[0]
            words = [g for g in groups[1:] if g]
            numbers = [float(g.replace(",", ".")) for g in words if re.fullmatch(r"[\d.,]+", g)]
            named = [g for g in words if not re.fullmatch(r"[\d.,]+", g)]
            attrs = {units[w] for w in named if w in units}
            if not named and numbers and _ends_phrase(text[m.end() :], vocab):
                # "white tees under 40": no unit, but only one attribute's range holds 40.
                attrs = _holding(vocab.profile, numbers)
            if len(attrs) != 1 or not numbers:
                continue  # no unit (or two): which attribute is meant is not stated
            attr = attrs.pop()
            if flag and kind != "between":
                kind = "min" if kind == "max" else "max"
            # "under 12" excludes 12 itself, "at most 12" keeps it.
            strict = bool(STRICT.search(m[0])) and not flag
            if kind == "between" and len(numbers) >= 2:
                low, high = min(numbers[:2]), max(numbers[:2])
            elif kind == "max":
                low, high = None, math.nextafter(numbers[0], -math.inf) if strict else numbers[0]
            else:
                low, high = math.nextafter(numbers[0], math.inf) if strict else numbers[0], None
            req.bound(attr, low, high)
            if flag in ("nothing", "never", "none"):
                req.limits[attr] = req.ranges[attr]
            text = _blank(text, m.start(), m.end())
    return text


def _ends_phrase(after: str, vocab: Vocabulary) -> bool:
    """Whether nothing that could name a unit follows a number ("under 40, white" but not
    "under 90 minutes")."""
    word = re.match(r"\s*([^\W\d_][\w'-]*)", after)
    return word is None or word[1] in CONNECTORS or word[1] in vocab.lexicon.filler


def _holding(profile: CatalogProfile, numbers: list[float]) -> set[str]:
    """The non-time numeric attributes whose range holds every one of ``numbers``."""
    return {
        spec.name
        for spec in profile.numeric
        if spec.role != Role.time
        and spec.low is not None
        and spec.high is not None
        and all(spec.low <= n <= spec.high for n in numbers)
    }


_NUMBER_WORD = "|".join([*UNITS, *TENS, *SCALES])
_SPELLED_LIMIT = re.compile(
    rf"\b((?:{AT_MOST}|{AT_LEAST}|{YEAR_CUES})\s+)"
    rf"((?:an? )?(?:{_NUMBER_WORD})(?:(?:[ -]|\s+and\s+)(?:{_NUMBER_WORD}))*)\b"
)


def _spelled_limits(text: str) -> str:
    """A limit written in words becomes digits for the limit rules: "under twenty bucks" →
    "under 20 bucks", "before nineteen seventy" → "before 1970". Only after a comparison word,
    so a title ("Twelve Monkeys") or a count ("three books") is left alone."""

    def digits(m: re.Match[str]) -> str:
        value = spelled_number(m[2])
        return m[0] if value is None else f"{m[1]}{value}"

    return _SPELLED_LIMIT.sub(digits, text)


def spelled_number(phrase: str) -> int | None:
    """The value of an English number in words ("a hundred and fifty" → 150, "nineteen
    eighty-five" → 1985), or None when the words do not form one ("five five")."""
    words = [w for w in re.split(r"[\s-]+", phrase.strip()) if w not in ("a", "an", "and")]
    if len(words) >= 2 and UNITS.get(words[0], 0) >= 10 and words[1] in TENS:
        rest = spelled_number(" ".join(words[1:]))  # a year said in two halves
        return None if rest is None or rest >= 100 else UNITS[words[0]] * 100 + rest
    total = current = 0
    previous = ""
    for word in words:
        if word in UNITS or word in TENS:
            if previous in UNITS or (previous in TENS and word in TENS):
                return None
            if previous in TENS and UNITS[word] >= 10:
                return None
            current += UNITS.get(word) or TENS.get(word, 0)
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        previous = word
    return total + current


def _count(text: str, req: Request, vocab: Vocabulary) -> str:
    digits, words = vocab.count_patterns
    rules: list[tuple[re.Pattern[str], Callable[[str], int]]] = [
        (digits, int),
        (words, NUMBER_WORDS.__getitem__),
        (re.compile(r"\b(?:top|give me|show me) (\d{1,2})\b"), int),
    ]
    for pattern, value in rules:
        if m := pattern.search(text):
            req.n = max(1, min(value(m[1]), 20))
            return _blank(text, m.start(), m.end())
    return text


# ---------------------------------------------------------------------- values, negation
def _values(text: str, vocab: Vocabulary, req: Request) -> str:
    """Categorical values named in the message, each wanted or ruled out."""
    found: list[tuple[int, int, list[tuple[str, str]]]] = []
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    k = 0
    while k < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - k), 0, -1):
            key = tuple(t[2] for t in tokens[k : k + size])
            # "e-books" for Ebook, "ebooks" for E-Book: hyphens do not tell words apart
            targets = vocab.phrases.get(key) or vocab.phrases.get(_unhyphenated(key))
            if targets:
                found.append((tokens[k][0], tokens[k + size - 1][1], targets))
                k += size
                break
        else:
            k += 1
    # Decide every negation on the text as written, then blank what was read.
    marked: list[tuple[int, int, list[tuple[str, str]], tuple[int, int] | None]] = []
    for j, (start, end, targets) in enumerate(found):
        negated, neg_start, neg_end = _negation(text, start, end, vocab.lexicon)
        span = (neg_start, neg_end) if negated else None
        if not negated and j > 0 and marked[j - 1][3] is not None:
            # "no horror or gore": a negation carries over a bare connector to the next value.
            between = text[found[j - 1][1] : start]
            if re.fullmatch(r"\s*(?:,|/|or|and|nor|, or|, and)\s*(?:or |nor )?", between):
                span = (start, end)
        marked.append((start, end, targets, span))
    positives: list[int] = []
    for start, end, targets, span in marked:
        if span is not None:
            # the negating words, with what lies between unless they end before the value
            last = span[1] if span[1] < start else max(end, span[1])
            text = _blank(text, min(start, span[0]), last)
            for attribute, value in targets:
                req.add(req.exclude, attribute, value)
        else:
            attribute, value = targets[0]
            req.add(req.include, attribute, value)
            positives.append(start)
            clause = re.split(r"[.;!?,]| but ", text[:start])[-1]
            if loves := LOVES.search(clause):
                req.add(req.preferred, attribute, value)
                text = _blank(text, start - len(clause) + loves.start(), start)
        text = _blank(text, start, end)
    for attribute, values in list(req.include.items()):
        kept = [v for v in values if v not in req.exclude.get(attribute, [])]
        if kept:
            req.include[attribute] = kept
        else:
            del req.include[attribute]
    if len(positives) >= 2 and re.search(
        r"\b(?:or|either|o|ou|oder)\b", text[min(positives) : max(positives)]
    ):
        req.match = "any"
    return text


def _negation(text: str, start: int, end: int, lexicon: Lexicon) -> tuple[bool, int, int]:
    """Whether the value at ``text[start:end]`` is negated, and the span of the negating
    words (to blank them as read)."""
    clause = re.split(
        r"[.;!?]|(?<!anything)(?<!everything)(?<!all) but (?!not\b)| just | only | instead ",
        text[:start],
    )[-1]
    offset = start - len(clause)
    extra = "|".join(re.escape(w) for w in lexicon.negators_before)
    negators = f"(?:{NEGATOR_WORDS}{'|' + extra if extra else ''})"
    # The negator nearest the value decides: in "no horror and no romance" the second "no",
    # in "No, I don't like war films" the "don't".
    m = re.search(rf"^.*\b({negators})\b((?:\s+[^\W\d_][\w'-]*){{0,4}})\s*$", clause)
    if m and not NOT_NEGATION.search(clause[max(0, m.start(1) - 12) :]):
        # The longest negator ending there: "j'en ai marre des", not just "marre des".
        longest = re.search(rf"\b(?:{negators})$", clause[: m.end(1)])
        first = longest.start() if longest else m.start(1)
        gap = m.group(2).split()
        after = text[end : end + 40]
        keep = m.group(1) in ("keep",)
        # A list the negation spans: "can't handle anything violent or scary" (an unread
        # word, then "or" right before the value) rules out the value too.
        stops = [w for w in gap if w in _GAP_STOP]
        listed = stops == ["or"] and gap[-1] == "or"
        if listed:  # the words between stay to be read ("violent" is not understood)
            return True, offset + first, offset + m.end(1)
        if not stops and (not keep or KEEP_AWAY.match(after)):
            tail = KEEP_AWAY.match(after)
            return True, offset + first, end + (tail.end() if keep and tail else 0)
    after = text[end : end + 60]
    if m2 := NEGATION_AFTER.match(after):
        return True, end, end + m2.end()
    words_after = "|".join(re.escape(w) for w in lexicon.negators_after)
    # "horror, no" / "terror no, gracias" negate the value before; in "drama, no war" the
    # "no" begins the next clause's negation and leaves "drama" wanted.
    if words_after and (
        m3 := re.match(rf"^[\s?!,]*(?:{words_after})\b(?=\s*(?:$|[.,;:!?)]|{_COURTESY}))", after)
    ):
        return True, end, end + m3.end()
    return False, start, start
