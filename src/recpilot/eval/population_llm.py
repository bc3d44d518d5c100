"""The LLM-driven simulated user: an LLM reads a short persona and one page, and answers JSON.

The persona comes from the same profile as the rules simulator (taste shares, conformity,
diversity appetite, patience). The answer is constrained by a JSON schema (the backends'
``json_schema`` support) and validated again here; an answer that cannot be read is counted
in :attr:`LLMPageSimulator.invalid`, the page counts as skipped, and the run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from recpilot.eval.population_profiles import ItemFacts, UserProfile
from recpilot.eval.population_sim import Action, PageOutcome
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.llm.json_output import LLMOutputError, parse_json, validate_against

log = logging.getLogger(__name__)

SYSTEM = "You play one user of a recommendation app. Stay in character. Answer only JSON."
PERSONA = (
    "You like {taste}. You {conformity}, and you {appetite}. You give up after {patience} "
    "page(s) with nothing you want."
)
TASK = (
    "Page {page}:\n{items}\nWatch only the items that fit your tastes (often none or one). "
    "JSON: watch (item numbers), rating (1-5), leave (stop browsing now?), reason."
)
# One worked answer, in the same shape (a static prompt prefix, so the embedded model
# evaluates it once): small models copy the format and otherwise pick every item.
EXAMPLE = (
    "You like Jazz (60%), Blues (30%). You prefer lesser-known titles, and you stick to what "
    "you know. You give up after 2 page(s) with nothing you want.\n"
    + TASK.format(
        page=1, items="1. Pop Hits (Pop)\n2. Late Night Sessions (Jazz)\n3. Metal Storm (Metal)"
    )
)
EXAMPLE_ANSWER = '{"watch": [2], "rating": 4, "leave": false, "reason": "jazz, my favourite"}'


def page_schema(n: int) -> dict[str, Any]:
    """The answer's schema for a page of ``n`` items."""
    return {
        "type": "object",
        "properties": {
            "watch": {
                "type": "array",
                "items": {"type": "integer", "enum": list(range(1, n + 1))},
                "maxItems": n,
            },
            "rating": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
            "leave": {"type": "boolean"},
            "reason": {"type": "string", "maxLength": 40},
        },
        "required": ["watch", "rating", "leave", "reason"],
        "additionalProperties": False,
    }


def persona(facts: ItemFacts, user: UserProfile) -> str:
    taste = ", ".join(f"{v} ({s:.0%})" for v, s in user.top_taste(facts, 3)) or "anything"
    conformity = (
        "mostly pick popular titles"
        if user.conformity >= 0.85
        else "mix popular and lesser-known titles"
        if user.conformity >= 0.7
        else "prefer lesser-known titles"
    )
    appetite = (
        "like trying new kinds of things"
        if user.appetite > 0.15
        else "stick to what you know"
        if user.appetite < -0.15
        else "sometimes try new kinds of things"
    )
    return PERSONA.format(
        taste=taste, conformity=conformity, appetite=appetite, patience=user.patience
    )


def page_text(facts: ItemFacts, items: list[int]) -> str:
    return "\n".join(
        f"{n}. {facts.titles[i]} ({', '.join(facts.labels(i)) or '-'})"
        for n, i in enumerate(items, 1)
    )


@dataclass
class LLMPageSimulator:
    """Any LLM backend plays the user; counts its calls, tokens and unreadable answers."""

    llm: LLM
    facts: ItemFacts
    max_tokens: int = 120
    name: str = "llm"
    calls: int = 0
    invalid: int = 0
    tokens: int = 0
    errors: list[str] = field(default_factory=list)  # the first few unreadable answers

    def describe(self) -> dict[str, object]:
        return {
            "simulator": self.name,
            "llm": self.llm.name,
            "calls": self.calls,
            "invalid": self.invalid,
            "tokens": self.tokens,
            "invalid_examples": self.errors[:5],
        }

    def ask(self, user: UserProfile, page: int, items: list[int]) -> dict[str, Any] | None:
        """The LLM's validated answer for one page, or None (counted) when unreadable."""
        schema = page_schema(len(items))
        prompt = (
            persona(self.facts, user)
            + "\n"
            + TASK.format(page=page, items=page_text(self.facts, items))
        )
        req = LLMRequest(
            messages=[
                Message(role="system", content=SYSTEM),
                Message(role="user", content=EXAMPLE),
                Message(role="assistant", content=EXAMPLE_ANSWER),
                Message(role="user", content=prompt),
            ],
            json_schema=schema,
            max_tokens=self.max_tokens,
            temperature=0.0,
        )
        resp = self.llm.request(req)
        self.calls += 1
        self.tokens += resp.prompt_tokens + resp.completion_tokens
        try:
            value = parse_json(resp.text)
        except LLMOutputError as exc:
            self._invalid(str(exc))
            return None
        problems = validate_against(schema, value)
        if problems:
            self._invalid(f"{problems[0]} in {resp.text[:120]!r}")
            return None
        return dict(value)

    def _invalid(self, why: str) -> None:
        self.invalid += 1
        if len(self.errors) < 5:
            self.errors.append(why)
        log.info("llm simulator answer unreadable: %s", why)

    def session(self, user: UserProfile) -> LLMBrowse:
        return LLMBrowse(self, user)

    def preference(self, user: UserProfile, items: np.ndarray) -> np.ndarray:
        """1 for the items the LLM would watch on one page of ``items`` (shown in the given
        order), else 0: a probe page for the agreement check."""
        answer = self.ask(user, 1, [int(i) for i in items])
        picked = set(answer["watch"]) if answer else set()
        return np.array([1.0 if n in picked else 0.0 for n in range(1, len(items) + 1)])


class LLMBrowse:
    def __init__(self, sim: LLMPageSimulator, user: UserProfile) -> None:
        self.sim = sim
        self.user = user

    def page(self, page: int, items: list[int]) -> PageOutcome:
        facts = self.sim.facts
        outcome = PageOutcome(page=page)
        answer = self.sim.ask(self.user, page, items) if items else None
        picked = set(answer["watch"]) if answer else set()
        why = str(answer["reason"]) if answer else "the answer could not be read"
        for n, i in enumerate(items, 1):
            watched = n in picked
            outcome.actions.append(
                Action(
                    item_id=facts.item_ids[i],
                    title=facts.titles[i],
                    action="watch" if watched else "skip",
                    rating=int(answer["rating"]) if watched and answer else None,
                    reason=why,
                )
            )
        outcome.invalid = answer is None and bool(items)
        outcome.leave = not items or bool(answer and answer["leave"])
        outcome.reason = why
        return outcome
