"""Simulated users that know a hidden target and never name it.

* :class:`AttributeSimulator` — deterministic, no LLM. It reveals the target's attributes
  (a genre, its era as a decade phrase, items from the user's history that resemble it, a
  second genre) one more per turn, in an order drawn from its seed, and restates what it
  already said (the agent reads each message on its own). After everything is revealed it
  adds "not X" for items it was shown and did not want. Phrasing comes from templates picked
  by the seed.
* :class:`LLMSimulator` — any backend: a persona built from the user's history and the
  target's attributes (never its title) writes each message.

Every message passes the :class:`LeakFilter`; a leaking message is regenerated (another
template, another similar item, another sample) and, as a last resort, the leaking part is
dropped.
"""

from __future__ import annotations

import difflib
import logging
import random
from dataclasses import dataclass, field
from typing import Protocol

from recpilot.errors import LLMUnavailable
from recpilot.eval.holdout import ItemInfo, UserCase
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.tools.resolve import normalize_title

log = logging.getLogger(__name__)

_STOP = frozenset({"the", "a", "an", "of", "and", "la", "le", "les", "il", "el"})
DECADE_WORDS = {1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties",
                1960: "sixties", 1970: "seventies", 1980: "eighties", 1990: "nineties"}  # fmt: skip


def _words(text: str) -> list[str]:
    return [w for w in normalize_title(text).split() if w not in _STOP]


@dataclass(frozen=True)
class LeakFilter:
    """Does a message name the target? Exact (normalised, word-bounded) or fuzzy: any run of
    words whose length is within one of the title's that matches it with difflib ratio ≥
    ``threshold``. Titles made only of stop words, or shorter than 5 letters, are matched
    exactly."""

    title: str
    threshold: float = 0.85

    def leaks(self, text: str) -> bool:
        key = _words(self.title) or normalize_title(self.title).split()
        if not key:
            return False
        target = " ".join(key)
        words = _words(text) if _words(self.title) else normalize_title(text).split()
        if f" {target} " in f" {' '.join(words)} ":
            return True
        if len(target) < 5:  # fuzzy matching of a very short title flags every near word
            return False
        for size in range(max(1, len(key) - 1), len(key) + 2):
            for start in range(0, max(0, len(words) - size) + 1):
                window = " ".join(words[start : start + size])
                if difflib.SequenceMatcher(None, window, target).ratio() >= self.threshold:
                    return True
        return False


@dataclass
class SimMessage:
    text: str
    rejected: int = 0  # drafts the leak filter threw away
    source: str = "template"  # "template", "llm", "fallback"
    revealed: list[str] = field(default_factory=list)


class Simulator(Protocol):
    """One simulated user per dialogue: ``start`` then one ``message`` per turn."""

    name: str

    def start(self, case: UserCase) -> None: ...

    def message(self, turn: int, shown: list[str]) -> SimMessage: ...

    def describe(self) -> dict[str, object]: ...


def decade_phrase(year: int, rng: random.Random) -> str:
    decade = year // 10 * 10
    short = f"{decade % 100:02d}s"
    options = [f"from the {short}", f"from the {decade}s", f"made in the {decade}s"]
    if decade in DECADE_WORDS:
        options.append(f"from the {DECADE_WORDS[decade]}")
    return rng.choice(options)


def similar_in_history(target: ItemInfo, history: list[ItemInfo]) -> list[ItemInfo]:
    """History items ranked by content likeness to the target: genre Jaccard plus a year
    bonus (up to 0.3, falling to 0 at 30 years apart); later history wins ties."""

    def score(pair: tuple[int, ItemInfo]) -> tuple[float, int]:
        pos, item = pair
        a, b = set(target.genres), set(item.genres)
        jaccard = len(a & b) / len(a | b) if a | b else 0.0
        bonus = 0.0
        if target.year is not None and item.year is not None:
            bonus = 0.3 * max(0.0, 1.0 - abs(target.year - item.year) / 30)
        return (jaccard + bonus, pos)

    ranked = sorted(enumerate(history), key=score, reverse=True)
    return [item for _, item in ranked if item.item_id != target.item_id]


