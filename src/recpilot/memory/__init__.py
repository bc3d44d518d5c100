"""Durable memory: the store (SQLite or PostgreSQL) and the typed records it keeps —
sessions, turns, feedback, profiles with stated preferences, the memory index, plan
outcomes, API keys — plus dialogue bounds, retrieval, reflection and item cold start.

Memory sits below the agent: it imports none of the agent's types. The conversation service
(:mod:`recpilot.service`) puts the agent and memory together."""
