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
    excluded_genres: list[str] = field(default_factory=list)  # "no horror", kept for the session
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

    def exclude_genres(self, genres: list[str]) -> None:
        self.excluded_genres.extend(g for g in genres if g not in self.excluded_genres)

    def transcript(self, last: int = 3) -> list[tuple[str, str]]:
        """The last few (user message, reply) pairs."""
        return [(t.message, t.reply) for t in self.turns[-last:]]