OPENERS = (
    "Can you recommend {n} {g}movies",
    "I'm in the mood for {n} {g}films",
    "Suggest {n} {g}movies for me",
    "Show me {n} {g}films",
    "Any ideas? I'd like {n} {g}movies",
)
SIMILAR = ("something like {t}", "similar to {t}", "something like {q}", "in the vein of {t}")
REJECT = ("but not {t}", "and nothing like {t}")


@dataclass
class AttributeSimulator:
    """Deterministic: the same seed, case and shown items give the same messages."""

    items: dict[str, ItemInfo]
    seed: int = 0
    k: int = 10
    name: str = "attribute"

    def __post_init__(self) -> None:
        self._case: UserCase | None = None
        self._order: list[str] = []
        self._rejected: list[str] = []

    def describe(self) -> dict[str, object]:
        return {"simulator": self.name, "seed": self.seed, "k_requested": self.k}

    def start(self, case: UserCase) -> None:
        self._case = case
        self._rng = random.Random(f"{self.seed}:{case.user_id}:{case.target_id}")
        target = self.items[case.target_id]
        history = [self.items[i] for i in case.history if i in self.items]
        self._similar = similar_in_history(target, history)
        genres = list(target.genres)
        self._rng.shuffle(genres)
        self._genres = genres
        first = ["genre", "era", "similar"]
        self._rng.shuffle(first)
        self._order = [a for a in [*first, "genre2", "similar2"] if self._available(a)]
        self._rejected = []
        self._leak = LeakFilter(target.title)

    def _available(self, attr: str) -> bool:
        target = self.items[self._require().target_id]
        return {
            "genre": len(self._genres) >= 1,
            "genre2": len(self._genres) >= 2,
            "era": target.year is not None,
            "similar": len(self._similar) >= 1,
            "similar2": len(self._similar) >= 2,
        }[attr]

    def _require(self) -> UserCase:
        if self._case is None:
            raise RuntimeError("call start(case) before message()")
        return self._case

    def revealed(self, turn: int) -> list[str]:
        """The attributes stated by ``turn`` (1-based), in reveal order."""
        return self._order[:turn]

    def full_request(self) -> SimMessage:
        """Every attribute at once: the one-turn retrieval request."""
        return self._compose(self._order, [])

    def message(self, turn: int, shown: list[str]) -> SimMessage:
        self._require()
        revealed = self._order[:turn]
        if turn > len(self._order):
            self._rejected.extend(i for i in shown[:2] if i not in self._rejected)
        return self._compose(revealed, self._rejected[-4:])

    def _compose(self, revealed: list[str], rejected: list[str]) -> SimMessage:
        target = self.items[self._require().target_id]
        drafts: list[tuple[str, list[str]]] = []
        for attempt in range(6):
            rng = random.Random(f"{self._rng.random()}:{attempt}")
            drafts.append((self._draft(revealed, rejected, target, rng, attempt), revealed))
        # last resorts: without the similar items, then without anything risky
        drafts.append(
            (
                self._draft(
                    [a for a in revealed if "similar" not in a], [], target, random.Random(0), 0
                ),
                revealed,
            )
        )
        rejected_count = 0
        for text, attrs in drafts:
            if not self._leak.leaks(text):
                source = "template" if rejected_count < 6 else "fallback"
                return SimMessage(text, rejected_count, source, list(attrs))
            rejected_count += 1
        return SimMessage(f"Recommend {self.k} movies, please.", rejected_count, "fallback", [])

    def _draft(
        self,
        revealed: list[str],
        rejected: list[str],
        target: ItemInfo,
        rng: random.Random,
        attempt: int,
    ) -> str:
        slots = [pos for attr, pos in (("genre", 0), ("genre2", 1)) if attr in revealed]
        g = "".join(f"{self._genres[pos].lower()} " for pos in slots)
        parts = [rng.choice(OPENERS).format(n=self.k, g=g)]
        if "era" in revealed and target.year is not None:
            parts.append(" " + decade_phrase(target.year, rng))
        sims = [s for s in ("similar", "similar2") if s in revealed]
        if sims:
            # on retries, walk down the history list to avoid a title that resembles the target
            picks = self._similar[attempt : attempt + len(sims)] or self._similar[: len(sims)]
            names = " or ".join(p.title for p in picks)
            quoted = " or ".join(f'"{p.title}"' for p in picks)  # each title in its own quotes
            parts.append(", " + rng.choice(SIMILAR).format(t=names, q=quoted))
        if rejected:
            names = ", ".join(self.items[i].title for i in rejected if i in self.items)
            parts.append(", " + rng.choice(REJECT).format(t=names))
        return "".join(parts)


