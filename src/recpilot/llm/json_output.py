"""Reading JSON out of LLM text, and checking it against a schema.

Small models wrap JSON in code fences or precede it with prose even when asked not to;
:func:`parse_json` takes the first JSON value that decodes. :func:`validate_against` returns
readable error strings, meant to go back to the LLM as a repair message ("at steps[0].tool:
'serch' is not one of ['search_catalog', ...]").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema

from recpilot.errors import ConfigError, RecpilotError

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_SNIPPET = 200


class LLMOutputError(RecpilotError):
    """The LLM's text holds no parseable JSON. ``snippet`` is the start of the offending text."""

    def __init__(self, message: str, *, snippet: str) -> None:
        self.snippet = snippet
        super().__init__(f"{message}: {snippet!r}")


def _candidates(text: str) -> Iterator[str]:
    yield text
    for match in _FENCE.finditer(text):
        yield match.group(1).strip()


def _first_decodable(text: str, opener: str) -> tuple[bool, Any]:
    decoder = json.JSONDecoder()
    start = text.find(opener)
    while start != -1:
        try:
            value, _end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find(opener, start + 1)
            continue
        return True, value
    return False, None


def parse_json(text: str) -> Any:
    """The JSON value in ``text``: the whole text, a fenced block, or else the first balanced
    JSON object (then array) embedded in prose. Raises :class:`LLMOutputError` otherwise."""
    stripped = text.strip()
    for candidate in _candidates(stripped):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    for opener in ("{", "["):
        found, value = _first_decodable(stripped, opener)
        if found:
            return value
    if not stripped:
        raise LLMOutputError("the LLM returned no text where JSON was expected", snippet="")
    raise LLMOutputError("no JSON object found in the LLM output", snippet=stripped[:_SNIPPET])


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def validate_against(schema: dict[str, Any], value: Any) -> list[str]:
    """Readable schema violations of ``value`` (empty when it is valid), sorted by location.

    Raises :class:`recpilot.errors.ConfigError` if ``schema`` itself is not a valid schema:
    that is a developer's mistake, not the LLM's.
    """
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(f"invalid JSON schema: {exc.message}") from exc
    validator = cls(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    messages = []
    for error in errors:
        message = error.message
        if len(message) > 300:
            message = message[:297] + "..."
        messages.append(f"at {_path(error.absolute_path)}: {message}")
    return messages
