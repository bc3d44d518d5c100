"""Fixtures for the model tests."""

from __future__ import annotations

import pytest
from modeldata import block_data

from recpilot.catalog.interactions import InteractionData


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("RECPILOT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def blocks() -> InteractionData:
    return block_data()
