"""Contract tests for LLM backends and tools, shipped so a new component proves itself with
one subclass (as :mod:`recpilot.testing.models` does for recommenders and
:mod:`recpilot.testing.contracts` for memory stores)::

    class TestMyBackend(LLMBackendContract):
        @pytest.fixture
        def backend(self): ...        # answers; may be asked for {"ok": true}
        @pytest.fixture
        def dead_backend(self): ...   # the same kind, unable to answer

    class TestMyTool(ToolContract):
        @pytest.fixture
        def tool(self): ...
        @pytest.fixture
        def context(self): ...        # a fresh ToolContext over a catalog
        @pytest.fixture
        def example_args(self): ...   # raw arguments valid for that catalog
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from recpilot.errors import LLMUnavailable
from recpilot.llm.base import LLM, LLMRequest, LLMResponse, Message
from recpilot.llm.json_output import parse_json
from recpilot.tools.base import Tool, ToolContext, ToolResult

OK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
    "additionalProperties": False,
}


def _ask(schema: dict[str, Any] | None = None) -> LLMRequest:
    text = 'Answer with the JSON object {"ok": true}.' if schema else "Say hello."
    return LLMRequest(
        messages=[Message(role="user", content=text)], json_schema=schema, max_tokens=16
    )


class LLMBackendContract:
    """What every backend does: one ``request`` method, typed records, ``LLMUnavailable``
    (never another exception) when it cannot answer."""

    def test_answers_with_a_typed_response(self, backend: LLM) -> None:
        response = backend.request(_ask())
        assert isinstance(response, LLMResponse) and isinstance(response.text, str)
        assert response.model and response.prompt_tokens >= 0 and response.completion_tokens >= 0
        assert response.ms >= 0
        assert backend.name

    def test_a_schema_request_gets_json_the_schema_accepts(self, backend: LLM) -> None:
        data = parse_json(backend.request(_ask(OK_SCHEMA)).text)
        jsonschema.validate(data, OK_SCHEMA)

    def test_a_backend_that_cannot_answer_raises_llm_unavailable(self, dead_backend: LLM) -> None:
        with pytest.raises(LLMUnavailable):
            dead_backend.request(_ask())


class ToolContract:
    """What every tool does: a JSON schema from its argument model, typed results, catalog
    items only on the bus, and no argument it does not declare."""

    def test_schema_comes_from_the_argument_model(self, tool: Tool[Any]) -> None:
        schema = tool.schema()
        assert schema["type"] == "object"
        assert set(schema.get("properties", {})) == set(tool.args_model.model_fields)
        assert tool.name and tool.description

    def test_valid_arguments_run_to_a_typed_result(
        self, tool: Tool[Any], context: ToolContext, example_args: dict[str, Any]
    ) -> None:
        result = tool.run(tool.args_model.model_validate(example_args), context)
        assert isinstance(result, ToolResult) and result.message
        assert result.size == len(context.bus)
        titles = context.catalog.titles()
        assert all(item_id in titles for item_id in context.bus.ids())

    def test_undeclared_arguments_are_refused(
        self, tool: Tool[Any], example_args: dict[str, Any]
    ) -> None:
        with pytest.raises(ValidationError):
            tool.args_model.model_validate({**example_args, "no_such_argument": 1})
