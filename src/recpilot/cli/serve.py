"""``recpilot serve`` (HTTP API, web page, MCP over HTTP), ``recpilot mcp`` (stdio) and
``recpilot keys create|list|revoke``.

Keys live in the memory store the server uses, so they can be created, listed and revoked
while servers run: a new key works on the next request, a revoked one is refused on the
next request, on every server process sharing the store."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.server.settings import KEEP_ALIVE_S, WORKER_HEALTHCHECK_S

keys_app = typer.Typer(help="API keys for the HTTP server.", no_args_is_help=True)
DB_HELP = (
    "Memory database URL (sqlite:///PATH or postgresql://...); default $RECPILOT_DATABASE_URL "
    "or the SQLite file in the data home."
)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("mcp")(mcp)
    app.add_typer(keys_app, name="keys")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8000, "--port", help="Port to bind."),
    dataset: str = typer.Option(
        DEFAULT_DATASET,
        "--dataset",
        help="Catalog name; several comma-separated: each request is routed to the one that "
        "can answer it, or to the one a request's 'catalog' field names (docs/routing.md).",
    ),
    llm: str = typer.Option("rules", "--llm", help="Brain: rules, local, local:..., openai:MODEL."),
    deadline: float | None = typer.Option(
        None,
        "--deadline",
        min=0.1,
        envvar="RECPILOT_LLM_DEADLINE_S",
        help="Seconds a turn's LLM calls may take together; then the turn answers from the "
        "rules, flagged degraded. Default: 20 for openai:, 60 for local.",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Server processes sharing the port. Every process opens the catalog and model "
        "files read-only and the same memory store (use PostgreSQL, or the SQLite file on one "
        "machine), so a session continues on any of them.",
    ),
    threads: int | None = typer.Option(
        None,
        "--threads",
        min=1,
        help="Threads running turns in each process (default: 1 with an embedded LLM, which "
        "answers one call at a time; 2 otherwise).",
    ),
    queue_size: int = typer.Option(32, "--queue-size", help="Turns that may wait; more get 429."),
    rate_limit: int | None = typer.Option(
        None,
        "--rate-limit",
        min=0,
        help="Requests per minute per API key, per process (default 600; 0 = no limit).",
    ),
    allow_anonymous: bool = typer.Option(
        False, "--allow-anonymous", help="Accept requests without a key (local use only)."
    ),
    memory_url: str | None = typer.Option(None, "--memory-url", "--db", help=DB_HELP),
    embedder: str = typer.Option(
        "minilm", "--embedder", help="Sentence embedder: minilm (default) or hashing (no model)."
    ),
    keep_alive: int = typer.Option(
        KEEP_ALIVE_S,
        "--timeout-keep-alive",
        min=1,
        help="Seconds an idle keep-alive connection stays open. Keep it above the idle expiry "
        "of the clients' and proxies' connection pools (httpx 5 s, nginx upstream 60 s): a "
        "connection the server closes just as a client reuses it resets that request.",
    ),
    healthcheck: int = typer.Option(
        WORKER_HEALTHCHECK_S,
        "--timeout-worker-healthcheck",
        min=1,
        help="With --workers: seconds a worker process may take to answer the parent's health "
        "check before it is killed and replaced (killing one resets the requests it holds).",
    ),
    vision: str | None = typer.Option(
        None,
        "--vision",
        envvar="RECPILOT_VISION_LLM",
        help="An OpenAI-compatible vision model (openai:MODEL) that reads pictures sent to "
        "/v1/chat/completions; without it pictures get HTTP 400 (docs/routing.md).",
    ),
) -> None:
    """Serve the REST API (/v1), OpenAI-compatible chat, the web page (/) and MCP (/mcp).

    Opens the memory store first; if it cannot, says why and exits non-zero."""
    import uvicorn

    from recpilot.llm.spec import is_embedded

    if embedder not in ("minilm", "hashing"):
        raise typer.BadParameter("use minilm or hashing", param_hint="--embedder")
    from recpilot.server import create_app, settings_from_env

    settings = settings_from_env(
        host=host,
        port=port,
        dataset=dataset,
        llm=llm,
        llm_deadline_s=deadline,
        threads=threads or (1 if is_embedded(llm) else 2),
        queue_size=queue_size,
        rate_limit_per_min=rate_limit,
        allow_anonymous=allow_anonymous or None,
        memory_url=memory_url,
        embedder=embedder,
        vision_llm=vision,
    )
    if workers > 1 and is_embedded(llm):
        typer.echo(
            f"warning: {workers} processes each load the embedded LLM ({llm}); an "
            "OpenAI-compatible LLM server shared by the workers scales better (docs/deploy.md)",
            err=True,
        )
    app = create_app(settings)  # opens the store: ConfigError (exit 2) when it cannot
    if (
        not settings.allow_anonymous
        and not settings.api_keys
        and not app.state.recpilot.keys.list()
    ):
        typer.echo(
            "warning: no API keys yet; create one with 'recpilot keys create --user ID' "
            "(works while the server runs) or pass --allow-anonymous for local use",
            err=True,
        )
    if workers == 1:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            timeout_keep_alive=keep_alive,
        )
        return
    from recpilot.server.workers import prepare, worker_environment

    app.state.recpilot.store.close()
    prepare(settings)  # the catalog and models built once, here, before any worker opens them
    with worker_environment(settings):
        uvicorn.run(
            "recpilot.server.workers:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            timeout_keep_alive=keep_alive,
            timeout_worker_healthcheck=healthcheck,
        )


def mcp(
    dataset: str = typer.Option(
        DEFAULT_DATASET,
        "--dataset",
        help="Catalog name; several comma-separated: the tools take a 'catalog' argument.",
    ),
    user: str | None = typer.Option(
        None, "--user", help="Bind every call to this user (default: admin)."
    ),
    llm: str = typer.Option("rules", "--llm", help="Brain spec (tools do not call the LLM)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Serve recpilot's recommendation tools over MCP stdio."""
    from recpilot.mcp_server.stdio import run_stdio

    run_stdio(dataset, llm=llm, user=user, memory_url=db)


