"""Every tool honours the shipped tool contract (recpilot.testing.components) on the mini
catalog."""

from __future__ import annotations

from typing import Any

import pytest

from recpilot.agent.agent import Agent
from recpilot.agent.session import Session
from recpilot.testing.components import ToolContract
from recpilot.tools.base import Tool, ToolContext

EXAMPLES: dict[str, dict[str, Any]] = {
    "search_catalog": {"include": {"genres": ["Comedy"]}, "ranges": {"year": {"min": 1990}}},
    "retrieve_similar": {"titles": ["Fargo"]},
    "retrieve_semantic": {"text": "space adventure"},
    "rank": {"mode": "popular"},
    "lookup_items": {"titles": ["Fargo"], "question": "what year?"},
    "finalize": {"n": 3},
}


@pytest.fixture(params=sorted(EXAMPLES))
def tool_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class TestEveryTool(ToolContract):
    @pytest.fixture
    def tool(self, agent: Agent, tool_name: str) -> Tool[Any]:
        return agent.tools[tool_name]

    @pytest.fixture
    def context(self, agent: Agent) -> ToolContext:
        return agent._context(Session())

    @pytest.fixture
    def example_args(self, tool_name: str) -> dict[str, Any]:
        return EXAMPLES[tool_name]


def test_every_default_tool_has_an_example(agent: Agent) -> None:
    assert sorted(agent.tools) == sorted(EXAMPLES)
