"""The plan benchmark: annotated requests, scored by checking the returned items.

Each case states what every returned item must satisfy (genres all/any/none, year bounds,
similar to a seed, excluded titles), how many items were asked for, or — for questions about
an item — which item and which fact the reply must hold. "Similar to X" is checked against
the data, not the agent's models: every item must be among the items most often co-watched
with a seed. A case is *fully satisfied* when every check passes.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from recpilot.agent.agent import Agent
from recpilot.agent.build import new_session
from recpilot.agent.trace import TurnRecord
from recpilot.catalog.store import Catalog

CO_WATCH_TOP = 200
CO_WATCH_MIN = 5
LIFT_MIN = 1.5


class Checks(BaseModel):
    genres_all: list[str] = Field(default_factory=list)
    genres_any: list[str] = Field(default_factory=list)
    genres_none: list[str] = Field(default_factory=list)
    year_min: int | None = None
    year_max: int | None = None
    n: int | None = None
    similar_to: list[str] = Field(default_factory=list)  # catalog titles
    exclude_titles: list[str] = Field(default_factory=list)
    lookup: str | None = None  # catalog title the answer must be about
    reply_contains: list[str] = Field(default_factory=list)


class PlanCase(BaseModel):
    id: str
    request: str
    checks: Checks


class CaseResult(BaseModel):
    id: str
    request: str
    satisfied: bool
    failures: list[str]
    items: list[str]
    plan: list[dict[str, object]]
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    total_ms: float
    tool_path_ms: float  # everything but LLM calls
    degraded: bool


class PlanBenchmark(BaseModel):
    brain: str
    settings: dict[str, object]
    results: list[CaseResult]

    @property
    def satisfied_rate(self) -> float:
        return sum(r.satisfied for r in self.results) / max(len(self.results), 1)

    def summary(self) -> dict[str, float | int | str]:
        total = [r.total_ms for r in self.results]
        tool = [r.tool_path_ms for r in self.results]
        n = max(len(self.results), 1)
        return {
            "brain": self.brain,
            "cases": len(self.results),
            "satisfied": round(self.satisfied_rate, 4),
            "llm_calls_per_turn": round(sum(r.llm_calls for r in self.results) / n, 3),
            "prompt_tokens_per_turn": round(sum(r.prompt_tokens for r in self.results) / n, 1),
            "completion_tokens_per_turn": round(
                sum(r.completion_tokens for r in self.results) / n, 1
            ),
            "p50_turn_ms": round(float(np.percentile(total, 50)), 1) if total else 0.0,
            "p95_turn_ms": round(float(np.percentile(total, 95)), 1) if total else 0.0,
            "p95_tool_path_ms": round(float(np.percentile(tool, 95)), 2) if tool else 0.0,
            "degraded": sum(r.degraded for r in self.results),
        }


def load_cases(path: Path | None = None) -> list[PlanCase]:
    text = (
        path.read_text()
        if path
        else resources.files("recpilot.eval").joinpath("data/plan_requests.jsonl").read_text()
    )
    return [PlanCase.model_validate(json.loads(line)) for line in text.splitlines() if line.strip()]


class Checker:
    """Checks turns against annotations, from catalog rows and raw co-watch counts."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_title: dict[str, str] = {}
        for item_id, title in catalog.titles().items():
            self.by_title.setdefault(title, item_id)
        data = catalog.interactions()
        self.index = data.item_index
        self.ids = [str(i) for i in data.item_ids]
        self.matrix = data.matrix().tocsc()

    def co_watched(self, title: str) -> set[str]:
        """Items similar to the seed by the data alone: among the seed's 200 most co-watched
        items (a count, so it favours popular items), or co-watched by at least
        ``CO_WATCH_MIN`` users and ``LIFT_MIN`` times more often than chance (which does not)."""
        seed = self.index[self.by_title[title]]
        counts = (self.matrix.T @ self.matrix[:, seed]).toarray().ravel()
        counts[seed] = -1
        top = np.argsort(-counts, kind="stable")[:CO_WATCH_TOP]
        similar = {self.ids[i] for i in top if counts[i] > 0}
        n_users = self.matrix.shape[0]
        per_item = np.asarray(self.matrix.getnnz(axis=0), dtype=np.float64)
        expected = per_item * per_item[seed] / max(n_users, 1)
        lifted = (counts >= CO_WATCH_MIN) & (counts >= LIFT_MIN * expected)
        similar |= {self.ids[i] for i in np.flatnonzero(lifted) if i != seed}
        return similar

    def check(self, case: PlanCase, turn: TurnRecord) -> list[str]:
        c = case.checks
        failures: list[str] = []
        ids = [i.item_id for i in turn.items]
        if not ids:
            return ["no items returned"]
        if c.lookup:
            if ids[:1] != [self.by_title[c.lookup]]:
                failures.append(f"answer is not about {c.lookup!r}")
            failures += [
                f"reply lacks {fact!r}" for fact in c.reply_contains if fact not in turn.reply
            ]
            return failures
        if c.n is not None and len(ids) != c.n:
            failures.append(f"{len(ids)} items, asked for {c.n}")
        allowed: set[str] | None = None
        for seed in c.similar_to:
            allowed = (allowed or set()) | self.co_watched(seed)
            if self.by_title[seed] in ids:
                failures.append(f"recommends the seed {seed!r}")
        banned = {self.by_title[t] for t in c.exclude_titles}
        for item in self.catalog.get_items(ids):
            genres = set(item.attributes.get("genres") or [])  # type: ignore[arg-type]
            year = item.attributes.get("year")
            label = f"{item.title!r}"
            if not set(c.genres_all) <= genres:
                failures.append(f"{label} lacks {sorted(set(c.genres_all) - genres)}")
            if c.genres_any and not set(c.genres_any) & genres:
                failures.append(f"{label} has none of {c.genres_any}")
            if set(c.genres_none) & genres:
                failures.append(f"{label} has excluded {sorted(set(c.genres_none) & genres)}")
            if c.year_min is not None and (not isinstance(year, int | float) or year < c.year_min):
                failures.append(f"{label} year {year} < {c.year_min}")
            if c.year_max is not None and (not isinstance(year, int | float) or year > c.year_max):
                failures.append(f"{label} year {year} > {c.year_max}")
            if allowed is not None and item.item_id not in allowed:
                failures.append(f"{label} is not co-watched with {c.similar_to}")
            if item.item_id in banned:
                failures.append(f"{label} was excluded")
        return failures


