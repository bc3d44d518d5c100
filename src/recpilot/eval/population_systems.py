"""The systems a simulated user browses: each serves one page at a time and hears back what
the user watched and skipped on the previous page.

* :class:`ModelPager` — popularity or a trained model (``itemknn``, ``ease``, ``als``, ...):
  it scores from the user's train history plus what they watched so far, and never shows
  an item twice or an item from the history.
* :class:`AgentPager` — the recpilot agent (rules brain, template replies): one turn per page
  with the generic message ``"show me N"``; the watched items are told to the session as
  liked and the skipped ones as disliked (the agent shows neither again).

Both are built over the split's train part only (:class:`~recpilot.eval.holdout.HeldOutCatalog`
for the agent), so no system has seen a held-out interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.agent.session import Session
from recpilot.catalog.interactions import InteractionData
from recpilot.catalog.store import Catalog
from recpilot.errors import ConfigError
from recpilot.eval.holdout import HeldOutCatalog
from recpilot.eval.population_profiles import UserProfile
from recpilot.models.artifacts import train_or_load
from recpilot.models.base import Recommender
from recpilot.models.registry import model_names

AGENT = "agent"


class PagerSession(Protocol):
    def next_page(self, n: int, watched: list[int], skipped: list[int]) -> list[int]:
        """Up to ``n`` item indices never shown to this user before; ``watched`` / ``skipped``
        are the previous page's outcome (empty on the first page)."""
        ...


class Pager(Protocol):
    name: str

    def session(self, user: UserProfile) -> PagerSession: ...

    def describe(self) -> dict[str, object]: ...


class ModelSession:
    def __init__(self, pager: ModelPager, user: UserProfile) -> None:
        self.pager = pager
        self.known = list(user.history)
        self.shown: set[int] = set(user.history)

    def next_page(self, n: int, watched: list[int], skipped: list[int]) -> list[int]:
        self.known.extend(watched)
        scores = self.pager.scores(self.known).copy()
        scores[np.isnan(scores)] = -np.inf
        scores[list(self.shown)] = -np.inf
        order = np.argsort(-scores, kind="stable")[:n]
        page = [int(i) for i in order if np.isfinite(scores[i])]
        self.shown.update(page)
        return page


@dataclass
class ModelPager:
    name: str
    model: Recommender | None  # None: popularity counts
    popularity: np.ndarray

    def scores(self, history: list[int]) -> np.ndarray:
        if self.model is None:
            return self.popularity.astype(np.float64)
        return np.asarray(self.model.score([np.asarray(history)])[0], dtype=np.float64)

    def session(self, user: UserProfile) -> ModelSession:
        return ModelSession(self, user)

    def describe(self) -> dict[str, object]:
        config = {} if self.model is None else self.model.config.model_dump(mode="json")
        return {"system": "model", "model": self.name, "config": config, "feedback": True}


class AgentSession:
    def __init__(self, pager: AgentPager, user: UserProfile) -> None:
        self.pager = pager
        self.ids = pager.item_ids
        self.session = Session(user_id=user.user_id, history=[self.ids[i] for i in user.history])
        self.shown: set[int] = set(user.history)

    def next_page(self, n: int, watched: list[int], skipped: list[int]) -> list[int]:
        for i in watched:
            self.session.like(self.ids[i])
        for i in skipped:
            self.session.dislike(self.ids[i])
        record = self.pager.agent.turn(self.session, f"show me {n}")
        index = self.pager.index
        page = [index[it.item_id] for it in record.items if it.item_id in index]
        page = [i for i in dict.fromkeys(page) if i not in self.shown][:n]
        self.shown.update(page)
        return page


class AgentPager:
    def __init__(self, agent: Agent, data: InteractionData, name: str = AGENT) -> None:
        self.agent = agent
        self.name = name
        self.item_ids = [str(i) for i in data.item_ids]
        self.index = {item: k for k, item in enumerate(self.item_ids)}

    def session(self, user: UserProfile) -> AgentSession:
        return AgentSession(self, user)

    def describe(self) -> dict[str, object]:
        return {
            "system": "agent",
            "brain": self.agent.brain,
            "message": "show me N",
            "feedback": "watched → liked, skipped → disliked",
        }


def check_systems(names: list[str]) -> None:
    valid = [AGENT, *(m for m in model_names() if m != "text")]
    unknown = [n for n in names if n not in valid]
    if not names or unknown:
        raise ConfigError(
            f"unknown system(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(valid)}"
        )


def build_pager(name: str, catalog: Catalog, train: InteractionData, key: str) -> Pager:
    """System ``name`` trained on ``train`` (models cached under ``key``)."""
    check_systems([name])
    if name == AGENT:
        view = HeldOutCatalog(catalog, train).as_catalog()
        options = AgentOptions(
            dataset=catalog.name, llm="rules", llm_reply=False, embedder="hashing"
        )
        return AgentPager(build_agent(options, catalog=view), train)
    popularity = train.item_popularity()
    model = None if name == "pop" else train_or_load(name, train, key=key)[0]
    return ModelPager(name, model, popularity)
