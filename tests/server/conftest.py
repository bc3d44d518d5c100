"""Shared serving fixtures (see tests/serving_fixtures.py)."""

from serving_fixtures import agent, make_app, serve_home

__all__ = ["agent", "make_app", "serve_home"]
