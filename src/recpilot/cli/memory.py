"""``recpilot recommend``, ``recpilot feedback``, ``recpilot user
show|export|delete|preferences|forget`` and ``recpilot memory report``: the durable memory
from the command line, through the conversation service (the same code the server runs).

The memory database is ``--db URL`` or ``$RECPILOT_DATABASE_URL`` or the SQLite file
under the data home — the one ``recpilot serve`` uses by default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from recpilot.agent.build import AgentOptions, build_agent
from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.memory.reflect import failure_report
from recpilot.memory.store import MemoryStore
from recpilot.service import privacy
from recpilot.service.conversation import ConversationService

DB_HELP = "Memory database URL (sqlite:///PATH or postgresql://...); default $RECPILOT_DATABASE_URL or the SQLite file in the data home."
FEEDBACK_HELP = "like, dislike, watched (= consumed), consumed or not-interested."

user_app = typer.Typer(
    help="Show, export or delete everything stored about a user.", no_args_is_help=True
)
memory_app = typer.Typer(help="Reports over the memory database.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("recommend")(recommend)
    app.command("feedback")(feedback)
    app.add_typer(user_app, name="user")
    app.add_typer(memory_app, name="memory")


def _service(dataset: str, llm: str, db: str | None) -> ConversationService:
    return ConversationService.open(build_agent(AgentOptions(dataset=dataset, llm=llm)), db)


def recommend(
    user: str = typer.Option(..., "--user", help="User id (a catalog user or any new id)."),
    n: int = typer.Option(10, "--n", min=1, max=20, help="How many items."),
    json_out: bool = typer.Option(
        False, "--json", help="Print one JSON object (the ask contract)."
    ),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    llm: str = typer.Option("rules", "--llm", help="Brain spec (rules needs no LLM)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Recommend with no message, from the user's profile and history ("because you liked
    X"), never anything they ruled out; a brand-new user gets popular, diverse picks and a
    question about their taste. The same path as POST /v1/recommend and MCP."""
    with _service(dataset, llm, db) as service:
        out = service.recommend(user, n)
    record = out.record
    if json_out:
        contract = record.contract() | {"session_id": out.session_id, "user_id": user}
        sys.stdout.write(json.dumps(contract) + "\n")
    else:
        typer.echo(record.reply)


def feedback(
    item_id: str = typer.Argument(..., help="The catalog item id."),
    kind: str = typer.Argument(..., help=FEEDBACK_HELP),
    user: str = typer.Option(..., "--user", help="User id."),
    session: str | None = typer.Option(None, "--session", help="Session the item was shown in."),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Record feedback on an item; the next recommendations use it."""
    kind = kind.replace("-", "_").replace(" ", "_")
    with _service(dataset, "rules", db) as service:
        service.feedback(user, item_id, "consumed" if kind == "watched" else kind, session)
    typer.echo(f"recorded {kind} on {item_id} for {user}")


@user_app.command("show")
def user_show(
    user_id: str = typer.Argument(..., help="User id."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Print the user's profile (JSON) and how many rows each table holds for them."""
    with MemoryStore.open(db) as store:
        out = {
            "profile": store.profile(user_id).model_dump(mode="json"),
            "preferences": [
                privacy.preference_view(e) for e in privacy.preferences(store, user_id)
            ],
            "rows": store.count_user_rows(user_id),
            "sessions": store.sessions(user_id),
        }
    typer.echo(json.dumps(out, indent=2))


@user_app.command("export")
def user_export(
    user_id: str = typer.Argument(..., help="User id."),
    out: Path | None = typer.Option(None, "--out", help="Write to this file instead of stdout."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Every stored fact about the user, as one JSON object."""
    with MemoryStore.open(db) as store:
        text = json.dumps(privacy.export_user(store, user_id), indent=2, default=str)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n")
        typer.echo(f"wrote {out}", err=True)


@user_app.command("delete")
def user_delete(
    user_id: str = typer.Argument(..., help="User id."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Delete the user from every store (profile, sessions, messages, turns, feedback,
    memory index, plan outcomes); prints the rows deleted per table."""
    if not yes:
        typer.confirm(f"Delete everything stored about {user_id!r}?", abort=True)
    with MemoryStore.open(db) as store:
        counts = privacy.delete_user(store, user_id)
    typer.echo(json.dumps(counts))


@user_app.command("preferences")
def user_preferences(
    user_id: str = typer.Argument(..., help="User id."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """List what the user told recpilot to never show, the limits they set and the wishes
    they stated (JSON, each with the id 'recpilot user forget' takes)."""
    with MemoryStore.open(db) as store:
        prefs = [privacy.preference_view(e) for e in privacy.preferences(store, user_id)]
    typer.echo(json.dumps(prefs, indent=2))


@user_app.command("forget")
def user_forget(
    user_id: str = typer.Argument(..., help="User id."),
    preference_id: str = typer.Argument(..., help="The id from 'recpilot user preferences'."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Remove one stated preference; it stops applying at once, on every interface."""
    with MemoryStore.open(db) as store:
        removed = privacy.forget(store, user_id, preference_id)
    typer.echo(f"forgot {removed.id}: {removed.describe()}")


@memory_app.command("report")
def memory_report(
    min_failures: int = typer.Option(
        2, "--min-failures", min=1, help="Show shapes failing this often."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Plan shapes that keep failing (empty, degraded, rejected or corrected turns)."""
    with MemoryStore.open(db) as store:
        rows = failure_report(store, min_failures=min_failures)
    typer.echo(json.dumps([r.model_dump() for r in rows], indent=2))
