"""ReAct mode, for comparison with plan-first: one tool call per LLM step, each step seeing
the observations of the steps before it. Costs one LLM call per tool call."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from recpilot.agent.plan import ToolCall, plan_schema
from recpilot.agent.trace import LLMCall, StepRecord
from recpilot.catalog.store import Catalog
from recpilot.errors import LLMUnavailable, RecpilotError
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.llm.json_output import parse_json
from recpilot.tools.base import Tool, ToolContext
from recpilot.tools.ranking import FinalizeArgs

MAX_STEPS = 6


@dataclass
class ReactRun:
    steps: list[StepRecord] = field(default_factory=list)
    calls: list[LLMCall] = field(default_factory=list)
    plan: list[ToolCall] = field(default_factory=list)
    failed: str | None = None  # why the loop gave up (the caller falls back)


class ReactLoop:
    def __init__(
        self, llm: LLM, tools: dict[str, Tool[Any]], catalog: Catalog, system: str
    ) -> None:
        self.llm = llm
        self.tools = tools
        step_schema = plan_schema(tools, catalog)["properties"]["steps"]["items"]
        self.schema: dict[str, Any] = step_schema
        self.system = (
            system.replace("Write the whole plan as JSON", "Call ONE tool at a time as JSON")
            + '\nReply with one step {"tool": ..., "args": {...}}; you will see its result. '
            "Call finalize when done."
        )

    def run(self, message: str, ctx: ToolContext, llm: LLM | None = None) -> ReactRun:
        """The loop for ``message`` (``llm``: this turn's backend, under its deadline)."""
        llm = llm or self.llm
        out = ReactRun()
        messages = [
            Message(role="system", content=self.system),
            Message(role="user", content=message),
        ]
        for _ in range(MAX_STEPS):
            try:
                response = llm.request(
                    LLMRequest(messages=messages, json_schema=self.schema, max_tokens=160)
                )
            except LLMUnavailable as exc:
                out.calls.append(LLMCall.failed("react", llm.name, exc))
                out.failed = f"LLM unavailable: {exc}"
                return out
            out.calls.append(LLMCall.answered("react", response))
            try:
                call = ToolCall.model_validate(parse_json(response.text))
                tool = self.tools[call.tool]
                args = tool.args_model.model_validate(call.args)
            except (RecpilotError, ValidationError, ValueError, KeyError) as exc:
                observation = f"invalid step: {exc}"[:300]
            else:
                started = time.perf_counter()
                result = tool.run(args, ctx)
                out.plan.append(call)
                out.steps.append(
                    StepRecord(
                        tool=call.tool,
                        args=args.model_dump(exclude_defaults=True),
                        ok=result.ok,
                        message=result.message,
                        size=result.size,
                        ms=round((time.perf_counter() - started) * 1000, 3),
                    )
                )
                if isinstance(args, FinalizeArgs) or call.tool == "lookup_items":
                    return out
                observation = f"{call.tool}: {result.message}"
            messages.append(Message(role="assistant", content=response.text))
            messages.append(Message(role="user", content=f"Observation: {observation}\nNext step?"))
        out.failed = f"no finalize after {MAX_STEPS} steps"
        return out


def dump(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [json.loads(c.model_dump_json()) for c in calls]
