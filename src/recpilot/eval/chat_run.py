"""Running a whole conversational / one-turn evaluation from one validated config.

System names (``ChatEvalConfig.systems``):

* ``agent`` — the recpilot agent with the config's brain (``llm``), demonstrations and
  validation; ``agent[demos=none,validate=false,llm_reply=false,mode=react,critic=true,route=false]`` is a variant
  (ablations).
* ``llm-only`` — the same LLM asked for titles directly (:mod:`recpilot.eval.llm_only`).
* ``pop`` or any trained model name (``ease``, ``itemknn``, ``als``, ``bpr``, ``sasrec``) —
  floors without dialogue.

Every model is trained on the pre-target interactions (:mod:`recpilot.eval.holdout`).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.catalog.datasets import DEFAULT_DATASET, open_dataset
from recpilot.errors import ConfigError
from recpilot.eval.chat_report import ChatReport, SystemResult
from recpilot.eval.conversation import Dialogue, run_conversations, summarize
from recpilot.eval.holdout import HeldOut, HeldOutCatalog, make_holdout
from recpilot.eval.llm_only import LLMOnlySystem
from recpilot.eval.one_turn import (
    agent_rank_scorer,
    candidate_sets,
    model_scorer,
    one_turn_retrieval,
    rank_candidates,
)
from recpilot.eval.simulators import AttributeSimulator, LLMSimulator, Simulator
from recpilot.eval.systems import AgentSystem, ChatSystem, ModelSystem
from recpilot.llm.base import LLM
from recpilot.llm.spec import resolve_llm
from recpilot.models.artifacts import train_or_load
from recpilot.models.registry import model_names
from recpilot.tools.resolve import TitleResolver

log = logging.getLogger(__name__)

_VARIANT = re.compile(r"^agent(?:\[(?P<opts>[^\]]*)\])?$")
AGENT_FIELDS = {
    "demos": str,
    "validate": bool,
    "llm_reply": bool,
    "llm": str,
    "mode": str,
    "critic": bool,
    "route": bool,
}


class ChatEvalConfig(BaseModel):
    dataset: str = DEFAULT_DATASET
    users: int = Field(200, ge=1)
    turns: int = Field(5, ge=1, le=20)
    k: int = Field(10, ge=1, le=20)
    seed: int = 0
    simulator: Literal["attribute", "llm"] = "attribute"
    llm: str = "rules"  # the agent's brain and the LLM-only baseline's model
    simulator_llm: str | None = None  # default: ``llm``
    systems: list[str] = Field(default_factory=lambda: ["agent", "pop", "ease"])
    demos: Literal["dynamic", "fixed", "none"] = "dynamic"
    validate_plans: bool = True
    llm_reply: bool = True
    embedder: Literal["minilm", "hashing"] = "minilm"
    one_turn: bool = False  # also run the one-turn retrieval and candidate ranking protocols
    dialogues: bool = True  # keep transcripts
    conversations: bool = True  # run the multi-turn protocol


def agent_options(config: ChatEvalConfig, spec: str) -> AgentOptions:
    """Options of an ``agent`` / ``agent[key=value,...]`` system name."""
    m = _VARIANT.match(spec.strip())
    if m is None:
        raise ConfigError(f"not an agent system: {spec!r}")
    options = AgentOptions(
        dataset=config.dataset,
        llm=config.llm,
        demos=config.demos,
        validate=config.validate_plans,
        llm_reply=config.llm_reply,
        embedder=config.embedder,
    )
    for part in filter(None, (m["opts"] or "").split(",")):
        key, sep, value = (x.strip() for x in part.partition("="))
        if not sep or key not in AGENT_FIELDS:
            raise ConfigError(
                f"bad agent option {part!r} in {spec!r}; use key=value with key in "
                f"{', '.join(AGENT_FIELDS)} (e.g. agent[demos=none,validate=false])"
            )
        if AGENT_FIELDS[key] is bool:
            if value.lower() not in ("true", "false"):
                raise ConfigError(f"{key} must be true or false in {spec!r}")
            options = replace(options, **{key: value.lower() == "true"})
        elif key == "demos" and value not in ("dynamic", "fixed", "none"):
            raise ConfigError(f"demos must be dynamic, fixed or none in {spec!r}")
        elif key == "mode" and value not in ("plan", "react"):
            raise ConfigError(f"mode must be plan or react in {spec!r}")
        else:
            options = replace(options, **{key: value})
    return options


def check_systems(systems: list[str], llm: str) -> None:
    valid = {"llm-only", "pop", *model_names()}
    for name in systems:
        if name in valid or _VARIANT.match(name):
            if name == "llm-only" and llm.strip().lower() == "rules":
                raise ConfigError("llm-only needs an LLM: pass --llm local:... or openai:MODEL")
            continue
        raise ConfigError(
            f"unknown system {name!r}; use agent, agent[demos=none,...], llm-only, pop or a "
            f"model ({', '.join(model_names())})"
        )


class Harness:
    """Builds systems over one :class:`HeldOut` setup; owns the LLMs it resolves."""

    def __init__(self, config: ChatEvalConfig, holdout: HeldOut, catalog: Any) -> None:
        self.config = config
        self.holdout = holdout
        self.catalog = catalog
        self.view = HeldOutCatalog(catalog, holdout.train).as_catalog()
        self.agents: dict[str, Agent] = {}
        self._llms: dict[str, LLM | None] = {}
        self._specs: dict[str, str] = {}
        titles = {i: info.title for i, info in holdout.items.items()}
        popularity = holdout.train.item_popularity()
        self.resolver = TitleResolver(
            catalog.titles(),
            popularity={str(i): float(popularity[k]) for k, i in enumerate(holdout.train.item_ids)},
        )
        self.titles = titles

    def llm(self, spec: str) -> LLM | None:
        """One backend per spec for the whole run (an agent's own LLM is reused)."""
        if spec not in self._llms:
            shared = [a.llm for n, a in self.agents.items() if self._specs[n] == spec and a.llm]
            self._llms[spec] = shared[0] if shared else resolve_llm(spec)
        return self._llms[spec]

    def system(self, name: str) -> ChatSystem:
        cfg = self.config
        if _VARIANT.match(name):
            options = agent_options(cfg, name)
            agent = build_agent(options, catalog=self.view)
            self.agents[name] = agent
            self._specs[name] = options.llm
            settings: dict[str, object] = {
                "demos": options.demos,
                "validate": options.validate,
                "llm_reply": options.llm_reply,
                "llm": options.llm,
                "mode": options.mode,
                "critic": options.critic,
            }
            return AgentSystem(agent, name=name, settings=settings)
        if name == "llm-only":
            llm = self.llm(cfg.llm)
            if llm is None:
                raise ConfigError("llm-only needs an LLM: pass --llm local:... or openai:MODEL")
            return LLMOnlySystem(llm, self.resolver, self.holdout.items, k=cfg.k)
        model = None
        if name != "pop":
            model, _ = train_or_load(name, self.holdout.train, key=f"{cfg.dataset}-chat-holdout")
        return ModelSystem(name, self.holdout.train, model, self.titles, k=cfg.k)

    def simulator(self) -> Simulator:
        cfg = self.config
        if cfg.simulator == "attribute":
            return AttributeSimulator(self.holdout.items, seed=cfg.seed, k=cfg.k)
        spec = cfg.simulator_llm or cfg.llm
        llm = self.llm(spec)
        if llm is None:
            raise ConfigError(
                "the llm simulator needs an LLM: pass --simulator-llm local:... (or --llm)"
            )
        return LLMSimulator(llm, self.holdout.items, seed=cfg.seed, k=cfg.k)

    def close(self) -> None:
        owned = [*self._llms.values(), *(a.llm for a in self.agents.values())]
        for llm in {id(x): x for x in owned if x is not None}.values():
            llm.close()


def run_chat_eval(
    config: ChatEvalConfig, *, progress: bool = False, partial: Path | None = None
) -> tuple[ChatReport, dict[str, list[Dialogue]]]:
    """Run every system; with ``partial``, each finished dialogue is appended to that JSONL
    file at once (a long LLM run keeps what it measured if stopped)."""
    check_systems(config.systems, config.llm)
    catalog = open_dataset(config.dataset)
    holdout = make_holdout(catalog, users=config.users, seed=config.seed)
    harness = Harness(config, holdout, catalog)
    report = ChatReport(config={**config.model_dump(mode="json"), "holdout": holdout.describe()})
    catalog_ids = set(holdout.items)
    dialogues: dict[str, list[Dialogue]] = {}
    try:
        systems = [harness.system(name) for name in config.systems]
        simulator = harness.simulator()
        report.config["simulator_settings"] = simulator.describe()
        for system in systems if config.conversations else []:
            started = time.perf_counter()
            before = getattr(simulator, "calls", 0)
            done = run_conversations(
                system,
                simulator,
                holdout.cases,
                turns=config.turns,
                k=config.k,
                progress=progress,
                on_dialogue=None if partial is None else _appender(partial, system.name),
            )
            dialogues[system.name] = done
            report.systems.append(
                SystemResult(
                    name=system.name,
                    settings=system.describe(),
                    metrics=summarize(
                        done, turns=config.turns, k=config.k, catalog_ids=catalog_ids
                    ),
                    hallucination_rate=system.hallucination_rate()
                    if isinstance(system, LLMOnlySystem)
                    else None,
                    simulator_llm_calls=getattr(simulator, "calls", 0) - before,
                    wall_s=round(time.perf_counter() - started, 2),
                )
            )
            log.info("chat eval system=%s done", system.name)
        if config.one_turn:
            one_turn(report, harness, systems)
    finally:
        harness.close()
    report.notes.extend(standard_notes(config))
    return report, dialogues if config.dialogues else {}


def _appender(path: Path, system: str) -> Callable[[Dialogue], None]:
    path.parent.mkdir(parents=True, exist_ok=True)

    def append(dialogue: Dialogue) -> None:
        with path.open("a") as fh:
            fh.write(json.dumps({"system": system, **dialogue.model_dump(mode="json")}) + "\n")

    return append


def one_turn(report: ChatReport, harness: Harness, systems: list[ChatSystem]) -> None:
    cases = harness.holdout.cases
    for system in systems:
        if isinstance(system, LLMOnlySystem):
            system.answers.clear()
        sim = AttributeSimulator(
            harness.holdout.items, seed=harness.config.seed, k=harness.config.k
        )
        report.retrieval.append(one_turn_retrieval(system, sim, cases))
    cands = candidate_sets(harness.holdout, harness.config.seed)
    for system in systems:
        if isinstance(system, ModelSystem):
            report.ranking.append(rank_candidates(system.name, model_scorer(system), cases, cands))
        elif isinstance(system, AgentSystem):
            name = f"{system.name} rank tool"
            report.ranking.append(
                rank_candidates(name, agent_rank_scorer(system.agent), cases, cands)
            )


def standard_notes(config: ChatEvalConfig) -> list[str]:
    return [
        "Target = each test user's last interaction by time; the session history is everything "
        "before it and every model is trained with all users' last interactions removed.",
        "The attribute simulator restates what it revealed so far in every message (the agent "
        "reads each message on its own) and adds one attribute per turn; after all are revealed "
        "it rejects the first two items it was shown.",
        "Floors (pop, plain models) ignore the messages: the same top-k every turn.",
        "ReAct mode: the agent has none yet (plan-first only), so there is no ReAct row.",
        f"Hit@j for j < {config.k} is read at the turn the target first entered the top {config.k}.",
    ]
