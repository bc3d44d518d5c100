"""The agent with the real embedded 0.5B model (marked ``llm``): the schema-constrained plan
parses and runs, and whatever the small model writes, every item is a catalog item."""

from __future__ import annotations

import importlib.util

import pytest

from recpilot.agent.build import new_session
from recpilot.catalog.store import Catalog
from recpilot.config import data_home
from recpilot.llm.local import LocalLLM
from recpilot.llm.weights import EMBEDDED_MODELS, parts_installed
from recpilot.tools.suite import ModelSuite

from .conftest import llm_agent

pytestmark = pytest.mark.llm

MODEL = EMBEDDED_MODELS["qwen2.5-coder-0.5b"]
if importlib.util.find_spec("llama_cpp") is None or not parts_installed(MODEL):
    pytest.skip(
        "needs recpilot[llm,models-small] (llama-cpp-python and the 0.5B parts)",
        allow_module_level=True,
    )


def test_real_small_model_plans_a_grounded_turn(mini_catalog: Catalog, suite: ModelSuite) -> None:
    llm = LocalLLM("qwen2.5-coder-0.5b", weights_dir=data_home() / "llm")
    try:
        agent = llm_agent(mini_catalog, suite, llm)
        agent.settings.llm_reply = False
        turn = agent.turn(new_session(agent, None), "2 scary movies from the 80s")
    finally:
        llm.close()
    assert turn.llm and turn.llm[0].purpose == "plan" and turn.llm[0].ok
    assert turn.llm[0].completion_tokens > 0
    # The grammar keeps the output inside the plan schema: never a degraded turn.
    assert not turn.degraded, turn.degraded_reasons
    titles = mini_catalog.titles()
    assert turn.items and all(i.item_id in titles for i in turn.items)
    # Validation (and, failing that, the rules plan) guarantees the stated constraints.
    assert sorted(i.item_id for i in turn.items) == ["21", "24"]
