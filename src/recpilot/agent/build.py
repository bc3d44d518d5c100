"""Assemble an :class:`Agent` from a dataset name and an LLM spec string."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

import numpy as np

from recpilot.agent.agent import Agent, AgentSettings
from recpilot.agent.demos import DemoSelector, catalog_bank, load_bank
from recpilot.agent.planner import LLMPlanner, PlannerSettings, system_prompt
from recpilot.agent.react import ReactLoop
from recpilot.agent.restate import Restater
from recpilot.agent.session import Session
from recpilot.agent.team import Team
from recpilot.catalog.datasets import DEFAULT_DATASET, open_dataset
from recpilot.catalog.interactions import InteractionData
from recpilot.catalog.profile import CatalogProfile, Role, build_profile
from recpilot.catalog.store import Catalog
from recpilot.config import subdir
from recpilot.errors import UnknownId
from recpilot.llm.local import LocalLLM
from recpilot.llm.spec import resolve_llm
from recpilot.models.ann import AnnSettings, VectorIndex
from recpilot.models.artifacts import artifact_dir, train_or_load
from recpilot.models.base import Recommender
from recpilot.models.choice import CatalogShape, ChoicePolicy, ModelChoice, choose_models
from recpilot.models.embedders import Embedder, HashingEmbedder, MiniLMEmbedder, normalize_rows
from recpilot.models.implicit_mf import ALS, BPR
from recpilot.models.text import TextEmbedding
from recpilot.tools.registry import default_tools
from recpilot.tools.suite import ModelSuite, TextSearch

log = logging.getLogger(__name__)

SEMANTIC_POOL = 2000  # items an approximate text search returns (the tools keep at most this)


@dataclass(frozen=True)
class AgentOptions:
    dataset: str = DEFAULT_DATASET
    llm: str = "rules"
    # None: chosen from the catalog's size, density and memory (models/choice.py)
    personal_model: str | None = None
    similar_model: str | None = None
    demos: Literal["dynamic", "fixed", "none"] = "dynamic"
    validate: bool = True
    llm_reply: bool = True
    # "minilm" lets the policy fall back to hashing for the text model of a huge catalog
    embedder: Literal["minilm", "hashing"] = "minilm"
    mode: Literal["plan", "react", "team"] = "plan"
    critic: bool = False
    route: bool = True  # skip the LLM when the rules reading explains the whole message
    deadline_s: float | None = None  # the turn's LLM budget (None: the backend's default)


def choose(options: AgentOptions, data: InteractionData) -> ModelChoice:
    """The models for this catalog: the policy's choice, with ``options`` overriding it."""
    policy = ChoicePolicy.from_env()
    policy = replace(
        policy,
        personal=options.personal_model or policy.personal,
        similar=options.similar_model or policy.similar,
        embedder="hashing" if options.embedder == "hashing" else policy.embedder,
    )
    return choose_models(CatalogShape.of(data), policy)


def model_suite(catalog: Catalog, options: AgentOptions, profile: CatalogProfile) -> ModelSuite:
    """Trained models for the catalog (trained on first use, then loaded from artifacts)."""
    data = catalog.interactions()
    choice = choose(options, data)
    personal, _ = train_or_load(
        choice.personal.name, data, key=catalog.name, config=choice.personal.config, progress=True
    )
    similar = (
        personal
        if choice.similar == choice.personal
        else train_or_load(
            choice.similar.name, data, key=catalog.name, config=choice.similar.config, progress=True
        )[0]
    )
    similar_vectors = None
    if (factors := item_factors(similar)) is not None:  # cosine neighbours, ANN when big
        similar_vectors = VectorIndex(
            normalize_rows(factors), AnnSettings(threshold=choice.ann_threshold)
        ).load_or_build(
            artifact_dir(choice.similar.name, data, key=catalog.name, config=similar.config) / "ann"
        )
    text_config = TextEmbedding.config_class(
        embedder=choice.embedder, ivf_threshold=choice.ann_threshold
    )

    @cache
    def text_model() -> Recommender | None:
        model, _ = train_or_load("text", data, key=catalog.name, config=text_config)
        if isinstance(model, TextEmbedding):  # an approximate index is kept beside the model
            model.vector_index().load_or_build(
                artifact_dir("text", data, key=catalog.name, config=text_config) / "ann"
            )
        return model

    def text_search() -> TextSearch | None:
        model = text_model()
        if not isinstance(model, TextEmbedding):
            return None
        # Exact search scores every item; an approximate one, the best SEMANTIC_POOL.
        pool = SEMANTIC_POOL if model.vector_index().approximate else data.n_items

        def search(query: str) -> np.ndarray:
            idx, sims = model.search_text(query, k=pool)
            out = np.full(data.n_items, -np.inf, dtype=np.float32)
            out[idx] = sims
            return out

        return search

    years = None  # the time-like attribute (year, published, ...), for "recent" ordering
    if (time_attr := profile.roles.get(Role.time)) is not None:
        years = catalog.item_filter().numbers[time_attr]  # catalog order = data.item_ids
    return ModelSuite(
        categories=category_matrix(catalog, profile, [str(i) for i in data.item_ids]),
        item_ids=[str(i) for i in data.item_ids],
        personal=personal,
        similar=similar,
        popularity=data.item_popularity(),
        text_model=text_model,
        text_search=text_search,
        years=years,
        choice=choice,
        similar_vectors=similar_vectors,
    )


