"""Fixtures shared by the server, web and MCP tests: a planted synthetic catalog (8 genre
clusters, users u0..u119) under a tmp data home, and apps with keys for alice (u1), bob (u2), admin."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI

from recpilot.agent.agent import Agent
from recpilot.server import ServerSettings, create_app
from recpilot.server.testing import synthetic_agent, test_keys


@pytest.fixture(scope="session")
def serve_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("serve-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RECPILOT_HOME", str(home))
        yield str(home)


@pytest.fixture(scope="session")
def agent(serve_home: str) -> Agent:
    return synthetic_agent()


@pytest.fixture
def make_app(agent: Agent, tmp_path: object) -> Callable[..., FastAPI]:
    def make(**overrides: object) -> FastAPI:
        values: dict[str, object] = {
            "api_keys": test_keys(),
            "mcp_http": False,
            "keys_file": f"{tmp_path}/keys.json",
        }
        values.update(overrides)
        use_agent = values.pop("agent", agent)
        return create_app(ServerSettings.model_validate(values), agent=use_agent)  # type: ignore[arg-type]

    return make
