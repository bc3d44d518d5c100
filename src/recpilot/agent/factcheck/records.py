"""What a fact check returns: statements with their verdicts, and the check as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DROPPED_NOTE = "Left out part of the LLM's introduction that the catalog does not bear out."


class Verdict(StrEnum):
    supported = "supported"
    contradicted = "contradicted"  # the row says otherwise
    unsupported = "unsupported"  # the row (or the catalog) holds nothing that could say so


@dataclass(frozen=True)
class Statement:
    """One factual statement of the text, and what the catalog says about it."""

    sentence: str
    claim: str  # the words that state it: "by Yuki Tanabe", "1996", "directed by"
    items: tuple[str, ...]  # item ids it is about; () means the listed set as a whole
    attribute: str | None  # the attribute checked; None when the catalog has none for it
    verdict: Verdict
    detail: str  # what the rows hold, or why nothing can back the claim


@dataclass(frozen=True)
class FactCheck:
    sentences: tuple[str, ...]
    statements: tuple[Statement, ...]

    def _of(self, verdict: Verdict) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.verdict is verdict)

    @property
    def supported(self) -> tuple[Statement, ...]:
        return self._of(Verdict.supported)

    @property
    def contradicted(self) -> tuple[Statement, ...]:
        return self._of(Verdict.contradicted)

    @property
    def unsupported(self) -> tuple[Statement, ...]:
        return self._of(Verdict.unsupported)

    @property
    def dropped(self) -> tuple[str, ...]:
        """Sentences with a contradicted or unsupported statement."""
        bad = {s.sentence for s in self.statements if s.verdict is not Verdict.supported}
        return tuple(s for s in self.sentences if s in bad)

    @property
    def kept(self) -> tuple[str, ...]:
        dropped = set(self.dropped)
        return tuple(s for s in self.sentences if s not in dropped)

    @property
    def notes(self) -> list[str]:
        """Lines for the turn's notes: :data:`DROPPED_NOTE` when a sentence was dropped."""
        return [DROPPED_NOTE] if self.dropped else []
