"""recpilot as an MCP server: its recommendation tools for any MCP-capable agent.

Named ``mcp_server`` so it never shadows the ``mcp`` SDK package."""

from recpilot.mcp_server.server import build_mcp_server

__all__ = ["build_mcp_server"]
