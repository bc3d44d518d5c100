"""Dialogue memory within one session: what was shown, liked, rejected and ruled out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from recpilot.agent.trace import TurnRecord

MAX_TURNS_KEPT = 20


@dataclass
class Session:
    """One conversation. Owned by its caller; nothing here is shared between sessions."""

    user_id: str | None = None
    history: list[str] = field(default_factory=list)  # the user's catalog interactions
    # How much each history item counts in personal ranking (a profile's decayed weights:
    # recent tastes count more); empty means every item counts the same.
    history_weights: dict[str, float] = field(default_factory=dict)
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    turns: list[TurnRecord] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)  # the last turn's items, in order
    liked: list[str] = field(default_factory=list)
    disliked: list[str] = field(default_factory=list)
    # Values ruled out for the rest of the session ("no horror"): attribute -> values.
    excluded: dict[str, list[str]] = field(default_factory=dict)
    # Standing numeric limits ("nothing over $20"): attribute -> (min, max), None = open.
    limits: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    # Values the user loves ("I love anything by Kubrick"): a soft boost in ranking.
    preferred: dict[str, list[str]] = field(default_factory=dict)
    # The diversity setting ("surprise me", an interface's diversity argument): it holds for
    # the rest of the session until changed; None: the default (recpilot.tools.diversify).
    diversity: float | None = None
    # Filled by recpilot.memory before a turn (both go into the planner's context):
    summary: str = ""  # earlier turns of this session, summarised when the dialogue is cut
    memory_context: str = ""  # the user's profile summary and retrieved relevant memories

    def remember(self, turn: TurnRecord) -> None:
        self.turns = [*self.turns, turn][-MAX_TURNS_KEPT:]
        if turn.items:
            self.shown = [item.item_id for item in turn.items]

    def like(self, item_id: str) -> None:
        if item_id not in self.liked:
            self.liked.append(item_id)
        if item_id in self.disliked:
            self.disliked.remove(item_id)

    def dislike(self, item_id: str) -> None:
        if item_id not in self.disliked:
            self.disliked.append(item_id)
        if item_id in self.liked:
            self.liked.remove(item_id)

    def exclude(self, exclusions: dict[str, list[str]]) -> None:
        """Rule values out for the session (a value ruled out is no longer loved)."""
        for attribute, values in exclusions.items():
            have = self.excluded.setdefault(attribute, [])
            have.extend(v for v in values if v not in have)
            loved = [v for v in self.preferred.pop(attribute, []) if v not in values]
            if loved:
                self.preferred[attribute] = loved

    def prefer(self, preferences: dict[str, list[str]]) -> None:
        for attribute, values in preferences.items():
            have = self.preferred.setdefault(attribute, [])
            have.extend(v for v in values if v not in have)

    def lift(self, inclusions: dict[str, list[str]]) -> None:
        """Asking for a value again lifts an earlier exclusion of it."""
        for attribute, values in inclusions.items():
            kept = [v for v in self.excluded.get(attribute, []) if v not in values]
            if kept:
                self.excluded[attribute] = kept
            else:
                self.excluded.pop(attribute, None)

    def transcript(self, last: int = 3) -> list[tuple[str, str]]:
        """The last few (user message, reply) pairs."""
        return [(t.message, t.reply) for t in self.turns[-last:]]
