"""HTTP serving: REST (``/v1``), OpenAI-compatible chat, the web chat page and MCP over HTTP."""

from recpilot.server.app import create_app
from recpilot.server.settings import ServerSettings, settings_from_env

__all__ = ["ServerSettings", "create_app", "settings_from_env"]
