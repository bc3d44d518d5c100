"""The LLM-only baseline: the same LLM asked to recommend titles directly — no tools, no
catalog. Its titles are then matched against the catalog with the agent's own
:class:`~recpilot.tools.resolve.TitleResolver`; a title that resolves to no item (or is
unresolvable) is a **hallucination**.

``hallucination rate`` = titles that do not resolve / all titles recommended (after removing
repeats within one answer). An *ambiguous* title (several catalog items match equally) is in
the catalog, so it is not a hallucination; for hit counting it stands for its most popular
match.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from recpilot.errors import LLMUnavailable
from recpilot.eval.holdout import ItemInfo, UserCase
from recpilot.eval.systems import SystemTurn
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.llm.json_output import LLMOutputError, parse_json
from recpilot.tools.resolve import TitleResolver

log = logging.getLogger(__name__)

PROMPT = (
    "You are a movie recommender. The user has watched: {history}.\n"
    "{dialogue}"
    "Recommend {k} movies the user has not watched that fit the request. Answer with JSON "
    '{{"titles": [...]}} holding exactly the movie titles, nothing else.'
)


def titles_schema(k: int) -> dict[str, object]:
    return {
        "type": "object",
        "properties": {
            "titles": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 80},
                "minItems": 1,
                "maxItems": k,
            }
        },
        "required": ["titles"],
    }


@dataclass(frozen=True)
class Grounded:
    """Titles an LLM named, matched against the catalog."""

    titles: tuple[str, ...]
    item_ids: tuple[str | None, ...]  # None: not in the catalog

    @property
    def hallucinated(self) -> int:
        return sum(1 for i in self.item_ids if i is None)

    @property
    def rate(self) -> float:
        return self.hallucinated / len(self.titles) if self.titles else 0.0


def ground_titles(titles: Sequence[str], resolver: TitleResolver) -> Grounded:
    """Resolve each distinct title (first occurrence kept) against the catalog."""
    seen: set[str] = set()
    kept: list[str] = []
    ids: list[str | None] = []
    for raw in titles:
        title = str(raw).strip()
        if not title or title.lower() in seen:
            continue
        seen.add(title.lower())
        res = resolver.resolve(title)
        item: str | None = None
        if res.status == "resolved":
            item = res.item_id
        elif res.status == "ambiguous" and res.options:
            item = res.options[0]
        kept.append(title)
        ids.append(item)
    return Grounded(tuple(kept), tuple(ids))


def hallucination_rate(answers: Sequence[Grounded]) -> float:
    """Pooled over answers: hallucinated titles / all titles."""
    total = sum(len(a.titles) for a in answers)
    return sum(a.hallucinated for a in answers) / total if total else 0.0


def parse_titles(text: str) -> list[str]:
    """Titles from the LLM's answer: ``{"titles": [...]}``, a bare list, or one per line."""
    try:
        value = parse_json(text)
    except LLMOutputError:
        lines = [line.strip(" -*0123456789.\t") for line in text.splitlines()]
        return [line for line in lines if line]
    if isinstance(value, dict):
        value = value.get("titles", [])
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []


class LLMOnlySystem:
    """A :class:`~recpilot.eval.systems.ChatSystem` that asks the LLM for titles directly."""

    def __init__(
        self,
        llm: LLM,
        resolver: TitleResolver,
        items: dict[str, ItemInfo],
        *,
        k: int = 10,
        history_shown: int = 20,
        name: str = "llm-only",
    ) -> None:
        self.llm = llm
        self.resolver = resolver
        self.items = items
        self.k = k
        self.history_shown = history_shown
        self.name = name
        self.answers: list[Grounded] = []
        self._history: list[str] = []
        self._dialogue: list[str] = []

    def describe(self) -> dict[str, object]:
        return {
            "system": "llm-only",
            "llm": self.llm.name,
            "k": self.k,
            "history_titles_in_prompt": self.history_shown,
        }

    def start(self, case: UserCase) -> None:
        recent = case.history[-self.history_shown :]
        self._history = [self.items[i].title for i in recent if i in self.items]
        self._dialogue = []

    def turn(self, message: str) -> SystemTurn:
        self._dialogue.append(f"User: {message}")
        prompt = PROMPT.format(
            history="; ".join(self._history),
            dialogue="\n".join(self._dialogue[-3:]) + "\n",
            k=self.k,
        )
        req = LLMRequest(
            messages=[Message(role="user", content=prompt)],
            json_schema=titles_schema(self.k),
            max_tokens=30 * self.k,
            temperature=0.0,
        )
        started = time.perf_counter()
        try:
            resp = self.llm.request(req)
        except LLMUnavailable as exc:
            log.warning("llm-only baseline: LLM unavailable: %s", exc)
            return SystemTurn(item_ids=[], ms=(time.perf_counter() - started) * 1000, degraded=True)
        grounded = ground_titles(parse_titles(resp.text)[: self.k], self.resolver)
        self.answers.append(grounded)
        self._dialogue.append("Assistant: " + "; ".join(grounded.titles))
        return SystemTurn(
            item_ids=list(grounded.item_ids),
            titles=list(grounded.titles),
            llm_calls=1,
            prompt_tokens=resp.prompt_tokens,
            completion_tokens=resp.completion_tokens,
            ms=(time.perf_counter() - started) * 1000,
            reply=resp.text,
        )

    def hallucination_rate(self) -> float:
        return hallucination_rate(self.answers)