def item_factors(model: Recommender) -> np.ndarray | None:
    """The item factors of a matrix-factorisation model (None for other models)."""
    if isinstance(model, ALS):
        return model.item_factors
    if isinstance(model, BPR):
        return model.item_factors[:, :-1]  # the last column is the item bias
    return None


def category_matrix(
    catalog: Catalog, profile: CatalogProfile, item_ids: list[str]
) -> np.ndarray | None:
    """Items × values of the catalog's main category, rows L2-normalised (None without one)."""
    attribute = profile.roles.get(Role.category)
    if attribute is None:
        return None
    postings = catalog.item_filter().postings[attribute]  # value -> positions, sorted values
    matrix = np.zeros((len(catalog.item_ids()), len(postings)), dtype=np.float32)
    for col, positions in enumerate(postings.values()):
        matrix[positions, col] = 1.0
    if item_ids != catalog.item_ids():  # another vocabulary (a split's): its rows, in order
        position = {item_id: k for k, item_id in enumerate(catalog.item_ids())}
        rows = np.array([position.get(i, -1) for i in item_ids], dtype=np.int64)
        matrix = np.where((rows >= 0)[:, None], matrix[np.maximum(rows, 0)], 0.0)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def make_embedder(kind: str) -> Embedder:
    return MiniLMEmbedder() if kind == "minilm" else HashingEmbedder()


def build_agent(options: AgentOptions, catalog: Catalog | None = None) -> Agent:
    catalog = catalog or open_dataset(options.dataset)
    profile = build_profile(catalog)  # once: the models, the agent and the planner share it
    suite = model_suite(catalog, options, profile)
    # A longer turn budget than the backend's own per-call timeout lets one call use it all.
    timeout = max(60.0, options.deadline_s or 0.0)
    llm = resolve_llm(options.llm, timeout_s=timeout)
    # The embedded model gets a second instance for replies and restatements, so each keeps
    # its own prompt prefix cached. The weights file is mapped, not copied, but the context
    # is not shared: with the 1.5B the second instance adds about 0.9 GB of anonymous memory
    # (measured: RssAnon 1.31 → 2.21 GB once both had answered). Remote backends are
    # stateless, one client serves all.
    reply_llm = (
        resolve_llm(options.llm, timeout_s=timeout)
        if isinstance(llm, LocalLLM)
        and (options.llm_reply or options.mode == "team" or options.validate)
        else llm
    )
    tools = default_tools()
    agent = Agent(
        catalog,
        suite,
        llm=llm,
        reply_llm=reply_llm,
        tools=tools,
        settings=AgentSettings(
            llm_reply=options.llm_reply, route=options.route, deadline_s=options.deadline_s
        ),
        profile=profile,
    )
    if llm is not None:
        bank = (
            []
            if options.demos == "none"
            else catalog_bank(
                load_bank(
                    subdir("demos") / "grown.jsonl", catalog.path.with_suffix(".demos.jsonl")
                ),
                agent.profile,
                agent.resolver,
            )
        )
        selector = DemoSelector(
            bank,
            make_embedder(options.embedder),
            mode="fixed" if options.demos == "fixed" else "dynamic",
        )
        agent.planner = LLMPlanner(
            llm,
            tools,
            catalog,
            agent.resolver,
            selector,
            PlannerSettings(validate=options.validate, critic=options.critic),
            agent.profile,
        )
        if options.validate and options.mode != "react":
            # Restate, then read: the restatement's rules reading may spare the planner call.
            agent.restater = Restater(reply_llm or llm, agent.profile)
        if options.mode == "react":
            agent.react = ReactLoop(llm, tools, catalog, system_prompt(tools, catalog))
        elif options.mode == "team":
            # The manager, analyst and reflector share the reply instance (its own prompt
            # prefix), so the planner's cached system prompt survives the roles' calls.
            attributes = [a.name for a in catalog.attributes]
            agent.team = Team(agent.planner, reply_llm or llm, attributes)
    return agent


def new_session(agent: Agent, user_id: str | None) -> Session:
    """A session for ``user_id`` with their catalog history (oldest first)."""
    history: list[str] = []
    if user_id is not None:
        data = agent.catalog.interactions()
        u = data.user_index.get(str(user_id))
        if u is None:
            raise UnknownId(f"unknown user {user_id!r} in dataset {agent.catalog.name!r}")
        history = [str(data.item_ids[i]) for i in data.sequences()[u]]
    return Session(user_id=user_id, history=history)
