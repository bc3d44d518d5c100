"""Bounded dialogue memory: a long session keeps its last turns verbatim and folds the
older ones into a summary that always keeps the constraints the user stated."""

from __future__ import annotations

import re

from recpilot.memory.profile import bounds_text
from recpilot.memory.records import SessionState, StoredTurn

MAX_TURNS = 6  # turns kept verbatim
MAX_SUMMARY_CHARS = 800  # the request log part is trimmed to this; constraints never are
_STATED = "Stated earlier: "
_ASKED = "Earlier requests: "


def bound_dialogue(
    session: SessionState, *, max_turns: int = MAX_TURNS, max_chars: int = MAX_SUMMARY_CHARS
) -> int:
    """Cut the session to its last ``max_turns`` turns, folding the cut ones into
    ``session.summary``. Returns how many turns were folded."""
    if len(session.turns) <= max_turns:
        return 0
    cut, session.turns = session.turns[:-max_turns], session.turns[-max_turns:]
    constraints, asked = _parse(session.summary)
    for turn in cut:
        for phrase in turn_constraints(turn):
            if phrase not in constraints:
                constraints.append(phrase)
        asked.append(turn.message.strip().replace(";", ",")[:120])
    standing = [f"no {v}" for values in session.excluded.values() for v in values]
    standing += [f"{a} {bounds_text(b)}" for a, b in session.limits.items()]
    for phrase in standing:
        if phrase not in constraints:
            constraints.append(phrase)
    log_text = "; ".join(asked)
    while len(log_text) > max_chars and len(asked) > 1:
        asked = asked[1:]
        log_text = "; ".join(asked)
    parts = []
    if constraints:
        parts.append(_STATED + "; ".join(constraints) + ".")
    if asked:
        parts.append(_ASKED + log_text[:max_chars] + ".")
    session.summary = " ".join(parts)
    return len(cut)


def turn_constraints(turn: StoredTurn) -> list[str]:
    """The constraints a turn's plan applied, as short phrases ("no Horror", "year ≥ 1990")."""
    out: list[str] = []
    for step in turn.plan:
        if step.get("tool") != "search_catalog":
            continue
        args = step.get("args", {})
        for values in (args.get("exclude") or {}).values():
            out += [f"no {v}" for v in values]
        for values in (args.get("include") or {}).values():
            out += [f"wants {v}" for v in values]
        for attr, bounds in (args.get("ranges") or {}).items():
            if bounds.get("min") is not None:
                out.append(f"{attr} ≥ {bounds['min']}")
            if bounds.get("max") is not None:
                out.append(f"{attr} ≤ {bounds['max']}")
    return out


def _parse(summary: str) -> tuple[list[str], list[str]]:
    constraints: list[str] = []
    asked: list[str] = []
    stated = re.search(re.escape(_STATED) + r"(.*?)\.(?: |$)", summary)
    if stated:
        constraints = [p.strip() for p in stated.group(1).split(";") if p.strip()]
    earlier = re.search(re.escape(_ASKED) + r"(.*)\.$", summary)
    if earlier:
        asked = [p.strip() for p in earlier.group(1).split(";") if p.strip()]
    return constraints, asked
