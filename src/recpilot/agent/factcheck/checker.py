"""The checker: statements found in a text, attached to items, judged against their rows."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from recpilot.catalog.schema import AttributeKind, AttributeSpec, AttributeValue, Item
from recpilot.tools.resolve import display_title

from .cues import (
    _ABBREVIATIONS,
    _CLAIMS,
    _CLAUSE_BREAK,
    _COMPARE,
    _COMPARE_AFTER,
    _CONDITION,
    _CUES,
    _CURRENCY,
    _NUMBER,
    _PERSON,
    _PLOT,
    _PLOT_WORDS,
    _SENTENCE_END,
    _TIME_WORDS,
    _UNITS,
    _attribute_words,
)
from .records import FactCheck, Statement, Verdict
from .words import (
    _ARTICLES,
    _CAPITALISED_WORDS,
    _NEGATIONS,
    _STOP,
    _same_word,
    _stem,
    _Token,
    _tokens,
    _words,
)

if TYPE_CHECKING:
    from recpilot.catalog.store import Catalog


@dataclass(frozen=True)
class _Mention:
    start: int  # token indices, end exclusive
    end: int
    claim: str
    check: Callable[[Item], bool | None]  # True holds, False contradicts, None: row silent
    attribute: str | None
    detail: Callable[[Item], str]
    negated: bool = False
    unsupported: str = ""  # set: nothing in the catalog could back the claim


class FactChecker:
    """Statements of a text checked against catalog rows. Built once per catalog view."""

    def __init__(
        self,
        attributes: Sequence[AttributeSpec],
        values: dict[str, list[str]],
        ranges: dict[str, tuple[float, float]],
        titles: dict[str, str],
        fetch: Callable[[list[str]], list[Item]],
    ) -> None:
        self.attributes = list(attributes)
        self.ranges = ranges
        self._fetch = fetch
        self._words = {a.name: _attribute_words(a) for a in self.attributes}
        self._values: dict[str, list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        self._people: set[str] = set()
        self.value_words: set[str] = set()
        for attr, vals in values.items():
            names = [
                v
                for v in vals
                if 2 <= len(v.split()) <= 4 and all(w[:1].isupper() for w in v.split())
            ]
            if len(vals) >= 3 and len(names) >= 0.6 * len(vals):
                self._people.add(attr)
            for value in vals:
                words = _words(value)
                if words:
                    self._values[_stem(words[0])[:4]].append((words, attr, value))
                    self.value_words.update(words)
        self.known_words = set(self.value_words)
        self._titles: dict[tuple[str, ...], set[str]] = defaultdict(set)
        self._title_heads: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for item_id, title in titles.items():
            for variant in _title_variants(title):
                if variant not in self._titles:
                    self._title_heads[variant[0]].append(variant)
                self._titles[variant].add(item_id)
                self.known_words.update(variant)
        for heads in self._title_heads.values():
            heads.sort(key=len, reverse=True)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> FactChecker:
        values = {
            a.name: catalog.categorical_values(a.name)
            for a in catalog.attributes
            if a.kind is AttributeKind.categorical
        }
        ranges = {
            a.name: r
            for a in catalog.attributes
            if a.kind is AttributeKind.number and (r := catalog.numeric_range(a.name)) is not None
        }
        return cls(catalog.attributes, values, ranges, catalog.titles(), catalog.get_items)

    # ------------------------------------------------------------------ the check
    def check(self, text: str, items: Sequence[Item]) -> FactCheck:
        listed = {item.item_id: item for item in items}
        tokens = _tokens(text)
        titles = self._find_titles(text, tokens, listed)
        rows = dict(listed)
        others = [i for _, _, i in titles if i and i not in rows]
        rows.update({item.item_id: item for item in self._fetch(others)} if others else {})
        covered = {k for start, end, _ in titles for k in range(start, end)}
        sentences: list[str] = []
        statements: list[Statement] = []
        previous: tuple[str, ...] = ()
        for s_start, s_end in _sentences(text, tokens, titles):
            idx = [k for k, t in enumerate(tokens) if s_start <= t.start < s_end]
            sentence = text[s_start:s_end].strip()
            if not sentence:
                continue
            sentences.append(sentence)
            groups = _groups(text, tokens, [m for m in titles if m[0] in idx])
            if not groups and idx and tokens[idx[0]].norm in ("it", "its") and previous:
                groups = [(idx[0], idx[0] + 1, previous)]
            for mention in sorted(self._mentions(text, tokens, idx, covered), key=_position):
                subject = _subject(groups, mention.start)
                about = [rows[i] for i in subject if i in rows] if subject else list(items)
                if subject and not about and not mention.unsupported:
                    continue  # a title shared by several items the list does not hold
                statements.append(_judge(sentence, mention, subject, about))
            if groups:
                previous = groups[-1][2]
        return FactCheck(tuple(sentences), tuple(statements))

    def _find_titles(
        self, text: str, tokens: list[_Token], listed: dict[str, Item]
    ) -> list[tuple[int, int, str | None]]:
        found: list[tuple[int, int, str | None]] = []
        k = 0
        while k < len(tokens):
            hit = None
            for variant in self._title_heads.get(tokens[k].norm, ()):
                n = len(variant)
                if tuple(t.norm for t in tokens[k : k + n]) != variant:
                    continue
                first = next((t for t in tokens[k : k + n] if t.norm not in _ARTICLES), tokens[k])
                ids = self._titles[variant]
                mine = [i for i in ids if i in listed]
                if not first.capitalised:
                    continue
                quoted = _quoted(text, tokens[k].start, tokens[k + n - 1].end)
                name = k + n < len(tokens) and tokens[k + n].raw[:1].isupper()
                if not mine and (
                    (n == 1 and not quoted and (_starts_sentence(text, tokens[k]) or name))
                    or all(w in self.value_words or w in _ARTICLES for w in variant)
                ):
                    continue  # "Western" is a genre here, "Michael Caine" not the film "Michael"
                hit = (k, k + n, mine[0] if mine else (next(iter(ids)) if len(ids) == 1 else None))
                break
            if hit:
                found.append(hit)
                k = hit[1]
            else:
                k += 1
        return found

    def _mentions(
        self, text: str, tokens: list[_Token], idx: list[int], covered: set[int]
    ) -> Iterable[_Mention]:
        if not idx:
            return
        lo, hi = tokens[idx[0]].start, tokens[idx[-1]].end
        taken = set(covered)

        def span(start: int, end: int) -> tuple[int, int]:
            ks = [k for k in idx if tokens[k].start < end and tokens[k].end > start]
            return (ks[0], ks[-1] + 1) if ks else (idx[0], idx[0])

        def free(a: int, b: int) -> bool:
            return not any(k in taken for k in range(a, b))

        # claims that need an attribute of their own, "by <Name>", plot phrases
        for pattern, hints in [*_CLAIMS, (_PLOT, _PLOT_WORDS)]:
            for m in pattern.finditer(text, lo, hi):
                a, b = span(m.start(), m.end())
                if b > a and free(a, b):
                    taken.update(range(a, b))
                    clause = _clause_after(text, m.end(), hi)
                    yield self._claim(m.group().strip(), a, b, hints, clause, plot=pattern is _PLOT)
        for m in _PERSON.finditer(text, lo, hi):
            a, b = span(m.start("name"), m.end("name"))
            if b > a and free(a, b) and not self._value_at(tokens, a):
                taken.update(range(a, b))
                yield self._person(m.group().strip(), a, b)
        # categorical values of any attribute
        k = idx[0]
        while k <= idx[-1]:
            found = self._value_at(tokens, k) if k not in taken else None
            if found and free(k, k + found[0]):
                n, pairs = found
                taken.update(range(k, k + n))
                yield self._value(text, tokens, k, n, pairs)
                k += n
            else:
                k += 1
        # numbers
        for m in _NUMBER.finditer(text, lo, hi):
            a, b = span(m.start(), m.end())
            if b > a and free(a, b):
                mention = self._number(text, tokens, m, a, b, lo)
                if mention:
                    taken.update(range(a, b))
                    yield mention
        # proper names nothing else explained
        run: list[int] = []
        for k in [*idx, -1]:
            t = tokens[k] if k >= 0 else None
            if t and k not in taken and t.raw[:1].isupper() and not _starts_sentence(text, t):
                run.append(k)
                continue
            strange = [
                j
                for j in run
                if tokens[j].norm not in self.known_words | _CAPITALISED_WORDS
                and not (tokens[j].raw.isupper() and len(tokens[j].raw) <= 4)  # "CF", "TV"
            ]
            if strange:
                name = text[tokens[run[0]].start : tokens[run[-1]].end]
                yield _unsupported(
                    name, run[0], run[-1] + 1, None, "a name the catalog does not hold"
                )
            run = []

    # ------------------------------------------------------------------ mentions
    def _value_at(self, tokens: list[_Token], k: int) -> tuple[int, list[tuple[str, str]]] | None:
        best: tuple[int, list[tuple[str, str]]] | None = None
        for words, attr, value in self._values.get(_stem(tokens[k].norm)[:4], ()):
            n = len(words)
            got = [t.norm for t in tokens[k : k + n]]
            if len(got) < n or not all(_same_word(g, w) for g, w in zip(got, words, strict=True)):
                continue
            if attr in self._people and not tokens[k].raw[:1].isupper():
                continue  # a person's name written in lower case is ordinary words
            if best is None or n > best[0]:
                best = (n, [(attr, value)])
            elif n == best[0]:
                best[1].append((attr, value))
        return best

    def _value(
        self, text: str, tokens: list[_Token], k: int, n: int, pairs: list[tuple[str, str]]
    ) -> _Mention:
        negated = False
        for j in range(k - 1, max(-1, k - 4), -1):
            if _CLAUSE_BREAK.search(text[tokens[j].end : tokens[j + 1].start]):
                break
            if tokens[j].norm in _NEGATIONS:
                negated = True
                break
        attrs = sorted({a for a, _ in pairs})

        def holds(item: Item) -> bool | None:
            seen = False
            for attr, value in pairs:
                have = item.attributes.get(attr)
                if isinstance(have, list) and have:
                    seen = True
                    if value.lower() in (h.lower() for h in have):
                        return True
            return False if seen else None

        return _Mention(
            start=k,
            end=k + n,
            claim=text[tokens[k].start : tokens[k + n - 1].end],
            check=holds,
            attribute=attrs[0],
            detail=lambda item: _describe(item, attrs),
            negated=negated,
        )

    def _claim(
        self, claim: str, a: int, b: int, hints: tuple[str, ...], clause: str, plot: bool
    ) -> _Mention:
        stems = {_stem(h) for h in hints}
        backing = [x for x in self.attributes if self._words[x.name] & stems]
        if plot and not backing:
            backing = [x for x in self.attributes if x.kind is AttributeKind.text]
        if not backing:
            return _unsupported(claim, a, b, None, "the catalog has no attribute for this")
        names = [x.name for x in backing]
        texts = [x.name for x in backing if x.kind is AttributeKind.text]
        person = _PERSON_TAIL.search(claim)

        def holds(item: Item) -> bool | None:
            if texts:
                return _text_backs(
                    clause, " ".join(str(item.attributes.get(t) or "") for t in texts)
                )
            have = [str(v) for n in names for v in _as_list(item.attributes.get(n))]
            if not have:
                return None
            if not person:
                return True
            return any(_names_match(person.group(), v) for v in have)

        return _Mention(a, b, claim, holds, names[0], lambda item: _describe(item, names))

    def _person(self, claim: str, a: int, b: int) -> _Mention:
        people = sorted(self._people)
        if not people:
            return _unsupported(claim, a, b, None, "the catalog holds no people")
        name = claim.split(None, 1)[1]

        def holds(item: Item) -> bool | None:
            have = [v for p in people for v in _as_list(item.attributes.get(p))]
            return any(_names_match(name, v) for v in have) if have else None

        return _Mention(a, b, claim, holds, people[0], lambda item: _describe(item, people))

    def _number(
        self, text: str, tokens: list[_Token], m: re.Match[str], a: int, b: int, lo: int
    ) -> _Mention | None:
        before = text[max(lo, m.start() - 30) : m.start()]
        after = tokens[b].norm if b < len(tokens) else ""
        op = next((o for pattern, o in _COMPARE if pattern.search(before)), "=")
        op = next((o for pattern, o in _COMPARE_AFTER if pattern.search(text[m.end() :])), op)
        if op == "=" and _CONDITION.search(before):
            op = ">="
        g = m.groupdict()
        if g["decade"] is not None:
            attrs = self._time_attributes()
            start = self._decade(g["century"], int(g["decade"]), attrs)
            return self._numeric(m.group(), a, b, attrs, op, start, start + 9)
        first, last = (g["from"], g["to"]) if g["from"] else (g["low"], g["high"])
        first, last = (first, last) if first else (g["num"], g["num"])
        low, high = sorted((float(first.lstrip("$€£¥")), float(last.lstrip("$€£¥"))))
        hints: tuple[str, ...] = ()
        if currency := next((c for c in m.group() if c in _CURRENCY), None):
            hints = _UNITS[_CURRENCY[currency]]
        elif _stem(after) in _UNITS:
            hints = _UNITS[_stem(after)]
        elif (word := before.split()[-1].lower() if before.split() else "") in _CUES:
            hints = _CUES[word]
        if hints:
            stems = {_stem(h) for h in hints}
            attrs = [
                x.name
                for x in self.attributes
                if x.kind is AttributeKind.number and self._words[x.name] & stems
            ]
        elif 1000 <= low <= high <= 2100 and "." not in m.group():
            attrs = self._time_attributes()
        else:
            attrs = [
                x.name
                for x in self.attributes
                if x.kind is AttributeKind.number and _stem(after) in self._words[x.name]
            ]
            if not attrs:
                return None  # a bare number: a count, not a claim about an item
        return self._numeric(m.group(), a, b, attrs, op, low, high)

    def _numeric(
        self, claim: str, a: int, b: int, attrs: list[str], op: str, low: float, high: float
    ) -> _Mention:
        if not attrs:
            return _unsupported(claim, a, b, None, "the catalog has no attribute for this number")
        decimals = len(claim.split(".")[1].rstrip("s'’ ")) if "." in claim else 0

        def fits(value: float, attr: str) -> bool:
            span = self.ranges.get(attr, (value, value))
            slack = max(0.1 * (span[1] - span[0]), 1.0)
            return {
                "<": value < low,
                ">": value > high,
                "<=": value <= high,
                ">=": value >= low,
                "~": low - slack <= value <= high + slack,
                "=": low <= round(value, decimals) <= high,
            }[op]

        def holds(item: Item) -> bool | None:
            have = [(x, v) for x in attrs if isinstance(v := item.attributes.get(x), int | float)]
            if not have:
                return None
            return any(fits(float(v), x) for x, v in have)

        return _Mention(a, b, claim, holds, attrs[0], lambda item: _describe(item, attrs))

    def _time_attributes(self) -> list[str]:
        named = [
            x.name
            for x in self.attributes
            if x.kind is AttributeKind.number and self._words[x.name] & set(_TIME_WORDS)
        ]
        spans = [n for n, (lo, hi) in self.ranges.items() if lo >= 1000 and hi <= 2100]
        return named or spans

    def _decade(self, century: str | None, digit: int, attrs: list[str]) -> int:
        if century:
            return int(century) * 100 + digit * 10
        for start in (1900 + digit * 10, 2000 + digit * 10):
            if any(
                self.ranges[x][0] <= start + 9 and start <= self.ranges[x][1]
                for x in attrs
                if x in self.ranges
            ):
                return start
        return 1900 + digit * 10


_PERSON_TAIL = re.compile(r"(?:[A-Z][\w'’.-]*\s*){1,4}$")


def _position(mention: _Mention) -> int:
    return mention.start


def _unsupported(claim: str, a: int, b: int, attribute: str | None, why: str) -> _Mention:
    return _Mention(a, b, claim, lambda item: None, attribute, lambda item: why, unsupported=why)


def _judge(sentence: str, m: _Mention, subject: tuple[str, ...], rows: list[Item]) -> Statement:
    ids = tuple(r.item_id for r in rows) if subject else ()
    if m.unsupported:
        return Statement(sentence, m.claim, ids, None, Verdict.unsupported, m.unsupported)
    results = []
    for row in rows:
        held = m.check(row)
        results.append(None if held is None else held != m.negated)
    if subject:  # every named item must bear it out
        verdict = (
            Verdict.contradicted
            if False in results
            else Verdict.supported
            if results and all(results)
            else Verdict.unsupported
        )
    else:  # the set: one listed item is enough
        verdict = (
            Verdict.supported
            if True in results
            else Verdict.contradicted
            if False in results
            else Verdict.unsupported
        )
    detail = "; ".join(f"{display_title(r.title)}: {m.detail(r)}" for r in rows[:5])
    return Statement(sentence, m.claim, ids, m.attribute, verdict, detail)


def _describe(item: Item, attrs: list[str]) -> str:
    parts = []
    for attr in attrs:
        value = item.attributes.get(attr)
        shown = ", ".join(value) if isinstance(value, list) else "" if value is None else str(value)
        parts.append(f"{attr} = {shown or '(none)'}")
    return ", ".join(parts)


def _names_match(written: str, value: str) -> bool:
    """ "Hitchcock" names "Alfred Hitchcock"; "Yuki Tanabe" does not name "Noor Haddad"."""
    words = set(_words(written))
    return bool(words) and words <= set(_words(value))


def _as_list(value: AttributeValue) -> list[str]:
    if isinstance(value, list):
        return value
    return [] if value is None else [str(value)]


def _text_backs(clause: str, text: str) -> bool | None:
    """Whether ``text`` (an item's description) holds most content words of ``clause``."""
    if not text.strip():
        return None
    have = {_stem(w) for w in _words(text)}
    content = [_stem(w) for w in _words(clause) if w not in _STOP and not w.isdigit()]
    if not content:
        return True
    # A description that does not hold the words is silent (unsupported), not a contradiction.
    return True if sum(w in have for w in content) >= 0.5 * len(content) else None


def _clause_after(text: str, start: int, end: int) -> str:
    rest = text[start:end]
    cut = re.search(r"[,;:.!?—–]", rest)
    return rest[: cut.start()] if cut else rest


def _title_variants(title: str) -> set[tuple[str, ...]]:
    shown = display_title(title)
    variants = {_words(shown)}
    for sep in (":", " - ", " ("):
        if sep in shown and (head := _words(shown.split(sep)[0])):
            variants.add(head)
    for v in list(variants):
        if len(v) > 1 and v[0] in _ARTICLES:
            variants.add(v[1:])
    return {v for v in variants if v and not all(w in _ARTICLES or w in _STOP for w in v)}


def _quoted(text: str, start: int, end: int) -> bool:
    return text[start - 1 : start] in _QUOTES and text[end : end + 1] in _QUOTES


_QUOTES = frozenset("\"'“”‘’«»")


def _starts_sentence(text: str, token: _Token) -> bool:
    before = text[: token.start].rstrip(" \"'“‘(*")
    return not before or before[-1] in ".!?:\n"


def _sentences(
    text: str, tokens: list[_Token], titles: list[tuple[int, int, str | None]]
) -> list[tuple[int, int]]:
    inside = [(tokens[a].start, tokens[b - 1].end) for a, b, _ in titles]
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if any(lo <= m.start() < hi for lo, hi in inside):
            continue
        word = re.search(r"(\w+)$", text[start : m.start()])
        if m.group().startswith(".") and word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        out.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        out.append((start, len(text)))
    return out


def _groups(
    text: str, tokens: list[_Token], titles: list[tuple[int, int, str | None]]
) -> list[tuple[int, int, tuple[str, ...]]]:
    """Title mentions joined by "and", "or" or commas into one subject."""
    groups: list[tuple[int, int, tuple[str, ...]]] = []
    for a, b, item_id in titles:
        ids = (item_id,) if item_id else ()
        if groups:
            between = text[tokens[groups[-1][1] - 1].end : tokens[a].start]
            if re.fullmatch(r"\s*(?:,|,?\s*(?:and|or|&|as well as|plus))?\s*", between, re.I):
                groups[-1] = (groups[-1][0], b, groups[-1][2] + ids)
                continue
        groups.append((a, b, ids))
    return groups


def _subject(groups: list[tuple[int, int, tuple[str, ...]]], at: int) -> tuple[str, ...]:
    before = [g for g in groups if g[1] <= at]
    if before:
        return before[-1][2] or ("?",)
    after = [g for g in groups if g[0] >= at]
    return (after[0][2] or ("?",)) if after else ()