PERSONA = (
    "You are role-playing a movie fan talking to a recommender assistant. You have watched "
    "and enjoyed: {history}. Right now you want one specific movie. What you know about it: "
    "genres {genres}; {era}; it is a bit like {similar}. You do NOT know its title and must "
    "never guess a title for it. Write your next message to the assistant: one or two short "
    "sentences asking for {k} movies, mentioning {focus}. Write only the message."
)


@dataclass
class LLMSimulator:
    """An LLM writes the user's messages; a leaking draft is resampled (up to ``retries``
    times), then the attribute simulator's message for that turn is used instead."""

    llm: LLM
    items: dict[str, ItemInfo]
    seed: int = 0
    k: int = 10
    retries: int = 2
    name: str = "llm"
    calls: int = 0
    tokens: int = 0

    def __post_init__(self) -> None:
        self._fallback = AttributeSimulator(self.items, seed=self.seed, k=self.k)

    def describe(self) -> dict[str, object]:
        return {
            "simulator": self.name,
            "llm": self.llm.name,
            "seed": self.seed,
            "retries": self.retries,
        }

    def start(self, case: UserCase) -> None:
        self._case = case
        self._fallback.start(case)
        self._leak = LeakFilter(self.items[case.target_id].title)

    def message(self, turn: int, shown: list[str]) -> SimMessage:
        case = self._case
        target = self.items[case.target_id]
        history = [self.items[i] for i in case.history if i in self.items]
        similar = similar_in_history(target, history)
        revealed = self._fallback.revealed(turn)
        focus = ", ".join(revealed) or "what you feel like"
        prompt = PERSONA.format(
            history="; ".join(i.title for i in history[-10:]),
            genres=", ".join(target.genres) or "unknown",
            era=f"it came out in the {target.year // 10 * 10}s" if target.year else "year unknown",
            similar=similar[0].title if similar else "nothing you have seen",
            k=self.k,
            focus=focus,
        )
        if shown:
            prompt += (
                " The assistant just suggested: "
                + "; ".join(self.items[i].title for i in shown[:5] if i in self.items)
                + ". None of them is the one."
            )
        rejected = 0
        for attempt in range(self.retries + 1):
            req = LLMRequest(
                messages=[Message(role="user", content=prompt)],
                max_tokens=80,
                temperature=0.0 if attempt == 0 else 0.8,
            )
            try:
                resp = self.llm.request(req)
            except LLMUnavailable as exc:
                log.warning("simulator LLM unavailable: %s", exc)
                break
            self.calls += 1
            self.tokens += resp.prompt_tokens + resp.completion_tokens
            text = resp.text.strip().strip('"').split("\n")[0][:300]
            if text and not self._leak.leaks(text):
                return SimMessage(text, rejected, "llm", revealed)
            rejected += 1
        fallback = self._fallback.message(turn, shown)
        fallback.rejected += rejected
        fallback.source = "fallback"
        return fallback
