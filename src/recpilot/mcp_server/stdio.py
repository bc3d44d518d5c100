"""``recpilot mcp``: the MCP tools over stdio for one local process.

The principal is fixed at start: ``user`` binds every call to that user (like a user key);
without it the process acts as admin (it runs as the local account that owns the data).
The memory store is the same one the CLI and the server use; if it cannot be opened the
process says why and exits before serving."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

from recpilot.agent.build import AgentOptions, build_agent
from recpilot.mcp_server.server import build_mcp_server
from recpilot.memory.store import MemoryStore
from recpilot.service.access import Principal
from recpilot.service.routing import service_over, split_datasets

log = logging.getLogger(__name__)


def run_stdio(
    dataset: str,
    *,
    llm: str = "rules",
    user: str | None = None,
    embedder: Literal["minilm", "hashing"] = "minilm",
    memory_url: str | None = None,
) -> None:
    store = MemoryStore.open(memory_url)  # fails here, before serving, when it cannot open
    try:
        options = AgentOptions(llm=llm, embedder=embedder, demos="none")
        agents = [build_agent(replace(options, dataset=n)) for n in split_datasets(dataset)]
        service = service_over(agents, store)  # several catalogs: a 'catalog' argument picks
        principal = (
            Principal(user, admin=False, key_id="stdio") if user else Principal(None, True, "stdio")
        )
        server = build_mcp_server(lambda: service, lambda ctx: principal)
        log.info("serving MCP over stdio dataset=%s user=%s", dataset, user or "(admin)")
        server.run("stdio")
    finally:
        store.close()
