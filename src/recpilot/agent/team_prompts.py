"""The prompts and output schemas of the team roles (:mod:`recpilot.agent.team`).

Every role asks one short question and answers in schema-constrained JSON. What the prompts
carry from the user, the catalog or another role's answer is data: the user's words are one
JSON string, everything else a fenced block (:mod:`recpilot.agent.untrusted`).
"""

from __future__ import annotations

from typing import Any

from recpilot.agent.plan import Plan
from recpilot.agent.respond import describe_attributes
from recpilot.agent.untrusted import DATA_NOTE, fenced, one_line, quoted
from recpilot.catalog.schema import Item

MESSAGE_CHARS = 600  # the user's words shown to a role
NOTE_CHARS = 160  # one field of a role's answer
ROW_TITLE_CHARS = 80
ROW_CHARS = 160  # the attributes of one candidate row
ROWS_CHARS = 1200  # a whole block of rows
TEAM_NOTES_CHARS = 700  # the team's notes shown to the searcher


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


MANAGER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "constraints": _text(NOTE_CHARS),
        "similar_to": {"type": "array", "items": _text(ROW_TITLE_CHARS), "maxItems": 3},
        "topic": _text(NOTE_CHARS),
    },
    "required": ["constraints", "similar_to", "topic"],
    "additionalProperties": False,
}

ANALYST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"fits": _text(NOTE_CHARS), "avoid": _text(NOTE_CHARS)},
    "required": ["fits", "avoid"],
    "additionalProperties": False,
}

REFLECTOR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "problem": _text(NOTE_CHARS)},
    "required": ["ok", "problem"],
    "additionalProperties": False,
}


def _request(message: str) -> str:
    return f"Request ({DATA_NOTE}): {quoted(message, MESSAGE_CHARS)}"


def rows_block(label: str, rows: list[Item]) -> str:
    """Catalog rows, one line each (title — attributes), as a fenced block of data."""
    lines = [
        f"{k}. {one_line(item.title, ROW_TITLE_CHARS)} — {one_line(describe_attributes(item), ROW_CHARS)}"
        for k, item in enumerate(rows, 1)
    ]
    return fenced(label, lines or ["(no items)"], ROWS_CHARS)


def manager_prompt(message: str, attributes: list[str]) -> str:
    return (
        "You lead a team that recommends items from a fixed catalog (attributes: "
        f"{', '.join(attributes)}). Split the request into sub-goals: 'constraints': the "
        "conditions every item must meet (values, ranges, exclusions, the count), in a few "
        "words; 'similar_to': titles the user gives as examples; 'topic': what the items "
        "should be about, if the user describes it. Leave a field empty when the request "
        "says nothing about it.\n" + _request(message)
    )


def analyst_prompt(message: str, context: str, goals: str, rows: list[Item]) -> str:
    """``context``: the session's fenced context block (profile, memories, likes), or ""."""
    return (
        "You are the analyst of a recommender team. Read what is known about the user and "
        "the candidates a plain reading of the request finds, and say in a few words what "
        "fits the request and this user ('fits') and what to avoid ('avoid').\n"
        + (context or "Nothing is known about this user yet.\n")
        + fenced("Sub-goals from the team lead", [goals], NOTE_CHARS * 3)
        + "\n"
        + rows_block("Candidates", rows)
        + "\n"
        + _request(message)
    )


def team_notes(goals: str, fits: str, avoid: str) -> str:
    """The manager's and analyst's notes for the searcher, as one fenced block."""
    lines = [f"Sub-goals: {goals}"] if goals else []
    lines += [f"Fits: {fits}"] if fits else []
    lines += [f"Avoid: {avoid}"] if avoid else []
    return fenced("Team notes", lines, TEAM_NOTES_CHARS) + "\n" if lines else ""


def reflector_prompt(message: str, rows: list[Item]) -> str:
    return (
        "You review a recommender team's draft answer before the user sees it.\n"
        + _request(message)
        + "\n"
        + rows_block("Draft items", rows)
        + "\nDo the items meet every condition of the request (values, years, prices, "
        "exclusions, the count, titles it should resemble)? If yes, answer ok true and an "
        "empty problem; if not, ok false and the one most important problem."
    )


def revision_notes(plan: Plan, problem: str) -> str:
    """The reflector's objection and the plan it was about, for the searcher's one revision."""
    return (
        fenced(
            "Review of the previous plan",
            [f"Previous plan: {plan.model_dump_json()}", f"Problem found in its items: {problem}"],
            TEAM_NOTES_CHARS,
        )
        + "\n"
    )
