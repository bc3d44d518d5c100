"""The app factory: ``create_app(settings) -> FastAPI``.

The memory store opens when the app is created — if it cannot, ``create_app`` raises
(``recpilot serve`` then says why and exits non-zero); there is no stand-in. The agent loads
in a background thread at startup (``/readyz`` answers 503 until it is ready); tests and
embedders may pass a built ``Agent`` or a whole ``ConversationService`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from recpilot import __version__
from recpilot.agent.agent import Agent
from recpilot.agent.build import AgentOptions, build_agent
from recpilot.errors import ConfigError, RecpilotError, UnknownId
from recpilot.llm.breaker import breaker_of
from recpilot.llm.vision import VisionReader, resolve_vision
from recpilot.mcp_server.server import build_mcp_server
from recpilot.memory.store import MemoryStore
from recpilot.server.auth import Forbidden, Principal, Unauthenticated, authenticate
from recpilot.server.metrics import Metrics
from recpilot.server.middleware import Limits, RequestContextMiddleware
from recpilot.server.openai_api import router as openai_router
from recpilot.server.rest import router as rest_router
from recpilot.server.settings import ServerSettings
from recpilot.server.state import AppState, NotReady, principal
from recpilot.server.work import Overloaded, WorkQueue
from recpilot.service.conversation import ConversationService
from recpilot.service.keys import KeyRing
from recpilot.service.routing import service_over, split_datasets

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _error(status: int, kind: str, message: str, request: Request, **headers: str) -> JSONResponse:
    rid = request.scope.get("state", {}).get("request_id", "")
    body = {"error": {"type": kind, "message": message, "request_id": rid}}
    return JSONResponse(body, status_code=status, headers=headers or None)


def _handlers(app: FastAPI, settings: ServerSettings) -> None:
    async def forbidden(request: Request, exc: Exception) -> Response:
        return _error(403, "forbidden", str(exc), request)

    async def unauthenticated(request: Request, exc: Exception) -> Response:
        return _error(401, "unauthenticated", str(exc), request, **{"WWW-Authenticate": "Bearer"})

    async def overloaded(request: Request, exc: Exception) -> Response:
        after = str(exc.retry_after_s) if isinstance(exc, Overloaded) else "2"
        return _error(429, "overloaded", str(exc), request, **{"Retry-After": after})

    async def not_ready(request: Request, exc: Exception) -> Response:
        return _error(
            503, "not_ready", str(exc), request, **{"Retry-After": str(settings.retry_after_s)}
        )

    async def unknown(request: Request, exc: Exception) -> Response:
        return _error(404, "not_found", str(exc), request)

    async def bad_value(request: Request, exc: Exception) -> Response:
        return _error(400, "invalid_request", str(exc), request)

    async def http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)  # FastAPI's and the router's (404, 405)
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        return _error(
            exc.status_code,
            kind or "invalid_request",
            str(exc.detail),
            request,
            **(exc.headers or {}),
        )

    async def invalid(request: Request, exc: Exception) -> Response:
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        text = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in errors[:5]
        )
        return _error(422, "invalid_request", text or str(exc), request)

    async def failure(request: Request, exc: Exception) -> Response:
        log.warning("request failed: %s", exc)
        return _error(500, "server_error", str(exc), request)

    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.add_exception_handler(Overloaded, overloaded)
    app.add_exception_handler(NotReady, not_ready)
    app.add_exception_handler(UnknownId, unknown)
    app.add_exception_handler(ValueError, bad_value)
    app.add_exception_handler(ConfigError, bad_value)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(RecpilotError, failure)


def _load(state: AppState, agent: Agent | None) -> None:
    try:
        if agent is None:
            opts = AgentOptions(
                dataset=state.settings.dataset,
                llm=state.settings.llm,
                deadline_s=state.settings.llm_deadline_s,
                embedder=state.settings.embedder,
            )
            # several comma-separated datasets: one agent each, requests routed among them
            names = split_datasets(opts.dataset)
            agents = [build_agent(replace(opts, dataset=name)) for name in names]
        else:
            agents = [agent]
        state.service = service_over(agents, state.store)
        log.info(
            "agent ready dataset=%s brain=%s",
            ",".join(a.catalog.name for a in agents),
            agents[0].brain,
        )
    except RecpilotError as exc:
        state.load_error = f"the agent failed to load: {exc}"
        log.error("%s", state.load_error)
    finally:
        state.loaded.set()


def create_app(
    settings: ServerSettings | None = None,
    *,
    agent: Agent | None = None,
    service: ConversationService | None = None,
    vision: VisionReader | None = None,
) -> FastAPI:
    """The app. Opens the memory store now (``ConfigError`` when it cannot); with
    ``service`` given, its store is used and the caller closes it. ``vision`` reads pictures
    in chat requests (default: from ``settings.vision_llm``; none: pictures get 400)."""
    settings = settings or ServerSettings()
    vision = vision or resolve_vision(settings.vision_llm)  # a bad spec fails here, at start
    metrics = Metrics()
    owns_store = service is None
    store = service.store if service is not None else MemoryStore.open(settings.memory_url)
    keys = KeyRing(store, settings.api_keys)
    keys.import_file(settings.key_path())
    state = AppState(
        settings=settings,
        store=store,
        keys=keys,
        metrics=metrics,
        queue=WorkQueue(settings.threads, settings.queue_size, settings.retry_after_s),
        service=service,
        vision=vision,
    )
    _describe(metrics, state)
    mcp = build_mcp_server(state.require_service, lambda ctx: _mcp_principal(state, ctx.headers))
    manager = StreamableHTTPSessionManager(
        app=mcp._lowlevel_server, stateless=True, json_response=True
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if state.service is not None:
            state.loaded.set()
        elif agent is not None:
            _load(state, agent)  # a built agent: only the memory store to open, ready at once
        else:
            asyncio.get_running_loop().run_in_executor(None, _load, state, agent)
        async with contextlib.AsyncExitStack() as stack:
            if settings.mcp_http:
                await stack.enter_async_context(manager.run())
            yield
        state.queue.shutdown()
        if owns_store:
            state.store.close()

    app = FastAPI(
        title="recpilot",
        version=__version__,
        description="Agentic recommendation API. See docs/serving.md.",
        lifespan=lifespan,
    )
    app.state.recpilot = state
    _handlers(app, settings)
    app.include_router(rest_router)
    app.include_router(openai_router)

    @app.get("/healthz", tags=["ops"], summary="Liveness")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: the agent is loaded")
    async def readyz() -> Response:
        if state.service is None:
            return JSONResponse(
                {
                    "status": "loading" if state.load_error is None else "failed",
                    "error": state.load_error,
                },
                status_code=503,
                headers={"Retry-After": str(settings.retry_after_s)},
            )
        return JSONResponse(
            {
                "status": "ready",
                "dataset": state.service.catalog.name,
                "catalogs": state.service.catalog_names(),
                "brain": state.service.agent.brain,
                "memory": state.store.dialect,
                "worker": os.getpid(),
            }
        )

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics (admin key)",
        response_class=PlainTextResponse,
    )
    def metrics_text(who: Annotated[Principal, Depends(principal)]) -> PlainTextResponse:
        if not who.admin:
            raise Forbidden("/metrics needs an admin key")
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/v1/config", tags=["ops"], summary="What the web page needs to know")
    async def page_config() -> dict[str, Any]:
        return {
            "anonymous": settings.allow_anonymous,
            "anonymous_user": settings.anonymous_user,
            "vision": state.vision is not None,  # the page offers a picture upload
        }

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.mcp_http:  # an ASGI app (not a function), so Starlette passes scope/receive/send
        app.router.routes.append(
            Route(
                "/mcp", endpoint=StreamableHTTPASGIApp(manager), methods=["GET", "POST", "DELETE"]
            )
        )
    limits = Limits(
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        rate_limit_per_min=settings.rate_limit_per_min,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, limits=limits)
    return app


def _mcp_principal(state: AppState, headers: Any) -> Principal:
    headers = headers or {}
    lower = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    return authenticate(
        state.keys, lower.get("authorization"), lower.get("x-api-key"), state.anonymous
    )


def _describe(metrics: Metrics, state: AppState) -> None:
    metrics.describe("recpilot_turn_seconds", "Agent turn latency, seconds (queue wait included)")
    metrics.describe("recpilot_turns_total", "Agent turns answered")
    metrics.describe("recpilot_llm_calls_total", "LLM calls made by turns")
    metrics.describe("recpilot_degraded_turns_total", "Turns answered degraded (LLM failed)")
    metrics.describe("recpilot_queue_depth", "Admitted turns waiting for a worker or session lock")
    metrics.describe("recpilot_http_requests_total", "HTTP requests by route and status")
    metrics.gauge("recpilot_queue_depth", lambda: float(state.queue.depth))
    metrics.gauge("recpilot_turns_running", lambda: float(state.queue.running))
    metrics.gauge("recpilot_ready", lambda: 1.0 if state.service is not None else 0.0)
    metrics.describe(
        "recpilot_llm_circuit_open",
        "1 while the LLM's circuit breaker is not closed (open, or half-open awaiting a probe)",
    )
    metrics.describe("recpilot_llm_circuit_opened", "Times the LLM's circuit breaker has opened")
    metrics.gauge("recpilot_llm_circuit_open", lambda: _circuit(state)[0])
    metrics.gauge("recpilot_llm_circuit_opened", lambda: _circuit(state)[1])


def _circuit(state: AppState) -> tuple[float, float]:
    """(1 unless closed, times opened) for the agent's LLM; zeros without a breaker."""
    breaker = breaker_of(state.service.agent.llm) if state.service is not None else None
    if breaker is None:
        return 0.0, 0.0
    view = breaker.view()
    return (0.0 if view.state == "closed" else 1.0), float(view.opened_total)
