"""What one turn changed in a session — items liked or disliked, values ruled out or asked
for again, numeric limits set or dropped — and how that is folded into the profile.

The agent records these on the session (``liked``, ``disliked``, ``excluded``, ``limits``);
the service compares the session before and after the turn, so it needs nothing from the
agent beyond the session itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.memory.profile import ItemFacts, UserProfile, apply_turn
from recpilot.memory.records import Bounds


@dataclass
class Change:
    liked: list[str] = field(default_factory=list)
    disliked: list[str] = field(default_factory=list)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # newly ruled out
    lifted: dict[str, list[str]] = field(default_factory=dict)  # asked for again
    limits: dict[str, Bounds] = field(default_factory=dict)  # set or changed
    cleared_limits: list[str] = field(default_factory=list)
    preferred: dict[str, list[str]] = field(default_factory=dict)  # newly loved


@dataclass(frozen=True)
class Snapshot:
    liked: frozenset[str]
    disliked: frozenset[str]
    excluded: dict[str, list[str]]
    limits: dict[str, Bounds]
    preferred: dict[str, list[str]]

    @classmethod
    def of(cls, session: Session) -> Snapshot:
        return cls(
            frozenset(session.liked),
            frozenset(session.disliked),
            {a: list(v) for a, v in session.excluded.items()},
            dict(session.limits),
            {a: list(v) for a, v in session.preferred.items()},
        )

    def diff(self, session: Session, included: dict[str, list[str]]) -> Change:
        """The change from this snapshot to ``session`` now; ``included`` are values the
        turn asked for (they lift an exclusion even when the session never held it)."""
        excluded = {
            a: new
            for a, values in session.excluded.items()
            if (new := [v for v in values if v not in self.excluded.get(a, [])])
        }
        lifted: dict[str, list[str]] = {}
        for a, values in self.excluded.items():
            gone = [v for v in values if v not in session.excluded.get(a, [])]
            if gone:
                lifted[a] = gone
        for a, values in included.items():
            have = lifted.setdefault(a, [])
            have.extend(v for v in values if v not in have)
        return Change(
            liked=[i for i in session.liked if i not in self.liked],
            disliked=[i for i in session.disliked if i not in self.disliked],
            excluded=excluded,
            lifted={a: v for a, v in lifted.items() if v},
            limits={a: b for a, b in session.limits.items() if self.limits.get(a) != b},
            cleared_limits=[a for a in self.limits if a not in session.limits],
            preferred={
                a: new
                for a, values in session.preferred.items()
                if (new := [v for v in values if v not in self.preferred.get(a, [])])
            },
        )


def included_values(record: TurnRecord) -> dict[str, list[str]]:
    """Values the turn's plan asked for (attribute -> values)."""
    out: dict[str, list[str]] = {}
    for step in record.plan:
        if step.get("tool") == "search_catalog":
            for attr, values in (step.get("args", {}).get("include") or {}).items():
                out.setdefault(attr, []).extend(values)
    return out


def is_lookup(record: TurnRecord) -> bool:
    """A turn that answered questions about named items rather than recommending."""
    tools = {s.tool for s in record.steps}
    return "lookup_items" in tools and tools <= {"lookup_items", "finalize"}


def fold_turn(
    profile: UserProfile,
    message: str,
    change: Change,
    liked: Sequence[ItemFacts],
    disliked: Sequence[ItemFacts],
    notes: Sequence[str],
) -> UserProfile:
    return apply_turn(
        profile,
        message,
        liked=liked,
        disliked=disliked,
        excluded=change.excluded,
        included=change.lifted,
        limits=change.limits,
        cleared_limits=change.cleared_limits,
        preferred=change.preferred,
        notes=notes,
    )
