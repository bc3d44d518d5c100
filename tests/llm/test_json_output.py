from __future__ import annotations

import pytest

from recpilot.errors import ConfigError, RecpilotError
from recpilot.llm.json_output import LLMOutputError, parse_json, validate_against

PLAN_SCHEMA = {
    "type": "object",
    "properties": {
        "genre": {"enum": ["Comedy", "Drama"]},
        "titles": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    },
    "required": ["genre"],
    "additionalProperties": False,
}


def test_plain_json() -> None:
    assert parse_json('  {"a": 1, "b": [true, null]} ') == {"a": 1, "b": [True, None]}


def test_code_fence_with_language_tag() -> None:
    text = 'Here is the plan:\n```json\n{"genre": "Comedy"}\n```\nHope it helps!'
    assert parse_json(text) == {"genre": "Comedy"}


def test_leading_prose_and_braces_inside_strings() -> None:
    # The first '{' opens an object whose string contains braces; balance must respect strings.
    text = 'Sure! {"q": "a } tricky { string", "n": 2} and then {"other": 1}'
    assert parse_json(text) == {"q": "a } tricky { string", "n": 2}


def test_skips_a_brace_that_does_not_start_json() -> None:
    text = 'use {curly} words, then {"ok": true}'
    assert parse_json(text) == {"ok": True}


def test_array_when_no_object() -> None:
    assert parse_json("ids: [3, 1, 2].") == [3, 1, 2]


def test_no_json_raises_named_error_with_snippet() -> None:
    with pytest.raises(LLMOutputError) as info:
        parse_json("I cannot help with that {unterminated")
    assert isinstance(info.value, RecpilotError)
    assert info.value.snippet.startswith("I cannot help")
    assert "I cannot help" in str(info.value)


def test_empty_text_raises() -> None:
    with pytest.raises(LLMOutputError):
        parse_json("   ")


def test_valid_value_has_no_errors() -> None:
    assert validate_against(PLAN_SCHEMA, {"genre": "Drama", "titles": ["Fargo"]}) == []


def test_errors_name_the_location_and_the_allowed_values() -> None:
    errors = validate_against(
        PLAN_SCHEMA, {"genre": "Comdy", "titles": ["a", "b", "c"], "extra": 1}
    )
    assert len(errors) == 3
    joined = "\n".join(errors)
    assert "at genre: 'Comdy' is not one of ['Comedy', 'Drama']" in joined
    assert "at titles:" in joined and "too long" in joined
    assert "at (root):" in joined and "'extra'" in joined


def test_nested_path_uses_index_notation() -> None:
    schema = {
        "type": "object",
        "properties": {"steps": {"type": "array", "items": {"enum": ["rank", "search"]}}},
    }
    assert validate_against(schema, {"steps": ["rank", "serch"]}) == [
        "at steps[1]: 'serch' is not one of ['rank', 'search']"
    ]


def test_invalid_schema_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        validate_against({"type": "no-such-type"}, {})
