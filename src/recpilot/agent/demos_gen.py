"""Grow the demonstration bank with an LLM: write new requests from seed examples, plan
them, and keep only plans that validate and execute to non-empty results."""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.demos import Demonstration
from recpilot.catalog.profile import Role
from recpilot.errors import LLMUnavailable, RecpilotError
from recpilot.llm.base import LLM, LLMRequest, Message
from recpilot.llm.json_output import parse_json

log = logging.getLogger(__name__)

REQUEST_SCHEMA = {
    "type": "object",
    "properties": {"request": {"type": "string", "minLength": 8, "maxLength": 140}},
    "required": ["request"],
    "additionalProperties": False,
}


@dataclass
class GenerationReport:
    attempted: int = 0
    kept: int = 0
    rejected_invalid: int = 0  # plan failed validation (rules fallback used)
    rejected_empty: int = 0
    rejected_duplicate: int = 0
    llm_failures: int = 0


def generate(
    agent: Agent,
    llm: LLM,
    seeds: list[Demonstration],
    count: int,
    out: Path,
    *,
    seed: int = 0,
) -> GenerationReport:
    """Append up to ``count`` validated demonstrations to ``out`` (JSONL)."""
    if agent.planner is None:
        raise RecpilotError("demo generation needs an LLM planner (use --llm local or openai:…)")
    if agent.settings.route:
        raise RecpilotError(
            "demo generation needs every request planned by the LLM: build the agent with route=False"
        )
    rng = random.Random(seed)
    known = {d.request.lower() for d in seeds}
    titles = sorted(agent.resolver.titles.values())
    category = agent.profile.role(Role.category)
    genres = list(category.values) if category else []
    report = GenerationReport()
    out.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(count):
        report.attempted += 1
        examples = rng.sample(seeds, k=min(3, len(seeds)))
        prompt = (
            "Examples of requests to a recommender:\n"
            + "\n".join(f"- {d.request}" for d in examples)
            + f"\nWrite ONE new request in the same spirit, different from these. You may use "
            f"{', '.join(rng.sample(genres, k=min(3, len(genres))))}, a decade, a count, or "
            f"the title {rng.choice(titles)!r}."
        )
        try:
            response = llm.request(
                LLMRequest(
                    messages=[Message(role="user", content=prompt)],
                    json_schema=REQUEST_SCHEMA,
                    max_tokens=60,
                    temperature=0.7,
                )
            )
            request = str(parse_json(response.text)["request"]).strip()
        except (LLMUnavailable, RecpilotError, KeyError, TypeError) as exc:
            log.warning("request generation failed: %s", exc)
            report.llm_failures += 1
            continue
        if request.lower() in known:
            report.rejected_duplicate += 1
            continue
        turn = agent.turn(new_session(agent, None), request)
        if turn.degraded or not turn.plan_source.startswith("llm"):  # the rules plan was used
            report.rejected_invalid += 1
            continue
        if not turn.items:
            report.rejected_empty += 1
            continue
        with out.open("a") as fh:
            fh.write(json.dumps({"request": request, "plan": {"steps": turn.plan}}) + "\n")
        known.add(request.lower())
        report.kept += 1
    return report
