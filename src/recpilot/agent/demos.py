"""Demonstrations: (request → plan) examples shipped as data, retrieved per message.

Dynamic mode embeds the bank once and picks the ``k`` examples nearest to each message;
fixed mode always shows the same first ``k``. The bank grows with ``recpilot demos generate``
(validated plans only) and from successful real turns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from recpilot.agent.plan import Plan
from recpilot.models.embedders import Embedder


@dataclass(frozen=True)
class Demonstration:
    request: str
    plan: Plan


def load_bank(path: Path | None = None) -> list[Demonstration]:
    """The shipped bank, plus the user's grown bank at ``path`` when it exists."""
    text = resources.files("recpilot.agent").joinpath("data/demos.jsonl").read_text()
    lines = text.splitlines()
    if path is not None and path.exists():
        lines += path.read_text().splitlines()
    out = []
    for line in lines:
        if line.strip():
            row = json.loads(line)
            out.append(Demonstration(row["request"], Plan.model_validate(row["plan"])))
    return out


class DemoSelector:
    """Chooses the demonstrations shown to the planner for one message."""

    def __init__(
        self,
        bank: list[Demonstration],
        embedder: Embedder,
        k: int = 3,
        mode: Literal["dynamic", "fixed"] = "dynamic",
    ) -> None:
        self.bank = bank
        self.embedder = embedder
        self.k = k
        self.mode = mode
        self._vectors: np.ndarray | None = None

    def select(self, message: str) -> list[Demonstration]:
        if self.mode == "fixed" or not self.bank:
            return self.bank[: self.k]
        if self._vectors is None:
            self._vectors = self.embedder.encode([d.request for d in self.bank])
        query = self.embedder.encode([message])[0]
        sims = self._vectors @ query
        order = np.argsort(-sims, kind="stable")[: self.k]
        # Most similar last: closest to the question in the prompt.
        return [self.bank[int(i)] for i in order[::-1]]
