"""What the router knows about one catalog: its name, a description and its vocabulary.

A :class:`CatalogCard` is built from the catalog itself — nothing here names a domain:

* **values**: every categorical value (and the lexicon's synonyms for it, in several
  languages), attribute names and their unit words ("pages", "dollars");
* **titles**: whole titles as phrases, and their words;
* **text**: words of the items' free text (descriptions, blurbs);
* **domain words** from ``data/domains.json``: nouns and verbs people use for kinds of
  catalogs ("film", "libro", "kaufen"), taken by a catalog whose name, description or
  attribute names hold one of the domain's keys. A domain's *naming* words (nouns for the
  items) are what lets a conversation switch catalogs ("now books").

The description is the profile override's ``description`` (``<name>.profile.json``), else
the bundled dataset's, else one derived from the domains and attributes; it is what an LLM
router and an MCP client read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from recpilot.agent.lexicon import Lexicon
from recpilot.catalog.datasets import BUNDLED
from recpilot.catalog.profile import CatalogProfile, build_profile
from recpilot.catalog.schema import AttributeKind
from recpilot.catalog.store import Catalog

TOKEN = re.compile(r"[^\W_]+(?:['\-’][^\W_]+)*")
# How much one word of the message counts for a catalog, by where the catalog has it.
WEIGHTS = {"title": 3.0, "name": 2.0, "value": 1.0, "domain": 1.0, "title_word": 0.5, "text": 0.25}
MIN_TITLE_CHARS = 5  # a one-word title shorter than this is not matched as a title
MAX_DESCRIBED_VALUES = 8


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True)
class Domains:
    """The shipped domain vocabularies and the stopwords of the four languages."""

    domains: dict[str, dict[str, tuple[str, ...]]]
    stopwords: frozenset[str]

    @classmethod
    @cache
    def load(cls) -> Domains:
        text = resources.files("recpilot.service").joinpath("data/domains.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        domains = {
            name: {key: tuple(w.lower() for w in words) for key, words in spec.items()}
            for name, spec in data["domains"].items()
        }
        return cls(domains, frozenset(w.lower() for w in data["stopwords"]))

    def of(self, words: Iterable[str]) -> list[str]:
        """The domains whose keys appear among ``words``."""
        have = set(words)
        return [name for name, spec in self.domains.items() if have & set(spec["keys"])]


@dataclass(frozen=True)
class CatalogCard:
    name: str
    description: str
    domains: tuple[str, ...]
    # phrase (words joined by one space) -> weight; single words and multi-word phrases
    vocabulary: dict[str, float] = field(default_factory=dict)
    naming: frozenset[str] = frozenset()  # words that name this catalog's items or the catalog
    n_items: int = 0

    def weight(self, phrase: str) -> float:
        return self.vocabulary.get(phrase, 0.0)

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "n_items": self.n_items}


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z]+", name.lower()) if len(w) > 1]


def _describe(name: str, base: str, domains: list[str], profile: CatalogProfile) -> str:
    parts = [base] if base else []
    if not base and domains:
        parts.append(" and ".join(domains))
    for a in profile.categorical:
        if a.values and len(a.values) <= 40:
            shown = ", ".join(a.values[:MAX_DESCRIBED_VALUES])
            more = ", …" if len(a.values) > MAX_DESCRIBED_VALUES else ""
            parts.append(f"{a.name}: {shown}{more}")
        elif a.values:
            parts.append(f"{a.name} ({len(a.values)} values)")
    for a in profile.numeric:
        if a.low is not None and a.high is not None:
            parts.append(f"{a.name} {a.low:g}–{a.high:g}")
    return f"{name}: " + "; ".join(parts)


def _base_and_domains(
    catalog: Catalog, profile: CatalogProfile, domains: Domains
) -> tuple[str, list[str]]:
    base = profile.description or (BUNDLED[catalog.name][0] if catalog.name in BUNDLED else "")
    attribute_words = [w for a in catalog.attributes for w in tokens(a.name.replace("_", " "))]
    return base, domains.of(_name_words(catalog.name) + tokens(base) + attribute_words)


def describe_catalog(catalog: Catalog, profile: CatalogProfile) -> str:
    """The catalog's description alone (no vocabulary): what MCP clients read."""
    base, found = _base_and_domains(catalog, profile, Domains.load())
    return _describe(catalog.name, base, found, profile)


def build_card(
    catalog: Catalog, profile: CatalogProfile | None = None, lexicon: Lexicon | None = None
) -> CatalogCard:
    """The card of one catalog (reads its values, titles and text once)."""
    profile = profile or build_profile(catalog)
    lexicon = lexicon or Lexicon.load(catalog.path.with_suffix(".lexicon.json"))
    domains = Domains.load()
    vocab: dict[str, float] = {}

    def add(phrase: str, kind: str) -> None:
        words = tokens(phrase)
        if not words or (len(words) == 1 and words[0] in domains.stopwords):
            return
        key = " ".join(words)
        vocab[key] = max(vocab.get(key, 0.0), WEIGHTS[kind])

    base, found = _base_and_domains(catalog, profile, domains)
    naming = set(_name_words(catalog.name))
    for domain in found:
        spec = domains.domains[domain]
        naming.update(spec["naming"])
        for word in (*spec["naming"], *spec["words"], *spec["keys"]):
            add(word, "domain")
    for word in _name_words(catalog.name):
        add(word, "name")
    for a in profile.attributes:
        add(a.name.replace("_", " "), "value")
        for unit in a.units:
            add(unit, "value")
        for value in a.values:
            add(value, "value")
            for synonym in lexicon.values.get(value.lower(), ()):
                add(synonym, "value")
    titles = catalog.titles()
    for title in titles.values():
        words = tokens(title)
        if len(words) > 1 or (words and len(words[0]) >= MIN_TITLE_CHARS):
            add(title, "title")
        for word in words:
            if len(word) > 2:
                add(word, "title_word")
    texts = [a.name for a in catalog.attributes if a.kind == AttributeKind.text]
    for attribute in texts:
        column = '"' + attribute.replace('"', '""') + '"'
        for (text,) in catalog.query(f"SELECT {column} FROM items WHERE {column} IS NOT NULL"):
            for word in tokens(str(text)):
                if len(word) > 2:
                    add(word, "text")
    description = _describe(catalog.name, base, found, profile)
    return CatalogCard(
        catalog.name, description, tuple(found), vocab, frozenset(naming), len(titles)
    )
