"""HTTP serving: REST (``/v1``), OpenAI-compatible chat, the web chat page and MCP over HTTP.

An adapter over :class:`recpilot.service.ConversationService`. ``create_app`` and
``ServerSettings`` are imported lazily, so importing ``recpilot.server.testing`` or
``recpilot.server.settings`` does not import the app.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServerSettings", "create_app", "settings_from_env"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from recpilot.server.app import create_app

        return create_app
    if name in ("ServerSettings", "settings_from_env"):
        from recpilot.server import settings

        return getattr(settings, name)
    raise AttributeError(name)
