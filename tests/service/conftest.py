"""Fixtures for the conversation service tests (shared with tests/memory: ``memory_fixtures``)."""

from __future__ import annotations

import pytest

from memory_fixtures import agent, home, postgres_server, postgres_url, store, store_url, synth
from recpilot.agent.agent import Agent
from recpilot.memory.store import MemoryStore
from recpilot.service.conversation import ConversationService

__all__ = ["agent", "home", "postgres_server", "postgres_url", "store", "store_url", "synth"]


@pytest.fixture
def mem(agent: Agent, store: MemoryStore) -> ConversationService:
    """The conversation service over the parametrised store (SQLite, PostgreSQL)."""
    return ConversationService(agent, store)
