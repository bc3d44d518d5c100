"""recpilot: agentic recommendation over a real catalog.

The tree follows the data flow: ``catalog`` (items and interactions in DuckDB) →
``models`` (trained recommenders) → ``tools`` / ``agent`` (the LLM plans tool calls over a
candidate bus) → interfaces (``cli``) → ``eval``.
"""

__version__ = "0.1.0"
