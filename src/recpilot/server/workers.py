"""Several server processes on one port (``recpilot serve --workers N``).

uvicorn starts each worker by importing :func:`app_from_env`, so the settings travel in the
environment (``RECPILOT_SERVER_SETTINGS``, JSON). Before any worker starts, :func:`prepare`
builds whatever the agent needs on disk (catalog, trained models, embeddings) once, in the
parent: the workers then only open those files read-only. The memory store is the one thing
they write, and they share it (PostgreSQL across machines; the SQLite file on one machine), so
a session, a key or a preference written through one worker is seen by every other on the
next request.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recpilot.errors import ConfigError
from recpilot.server.settings import ServerSettings

ENV_SETTINGS = "RECPILOT_SERVER_SETTINGS"


def prepare(settings: ServerSettings) -> None:
    """Build (or check) the catalog, models and embeddings the workers will open; raises the
    same errors a single-process server would, before anything forks."""
    from recpilot.agent.build import AgentOptions, build_agent
    from recpilot.service.routing import split_datasets

    for name in split_datasets(settings.dataset):
        agent = build_agent(AgentOptions(dataset=name, llm="rules", embedder=settings.embedder))
        agent.catalog.close()


@contextlib.contextmanager
def worker_environment(settings: ServerSettings) -> Iterator[None]:
    """``RECPILOT_SERVER_SETTINGS`` set for the workers while they run, removed afterwards."""
    previous = os.environ.get(ENV_SETTINGS)
    os.environ[ENV_SETTINGS] = settings.model_dump_json()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENV_SETTINGS, None)
        else:
            os.environ[ENV_SETTINGS] = previous


def app_from_env() -> FastAPI:
    """The app of one worker process, from the settings its parent put in the environment."""
    from recpilot.server.app import create_app

    text = os.environ.get(ENV_SETTINGS)
    if not text:
        raise ConfigError(
            f"{ENV_SETTINGS} is not set: worker processes are started by "
            "'recpilot serve --workers N', which sets it"
        )
    app = create_app(ServerSettings.model_validate_json(text))
    app.add_middleware(WorkerHeader)
    return app


class WorkerHeader:
    """Adds ``X-Recpilot-Worker: <pid>`` to every response: which process answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pid = str(os.getpid()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_pid(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-recpilot-worker", self.pid)]
            await send(message)

        await self.app(scope, receive, send_with_pid)
