from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recpilot.agent.agent import Agent, AgentSettings
from recpilot.agent.build import new_session
from recpilot.agent.demos import DemoSelector, load_bank
from recpilot.agent.planner import LLMPlanner, PlannerSettings
from recpilot.agent.session import Session
from recpilot.catalog.store import Catalog
from recpilot.llm.base import LLM
from recpilot.models.embedders import HashingEmbedder
from recpilot.models.registry import make_model
from recpilot.models.text import TextEmbedding
from recpilot.tools.suite import ModelSuite

from .minicatalog import build


@pytest.fixture(scope="session")
def mini_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    path = tmp_path_factory.mktemp("mini") / "mini.duckdb"
    build(path)
    catalog = Catalog.open(path)
    yield catalog
    catalog.close()


@pytest.fixture(scope="session")
def suite(mini_catalog: Catalog) -> ModelSuite:
    data = mini_catalog.interactions()
    personal = make_model("ease", reg=10.0).fit(data)
    similar = make_model("itemknn").fit(data)
    text = TextEmbedding(TextEmbedding.config_class(embedder="hashing")).fit(data)
    years = [float(mini_catalog.get_item(str(i)).attributes["year"]) for i in data.item_ids]  # type: ignore[union-attr, arg-type]

    def search(query: str):  # type: ignore[no-untyped-def]
        import numpy as np

        idx, sims = text.search_text(query, k=data.n_items)
        out = np.full(data.n_items, -np.inf, dtype=np.float32)
        out[idx] = sims
        return out

    import numpy as np

    return ModelSuite(
        item_ids=[str(i) for i in data.item_ids],
        personal=personal,
        similar=similar,
        popularity=data.item_popularity(),
        text_model=lambda: text,
        text_search=lambda: search,
        years=np.array(years),
    )


@pytest.fixture()
def agent(mini_catalog: Catalog, suite: ModelSuite) -> Agent:
    return Agent(mini_catalog, suite)


def llm_agent(
    catalog: Catalog, suite: ModelSuite, llm: LLM, *, validate: bool = True, route: bool = False
) -> Agent:
    """An agent whose planner is ``llm``; without ``route`` every message goes to the LLM
    (so scripted plans are consumed in order)."""
    agent = Agent(catalog, suite, llm=llm, settings=AgentSettings(route=route))
    selector = DemoSelector(load_bank(), HashingEmbedder(), k=2)
    agent.planner = LLMPlanner(
        llm,
        agent.tools,
        catalog,
        agent.resolver,
        selector,
        PlannerSettings(validate=validate),
        agent.profile,
    )
    return agent


@pytest.fixture()
def session(agent: Agent) -> Session:
    return new_session(agent, None)


@pytest.fixture()
def mini_path(mini_catalog: Catalog) -> Path:
    return mini_catalog.path
