"""``recpilot serve`` (HTTP API, web page, MCP over HTTP), ``recpilot mcp`` (stdio) and
``recpilot keys create``."""

from __future__ import annotations

import typer

from recpilot.catalog.datasets import DEFAULT_DATASET

keys_app = typer.Typer(help="API keys for the HTTP server.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("mcp")(mcp)
    app.add_typer(keys_app, name="keys")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8000, "--port", help="Port to bind."),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    llm: str = typer.Option("rules", "--llm", help="Brain: rules, local, local:..., openai:MODEL."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="Threads running turns (default: 1 with an embedded LLM, which answers one call "
        "at a time; 2 otherwise).",
    ),
    queue_size: int = typer.Option(32, "--queue-size", help="Turns that may wait; more get 429."),
    allow_anonymous: bool = typer.Option(
        False, "--allow-anonymous", help="Accept requests without a key (local use only)."
    ),
    memory_url: str | None = typer.Option(
        None, "--memory-url", help="Memory store URL (PostgreSQL...)."
    ),
) -> None:
    """Serve the REST API (/v1), OpenAI-compatible chat, the web page (/) and MCP (/mcp)."""
    import uvicorn

    from recpilot.llm.spec import is_embedded
    from recpilot.server import create_app, settings_from_env

    settings = settings_from_env(
        host=host,
        port=port,
        dataset=dataset,
        llm=llm,
        workers=workers or (1 if is_embedded(llm) else 2),
        queue_size=queue_size,
        allow_anonymous=allow_anonymous or None,
        memory_url=memory_url,
    )
    if not settings.allow_anonymous and not settings.api_keys and not settings.key_path().is_file():
        typer.echo(
            "warning: no API keys yet; create one with 'recpilot keys create --user ID' "
            "or pass --allow-anonymous for local use",
            err=True,
        )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def mcp(
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    user: str | None = typer.Option(
        None, "--user", help="Bind every call to this user (default: admin)."
    ),
    llm: str = typer.Option("rules", "--llm", help="Brain spec (tools do not call the LLM)."),
) -> None:
    """Serve recpilot's recommendation tools over MCP stdio."""
    from recpilot.mcp_server.stdio import run_stdio

    run_stdio(dataset, llm=llm, user=user)


@keys_app.command("create")
def keys_create(
    user: str | None = typer.Option(None, "--user", help="The user this key acts for."),
    admin: bool = typer.Option(False, "--admin", help="An admin key (acts for any user)."),
) -> None:
    """Create an API key; it is printed once and stored hashed."""
    from recpilot.errors import ConfigError
    from recpilot.server.auth import KeyStore
    from recpilot.server.settings import ServerSettings

    if admin == bool(user):
        raise ConfigError("give exactly one of --user ID or --admin")
    store = KeyStore(ServerSettings().key_path())
    key, principal = store.create(user, admin=admin)
    typer.echo(key)
    typer.echo(
        f"key id {principal.key_id}, {'admin' if admin else 'user ' + str(user)}; stored in {store.path}",
        err=True,
    )