@keys_app.command("create")
def keys_create(
    user: str | None = typer.Option(None, "--user", help="The user this key acts for."),
    admin: bool = typer.Option(False, "--admin", help="An admin key (acts for any user)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Create an API key; it is printed once and stored hashed. Works at once, also on a
    server that is already running."""
    from recpilot.memory.store import MemoryStore
    from recpilot.service.keys import KeyRing

    with MemoryStore.open(db) as store:
        key, row = KeyRing(store).create(user, admin=admin)
    typer.echo(key)
    typer.echo(
        f"key id {row.key_id}, {'admin' if admin else 'user ' + str(user)}; stored hashed in "
        f"the memory store",
        err=True,
    )


@keys_app.command("list")
def keys_list(
    user: str | None = typer.Option(None, "--user", help="Only this user's keys."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """List API keys (ids, users, when created and revoked; never the keys themselves)."""
    from recpilot.memory.store import MemoryStore
    from recpilot.service.keys import KeyRing

    with MemoryStore.open(db) as store:
        rows = KeyRing(store).list(user)
    if json_out:
        typer.echo(json.dumps([r.model_dump(exclude={"sha256"}) for r in rows], indent=2))
        return
    for r in rows:
        who = "admin" if r.admin else f"user {r.user_id}"
        state = "active" if r.active else f"revoked {_when(r.revoked_at)}"
        typer.echo(f"{r.key_id}  {who}  created {_when(r.created_at)}  {state}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str = typer.Argument(..., help="The key id (from 'recpilot keys list')."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke an API key: running servers refuse it from the next request on."""
    from recpilot.memory.store import MemoryStore
    from recpilot.service.keys import KeyRing

    with MemoryStore.open(db) as store:
        KeyRing(store).revoke(key_id)
    typer.echo(f"revoked {key_id}")


def _when(at: float | None) -> str:
    return "-" if at is None else datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
