"""The candidate bus: the ordered set of catalog items a turn's tools work on.

Every tool reads and writes the same bus, which belongs to one turn of one session (never
global). An item on the bus is always a catalog id; each carries its score and the evidence
(provenance) that put or kept it there, which is where the reply's reasons come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Candidate:
    item_id: str
    score: float | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class CandidateBus:
    """Ordered candidates. ``active`` is false until a retrieval step has filled the bus:
    before that the whole catalog is implicitly in play."""

    candidates: list[Candidate] = field(default_factory=list)
    active: bool = False

    def __len__(self) -> int:
        return len(self.candidates)

    def ids(self) -> list[str]:
        return [c.item_id for c in self.candidates]

    def fill(self, ids: Sequence[str], scores: Sequence[float] | None, evidence: str) -> None:
        """Replace the bus with ``ids`` (in this order)."""
        self.candidates = [
            Candidate(item_id, None if scores is None else float(scores[k]), [evidence])
            for k, item_id in enumerate(ids)
        ]
        self.active = True

    def keep(self, allowed: Iterable[str], evidence: str | None = None) -> int:
        """Keep only candidates whose id is in ``allowed``; returns how many were dropped."""
        allowed_set = set(allowed)
        before = len(self.candidates)
        self.candidates = [c for c in self.candidates if c.item_id in allowed_set]
        if evidence:
            for c in self.candidates:
                c.evidence.append(evidence)
        return before - len(self.candidates)

    def drop(self, ids: Iterable[str]) -> int:
        banned = set(ids)
        before = len(self.candidates)
        self.candidates = [c for c in self.candidates if c.item_id not in banned]
        return before - len(self.candidates)

    def rescore(self, scores: dict[str, float], evidence: dict[str, str] | None = None) -> None:
        """Set new scores (missing ids score -inf) and sort best first, stable on ties."""
        for c in self.candidates:
            c.score = scores.get(c.item_id, float("-inf"))
            if evidence and c.item_id in evidence:
                c.evidence.append(evidence[c.item_id])
        self.candidates.sort(key=lambda c: -(c.score if c.score is not None else float("-inf")))

    def top(self, n: int) -> list[Candidate]:
        return self.candidates[:n]
