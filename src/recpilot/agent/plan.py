"""The plan: a whole list of tool calls, written in one go (plan-first).

The LLM-facing JSON schema is a list of steps, each one of the tools with its grounded
argument schema; ``parse_plan`` validates a raw plan against the real tool argument models
and returns readable errors an LLM can act on.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError

from recpilot.catalog.store import Catalog
from recpilot.tools.base import Tool, ToolArgs
from recpilot.tools.registry import grounded_schema

MAX_STEPS = 6


class ToolCall(BaseModel):
    tool: str
    args: dict[str, Any] = Field(default_factory=dict)


class Plan(BaseModel):
    steps: list[ToolCall] = Field(default_factory=list)

    def tools(self) -> list[str]:
        return [s.tool for s in self.steps]

    def first(self, tool: str) -> ToolCall | None:
        return next((s for s in self.steps if s.tool == tool), None)


class ParsedStep(BaseModel):
    """A tool call whose arguments passed the tool's own model."""

    tool: str
    args: ToolArgs


def plan_schema(tools: dict[str, Tool[Any]], catalog: Catalog) -> dict[str, Any]:
    """JSON schema of a plan, with catalog vocabulary in every tool's arguments."""
    variants = [
        {
            "type": "object",
            "properties": {
                "tool": {"type": "string", "const": name},
                "args": grounded_schema(tool, catalog),
            },
            "required": ["tool", "args"],
            "additionalProperties": False,
        }
        for name, tool in tools.items()
    ]
    return {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "items": {"anyOf": variants},
                "minItems": 1,
                "maxItems": MAX_STEPS,
            }
        },
        "required": ["steps"],
        "additionalProperties": False,
    }


def parse_plan(plan: Plan, tools: dict[str, Tool[Any]]) -> tuple[list[ParsedStep], list[str]]:
    """Typed steps and the errors of the steps that failed (as repair messages)."""
    steps: list[ParsedStep] = []
    errors: list[str] = []
    if not plan.steps:
        errors.append("the plan has no steps")
    for k, call in enumerate(plan.steps[:MAX_STEPS]):
        tool = tools.get(call.tool)
        if tool is None:
            errors.append(f"step {k + 1}: unknown tool {call.tool!r}; valid: {', '.join(tools)}")
            continue
        try:
            steps.append(ParsedStep(tool=call.tool, args=tool.args_model.model_validate(call.args)))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"])
                errors.append(f"step {k + 1} ({call.tool}): {where}: {err['msg']}")
    if len(plan.steps) > MAX_STEPS:
        errors.append(f"the plan has {len(plan.steps)} steps; at most {MAX_STEPS}")
    return steps, errors
