"""A population of simulated users browsing each system page by page (``recpilot eval
population``): engagement per system and the simulator's agreement with held-out truth.

Engagement (per system, over all simulated users):

* ``ctr`` — watched items / shown items; ``ctr_by_page[p]`` the same on page p+1, over the
  users who reached it (``reached_by_page``).
* ``pages_viewed`` — mean pages a user saw before leaving or reaching ``--pages``.
* ``leave_rate`` — share of users who left before the last page.
* ``satisfaction`` — mean rating (1-5) of the watched items.
* ``heldout_shown`` — share of shown items that are the user's held-out items (what the real
  user went on to interact with), an offline-metric view of the same pages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from recpilot.catalog.datasets import DEFAULT_DATASET, open_dataset
from recpilot.catalog.profile import build_profile
from recpilot.errors import ConfigError
from recpilot.eval.population_agreement import (
    AgreementResult,
    Scorer,
    agreement,
    context_scorers,
    probes,
)
from recpilot.eval.population_llm import LLMPageSimulator
from recpilot.eval.population_profiles import ItemFacts, UserProfile, build_population, item_facts
from recpilot.eval.population_sim import (
    PageOutcome,
    PageSimulator,
    RulesSimulator,
    RulesWeights,
    user_terms,
)
from recpilot.eval.population_systems import Pager, build_pager, check_systems
from recpilot.eval.splits import make_split
from recpilot.llm.spec import resolve_llm

log = logging.getLogger(__name__)


class PopulationConfig(BaseModel):
    dataset: str = DEFAULT_DATASET
    users: int = Field(1000, ge=1)
    pages: int = Field(5, ge=1, le=50)
    page_size: int = Field(10, ge=2, le=20)
    systems: list[str] = Field(default_factory=lambda: ["pop", "itemknn", "ease", "als", "agent"])
    simulator: Literal["rules", "llm"] = "rules"
    llm: str = "local:qwen2.5-coder-0.5b"  # the llm simulator's backend
    split: Literal["random", "temporal"] = "random"
    split_seed: int = 2020
    seed: int = 0
    negatives: int = Field(100, ge=1)  # per user, rules agreement (the llm probe fills a page)
    max_patience: int = Field(3, ge=1)
    weights: RulesWeights = Field(default_factory=RulesWeights)
    transcripts: int = Field(20, ge=0)  # users per system whose pages go to sessions.jsonl


@dataclass
class UserRun:
    sim_id: str
    pages: list[PageOutcome] = field(default_factory=list)
    heldout_shown: int = 0

    @property
    def left(self) -> bool:
        return bool(self.pages) and self.pages[-1].leave


class SystemEngagement(BaseModel):
    name: str
    settings: dict[str, Any]
    users: int
    ctr: float
    ctr_by_page: list[float]
    reached_by_page: list[int]
    pages_viewed: float
    leave_rate: float
    satisfaction: float | None
    watches_per_user: float
    users_with_watch: float
    heldout_shown: float
    invalid_pages: int = 0
    llm_calls: int = 0  # the llm simulator's calls for this system
    wall_s: float = 0.0


class PopulationReport(BaseModel):
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    config: dict[str, Any]
    population: dict[str, Any]
    simulator: dict[str, Any] = Field(default_factory=dict)
    systems: list[SystemEngagement] = Field(default_factory=list)
    agreement: AgreementResult | None = None
    wall_s: float = 0.0


def browse(
    pager: Pager,
    simulator: PageSimulator,
    user: UserProfile,
    *,
    pages: int,
    page_size: int,
) -> UserRun:
    """One user through one system: up to ``pages`` pages, stopping when the user leaves."""
    shop = pager.session(user)
    sim = simulator.session(user)
    heldout = set(user.heldout)
    run = UserRun(user.sim_id)
    watched: list[int] = []
    skipped: list[int] = []
    for p in range(1, pages + 1):
        items = shop.next_page(page_size, watched, skipped)
        outcome = sim.page(p, items)
        run.pages.append(outcome)
        run.heldout_shown += sum(1 for i in items if i in heldout)
        if outcome.leave:
            break
        watched = [i for i, a in zip(items, outcome.actions, strict=True) if a.action == "watch"]
        skipped = [i for i, a in zip(items, outcome.actions, strict=True) if a.action == "skip"]
    return run


def engagement(
    name: str, settings: dict[str, Any], runs: list[UserRun], pages: int
) -> SystemEngagement:
    shown_by_page = np.zeros(pages)
    watch_by_page = np.zeros(pages)
    reached = np.zeros(pages, dtype=int)
    ratings: list[int] = []
    for run in runs:
        for k, page in enumerate(run.pages):
            reached[k] += 1
            shown_by_page[k] += len(page.actions)
            watch_by_page[k] += len(page.watched)
            ratings.extend(a.rating for a in page.actions if a.rating is not None)
    n = max(len(runs), 1)
    shown = shown_by_page.sum()
    return SystemEngagement(
        name=name,
        settings=settings,
        users=len(runs),
        ctr=round(float(watch_by_page.sum() / shown), 4) if shown else 0.0,
        ctr_by_page=[
            round(float(w / s), 4) if s else 0.0
            for w, s in zip(watch_by_page, shown_by_page, strict=True)
        ],
        reached_by_page=[int(r) for r in reached],
        pages_viewed=round(float(np.mean([len(r.pages) for r in runs])), 3) if runs else 0.0,
        leave_rate=round(sum(1 for r in runs if r.left and len(r.pages) < pages) / n, 4),
        satisfaction=round(float(np.mean(ratings)), 3) if ratings else None,
        watches_per_user=round(float(watch_by_page.sum() / n), 3),
        users_with_watch=round(sum(1 for r in runs if any(p.watched for p in r.pages)) / n, 4),
        heldout_shown=round(float(sum(r.heldout_shown for r in runs) / shown), 4) if shown else 0.0,
        invalid_pages=sum(1 for r in runs for p in r.pages if p.invalid),
    )


def run_system(
    pager: Pager,
    simulator: PageSimulator,
    users: Sequence[UserProfile],
    config: PopulationConfig,
    *,
    progress: bool = False,
) -> list[UserRun]:
    """Every user through ``pager``; a Rich progress bar on stderr when ``progress``."""

    def one(user: UserProfile) -> UserRun:
        return browse(pager, simulator, user, pages=config.pages, page_size=config.page_size)

    if not progress:
        runs = []
        for n, user in enumerate(users, 1):
            runs.append(one(user))
            log.info("population user %d/%d system=%s", n, len(users), pager.name)
        return runs
    from rich.console import Console
    from rich.progress import Progress

    out: list[UserRun] = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{pager.name} × {simulator.name}", total=len(users))
        for user in users:
            out.append(one(user))
            bar.update(task, advance=1)
    return out


def _rules_scorers(sim: RulesSimulator, facts: ItemFacts) -> dict[str, Scorer]:
    def simulator(user: UserProfile, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return sim.preference(user, items)

    def taste(user: UserProfile, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return user_terms(facts, user, sim.weights).taste[items]

    return {"simulator": simulator, **context_scorers(facts, taste)}


def _llm_scorers(sim: LLMPageSimulator, facts: ItemFacts) -> dict[str, Scorer]:
    def simulator(user: UserProfile, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return sim.preference(user, items)

    return {"simulator": simulator, **context_scorers(facts)}


def run_population(
    config: PopulationConfig,
    *,
    progress: bool = False,
    on_runs: Callable[[str, list[UserRun]], None] | None = None,
) -> PopulationReport:
    """Build the population from the split's train part, run every system, check agreement.
    ``on_runs`` sees each system's user runs (for transcripts)."""
    check_systems(config.systems)
    started = time.perf_counter()
    catalog = open_dataset(config.dataset)
    data = catalog.interactions()
    if config.split == "temporal" and data.timestamps is None:
        raise ConfigError("--split temporal needs timestamps; use --split random")
    split = make_split(data, config.split, seed=config.split_seed)
    facts = item_facts(catalog, build_profile(catalog), split)
    users = build_population(
        split, facts, users=config.users, seed=config.seed, max_patience=config.max_patience
    )
    report = PopulationReport(
        config=config.model_dump(mode="json"),
        population=population_stats(users, facts, split.sizes()),
    )
    simulator: PageSimulator
    if config.simulator == "rules":
        rules = RulesSimulator(facts, config.weights)
        simulator, scorers = rules, _rules_scorers(rules, facts)
        probe_set = probes(users, len(facts.item_ids), negatives=config.negatives, seed=config.seed)
    else:
        llm = resolve_llm(config.llm)
        if llm is None:
            raise ConfigError("the llm simulator needs an LLM: pass --llm local:... or openai:...")
        llm_sim = LLMPageSimulator(llm, facts)
        simulator, scorers = llm_sim, _llm_scorers(llm_sim, facts)
        half = config.page_size // 2
        probe_set = probes(
            users, len(facts.item_ids), negatives=config.page_size - half,
            max_positives=half, seed=config.seed,
        )  # fmt: skip
    try:
        key = f"{config.dataset}-population-{split.key}"
        for name in config.systems:
            t0 = time.perf_counter()
            calls = getattr(simulator, "calls", 0)
            pager = build_pager(name, catalog, split.train, key)
            runs = run_system(pager, simulator, users, config, progress=progress)
            result = engagement(name, pager.describe(), runs, config.pages)
            result.wall_s = round(time.perf_counter() - t0, 2)
            result.llm_calls = getattr(simulator, "calls", 0) - calls
            report.systems.append(result)
            log.info("population system=%s ctr=%.4f wall_s=%.1f", name, result.ctr, result.wall_s)
            if on_runs is not None:
                on_runs(name, runs)
        report.agreement = agreement(probe_set, scorers, seed=config.seed)
        report.simulator = simulator.describe()
    finally:
        if isinstance(simulator, LLMPageSimulator):
            simulator.llm.close()
        catalog.close()
    report.wall_s = round(time.perf_counter() - started, 2)
    return report


def population_stats(
    users: Sequence[UserProfile], facts: ItemFacts, sizes: dict[str, int]
) -> dict[str, Any]:
    def mean(values: list[float]) -> float:
        return round(float(np.mean(values)), 3)

    return {
        "simulated_users": len(users),
        "real_users": len({u.user_id for u in users}),
        "split_sizes": sizes,
        "category_attribute": facts.attribute,
        "mean_activity": mean([u.activity for u in users]),
        "mean_patience": mean([u.patience for u in users]),
        "mean_conformity": mean([u.conformity for u in users]),
        "mean_diversity": mean([u.diversity for u in users]),
        "example": users[0].describe(facts) if users else {},
    }
