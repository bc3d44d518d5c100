"""The systems a simulated user can talk to, behind one narrow interface.

:class:`ChatSystem` — ``start(case)`` opens a dialogue for a test user, ``turn(message)``
answers one message with a ranked list. The agent, the LLM-only baseline
(:mod:`recpilot.eval.llm_only`) and the no-dialogue floors (popularity, plain trained
models) all implement it, so they run in exactly the same harness.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from recpilot.agent.agent import Agent
from recpilot.agent.session import Session
from recpilot.catalog.interactions import InteractionData
from recpilot.eval.holdout import UserCase
from recpilot.models.base import Recommender


@dataclass
class SystemTurn:
    """One answer: ranked items (``None`` where a named title is not a catalog item) and its cost."""

    item_ids: list[str | None]
    titles: list[str] = field(default_factory=list)
    llm_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ms: float = 0.0
    degraded: bool = False
    reply: str = ""

    def rank_of(self, item_id: str) -> int | None:
        """1-based rank of ``item_id``, or None."""
        for pos, candidate in enumerate(self.item_ids, 1):
            if candidate == item_id:
                return pos
        return None


class ChatSystem(Protocol):
    name: str

    def start(self, case: UserCase) -> None: ...

    def turn(self, message: str) -> SystemTurn: ...

    def describe(self) -> dict[str, object]: ...


class AgentSystem:
    """The recpilot agent; each dialogue gets a fresh :class:`Session` with the user's
    pre-target history (the target is not in it)."""

    def __init__(
        self, agent: Agent, name: str = "agent", settings: dict[str, object] | None = None
    ) -> None:
        self.agent = agent
        self.name = name
        self.settings = settings or {}
        self._session = Session()

    def describe(self) -> dict[str, object]:
        return {"system": "agent", "brain": self.agent.brain, "mode": "plan-first", **self.settings}

    def start(self, case: UserCase) -> None:
        self._session = Session(user_id=case.user_id, history=list(case.history))

    def turn(self, message: str) -> SystemTurn:
        started = time.perf_counter()
        record = self.agent.turn(self._session, message)
        ms = (time.perf_counter() - started) * 1000
        return SystemTurn(
            item_ids=[item.item_id for item in record.items],
            titles=[item.title for item in record.items],
            llm_calls=record.llm_calls,
            prompt_tokens=sum(c.prompt_tokens for c in record.llm),
            completion_tokens=sum(c.completion_tokens for c in record.llm),
            ms=ms,
            degraded=record.degraded,
            reply=record.reply,
        )


class ModelSystem:
    """A floor with no dialogue: the top-``k`` of a trained model (or popularity) from the
    user's history, the same list whatever the message says. History items are excluded."""

    def __init__(
        self,
        name: str,
        data: InteractionData,
        model: Recommender | None,
        titles: dict[str, str],
        k: int = 10,
    ) -> None:
        self.name = name
        self.data = data
        self.model = model
        self.titles = titles
        self.k = k
        self._top: list[str] = []

    def describe(self) -> dict[str, object]:
        return {"system": "model", "model": self.name, "dialogue": False, "k": self.k}

    def scores(self, history: list[str]) -> np.ndarray:
        idx = self.data.lookup_items(history)
        idx = idx[idx >= 0]
        if self.model is None or len(idx) == 0:
            return self.data.item_popularity().astype(np.float64)
        return np.asarray(self.model.score([idx])[0], dtype=np.float64)

    def start(self, case: UserCase) -> None:
        scores = self.scores(list(case.history)).copy()
        idx = self.data.lookup_items(list(case.history))
        scores[idx[idx >= 0]] = -np.inf
        scores[np.isnan(scores)] = -np.inf
        order = np.argsort(-scores, kind="stable")[: self.k]
        self._top = [str(self.data.item_ids[i]) for i in order]

    def turn(self, message: str) -> SystemTurn:
        started = time.perf_counter()
        top = list(self._top)
        return SystemTurn(
            item_ids=list(top),
            titles=[self.titles.get(i, i) for i in top],
            ms=(time.perf_counter() - started) * 1000,
        )
