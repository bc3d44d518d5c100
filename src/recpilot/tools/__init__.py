"""Typed tools over a per-turn candidate bus: what the planner's LLM can call."""