def run_benchmark(
    agent: Agent, cases: list[PlanCase], settings: dict[str, object], progress: bool = False
) -> PlanBenchmark:
    checker = Checker(agent.catalog)
    results: list[CaseResult] = []
    iterator = cases
    if progress:
        from tqdm import tqdm

        iterator = tqdm(cases, desc=f"plans ({agent.brain})", unit="request")  # type: ignore[assignment]
    agent.turn(new_session(agent, None), "warm-up: popular comedies")  # load models, untimed
    for case in iterator:
        started = time.perf_counter()
        turn = agent.turn(new_session(agent, None), case.request)
        total = (time.perf_counter() - started) * 1000
        llm_ms = sum(call.ms for call in turn.llm)
        failures = checker.check(case, turn)
        results.append(
            CaseResult(
                id=case.id,
                request=case.request,
                satisfied=not failures,
                failures=failures,
                items=[i.item_id for i in turn.items],
                plan=turn.plan,
                llm_calls=turn.llm_calls,
                prompt_tokens=sum(c.prompt_tokens for c in turn.llm),
                completion_tokens=sum(c.completion_tokens for c in turn.llm),
                total_ms=round(total, 2),
                tool_path_ms=round(max(total - llm_ms, 0.0), 3),
                degraded=turn.degraded,
            )
        )
    return PlanBenchmark(brain=agent.brain, settings=settings, results=results)
