"""Fixtures for the memory tests (shared with tests/service: ``memory_fixtures``)."""

from __future__ import annotations

import pytest

from memory_fixtures import agent, home, postgres_server, postgres_url, store, store_url, synth
from recpilot.agent.agent import Agent
from recpilot.memory.store import MemoryStore
from recpilot.service.conversation import ConversationService

__all__ = ["agent", "home", "postgres_server", "postgres_url", "store", "store_url", "synth"]


@pytest.fixture
def service(agent: Agent, store: MemoryStore) -> ConversationService:
    return ConversationService(agent, store)
