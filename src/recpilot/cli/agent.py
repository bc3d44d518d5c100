"""``recpilot ask``, ``recpilot chat`` and ``recpilot demo``: talking to the agent.

``ask`` and ``chat`` go through the conversation service, like the server: any ``--user``
id works (new ids start cold), and what the user says is remembered in the memory store
(``--db URL``, else ``$RECPILOT_DATABASE_URL``, else the SQLite file in the data home)."""

from __future__ import annotations

import json
import sys
from typing import Literal

import typer
from rich.console import Console
from rich.table import Table

from recpilot.agent.build import AgentOptions, build_agent, new_session
from recpilot.agent.trace import TurnRecord
from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.llm.deadline import ENV_DEADLINE
from recpilot.service.conversation import ConversationService
from recpilot.service.routing import open_service

DB_HELP = (
    "Memory database URL (sqlite:///PATH or postgresql://...); default $RECPILOT_DATABASE_URL "
    "or the SQLite file in the data home."
)
USER_HELP = "User id: a catalog user (their history personalises) or any new id (starts cold); remembered across calls."

LLM_HELP = (
    "Brain: rules (no LLM), local (embedded 1.5B), local:qwen2.5-coder-0.5b, "
    "local:/path/model.gguf, openai:MODEL (RECPILOT_LLM_BASE_URL / RECPILOT_LLM_API_KEY)."
)
MODE_HELP = (
    "plan: one LLM call writes the whole plan; react: one call per tool; team: manager, "
    "analyst, searcher, reflector and interpreter roles (one call each)."
)
DEADLINE_HELP = (
    "Seconds the turn's LLM calls may take together (plan, repair, reply); when spent, the "
    "turn answers from the rules, flagged degraded. Default: 20 for openai:, 60 for local."
)


def deadline_option() -> float | None:
    return typer.Option(None, "--deadline", min=0.1, envvar=ENV_DEADLINE, help=DEADLINE_HELP)


def diversity_option() -> float | None:
    return typer.Option(
        None,
        "--diversity",
        min=0.0,
        max=1.0,
        help="Variety and less mainstream picks: 0 the plain ranking, 1 most varied; kept by "
        "the session until changed (also by saying 'surprise me', 'more mainstream'). "
        "Default: the measured default (docs/diversity.md).",
    )


def mode_option() -> str:
    return typer.Option("plan", "--mode", help=MODE_HELP)


# The first two are read by rules alone (no LLM call); the third needs the LLM to read an
# audience; the fourth is a question answered from the catalog row.
DEMO_REQUESTS = (
    "something like Fargo but funnier, nothing before 1990",
    "I can't stand horror. 3 films from the 80s",
    "a cosy film for a family evening with my little nephews",
    "what year is Casablanca from?",
)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("demo")(demo)


def agent_options(
    dataset: str,
    llm: str,
    demos: str,
    validate: bool,
    mode: str = "plan",
    critic: bool = False,
    deadline_s: float | None = None,
) -> AgentOptions:
    if demos not in ("dynamic", "fixed", "none"):
        raise typer.BadParameter("use dynamic, fixed or none", param_hint="--demos")
    if mode not in ("plan", "react", "team"):
        raise typer.BadParameter("use plan, react or team", param_hint="--mode")
    demo_mode: Literal["dynamic", "fixed", "none"] = demos  # type: ignore[assignment]
    plan_mode: Literal["plan", "react", "team"] = mode  # type: ignore[assignment]
    return AgentOptions(
        dataset=dataset,
        llm=llm,
        demos=demo_mode,
        validate=validate,
        mode=plan_mode,
        critic=critic,
        deadline_s=deadline_s,
    )


def ask(
    text: str = typer.Argument(..., help="The request, e.g. 'funny sci-fi from the 90s'."),
    critic: bool = typer.Option(
        False, "--critic", help="After validation, let the LLM judge the plan once."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print exactly one JSON object (the interface contract)."
    ),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    session: str | None = typer.Option(
        None, "--session", help="Continue this session (its id is in the --json output)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(
        DEFAULT_DATASET,
        "--dataset",
        help="Catalog name; several comma-separated: the request goes to the one that can "
        "answer it (the JSON's catalog and routed_by say which and why).",
    ),
    demos: str = typer.Option(
        "dynamic", "--demos", help="Planner demonstrations: dynamic, fixed or none."
    ),
    validate: bool = typer.Option(
        True, "--validate/--no-validate", help="Check LLM plans against the message."
    ),
    trace: bool = typer.Option(False, "--trace", help="Also show the plan and every tool call."),
    mode: str = mode_option(),
    deadline: float | None = deadline_option(),
    diversity: float | None = diversity_option(),
) -> None:
    """Ask once and print the recommendation (items with reasons)."""
    options = agent_options(dataset, llm, demos, validate, mode, critic, deadline)
    with open_service(options, db) as service:  # several datasets: routed (docs/routing.md)
        out = service.turn(user, text, session, diversity=diversity)
    record = out.record
    choice = service.agent.models.choice  # the (first) catalog's models, and why
    if json_out:
        contract = record.contract() | {"session_id": out.session_id, "user_id": user}
        sys.stdout.write(json.dumps(contract) + "\n")
        return
    console = Console()
    if trace and choice is not None:
        console.print("[dim]models: " + "; ".join(choice.lines()) + "[/]", highlight=False)
    show_turn(console, record, trace=trace)


