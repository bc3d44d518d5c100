"""A corpus of bad input, generated deterministically: files for ``recpilot data ingest``,
HTTP requests for the REST and OpenAI-compatible endpoints, MCP tool calls and chat
messages. Each case says what a correct outcome is (a clear error naming the problem, or a
stored/answered result), so a test can run the whole corpus and count what held.

``all_cases()`` lists every case; each family has its own function.
"""

from __future__ import annotations

from .ingest import IngestCase, ingest_cases, write_case
from .requests import ChatCase, HttpCase, McpCase, chat_cases, http_cases, mcp_cases

__all__ = [
    "ChatCase",
    "HttpCase",
    "IngestCase",
    "McpCase",
    "all_cases",
    "chat_cases",
    "http_cases",
    "ingest_cases",
    "mcp_cases",
    "write_case",
]


def all_cases() -> list[IngestCase | HttpCase | McpCase | ChatCase]:
    return [*ingest_cases(), *http_cases(), *mcp_cases(), *chat_cases()]