def chat(
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    trace: bool = typer.Option(
        False, "--trace", help="Show the plan, tool calls, timings and LLM tokens each turn."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    mode: str = mode_option(),
    deadline: float | None = deadline_option(),
    diversity: float | None = diversity_option(),
) -> None:
    """Talk to the agent. Commands: /like N, /dislike N, /trace, /new, /quit."""
    console = Console()
    agent = build_agent(agent_options(dataset, llm, "dynamic", True, mode, deadline_s=deadline))
    with ConversationService.open(agent, db) as service:
        console.print(
            f"[bold]recpilot[/] · {agent.catalog.name} · brain: {agent.brain}"
            + (f" · user {user}" if user else "")
            + ". /quit to leave."
        )
        _chat_loop(console, service, user, trace, diversity)


def _chat_loop(
    console: Console,
    service: ConversationService,
    user: str | None,
    trace: bool,
    diversity: float | None = None,
) -> None:
    session_id: str | None = None
    shown: list[str] = []
    pending = diversity  # --diversity starts each session; what is said later changes it
    while True:
        try:
            line = console.input("[bold cyan]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/trace":
            trace = not trace
            console.print(f"trace {'on' if trace else 'off'}")
            continue
        if line == "/new":
            session_id, shown, pending = None, [], diversity
            console.print("new session")
            continue
        if line.startswith(("/like", "/dislike")):
            _feedback(console, service, user, session_id, shown, line)
            continue
        out = service.turn(user, line, session_id, diversity=pending)
        session_id, pending = out.session_id, None
        if out.record.items:
            shown = [i.item_id for i in out.record.items]
        show_turn(console, out.record, trace=trace)


def _feedback(
    console: Console,
    service: ConversationService,
    user: str | None,
    session_id: str | None,
    shown: list[str],
    line: str,
) -> None:
    verb, _, arg = line.partition(" ")
    if session_id is None or not arg.strip().isdigit() or not 1 <= int(arg) <= len(shown):
        console.print(f"usage: {verb} N, where N is an item number from the last answer")
        return
    service.feedback(user, shown[int(arg) - 1], verb[1:], session_id)
    console.print(f"noted: {verb[1:]} item {arg}")


def demo(
    llm: str = typer.Option("local", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
) -> None:
    """Build the catalog and models on first use, then answer a few example requests."""
    console = Console()
    console.print(f"Preparing {dataset} and models (first run downloads data and trains) …")
    agent = build_agent(AgentOptions(dataset=dataset, llm=llm))
    session = new_session(agent, None)
    for text in DEMO_REQUESTS:
        console.rule(f"[bold]{text}")
        show_turn(console, agent.turn(session, text), trace=True)
    console.print("\nTry it yourself: [bold].venv/bin/recpilot chat --llm local[/]")


def show_turn(console: Console, record: TurnRecord, *, trace: bool) -> None:
    if trace:
        steps = Table(title=f"plan ({record.plan_source})", show_edge=False)
        for col in ("tool", "args", "result", "ms"):
            steps.add_column(col)
        for step in record.steps:
            steps.add_row(
                step.tool,
                json.dumps(step.args),
                f"{step.size} · {step.message}"[:90],
                f"{step.ms:.1f}",
            )
        console.print(steps)
        if record.plan_amendments:
            console.print(f"[dim]validator wrote in: {'; '.join(record.plan_amendments)}[/]")
        if record.decided_by:
            who = ", ".join(f"{k} ← {v}" for k, v in record.decided_by.items())
            console.print(f"[dim]decided by: {who}[/]")
        if record.not_understood:
            console.print(f"[dim]not understood: {', '.join(record.not_understood)}[/]")
        calls = ", ".join(
            f"{c.purpose} {c.prompt_tokens}+{c.completion_tokens} tok {c.ms:.0f} ms"
            for c in record.llm
        )
        console.print(
            f"[dim]brain {record.brain} · LLM calls {record.llm_calls} ({calls or '-'}) · total {record.timings_ms.get('total', 0):.0f} ms[/]"
        )
    if record.degraded:
        console.print(f"[yellow]degraded: {'; '.join(record.degraded_reasons)}[/]")
    if not record.items:
        console.print(record.reply)
    else:
        if record.intro:
            console.print(record.intro)
        for note in record.notes:
            console.print(f"[italic]{note}[/]")
    if record.items:
        table = Table(show_edge=False)
        table.add_column("#", justify="right")
        table.add_column("id")
        table.add_column("title", style="bold")
        table.add_column("why")
        for k, item in enumerate(record.items, 1):
            table.add_row(str(k), item.item_id, item.title, item.reason)
        console.print(table)
