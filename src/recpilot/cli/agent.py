"""``recpilot ask``, ``recpilot chat`` and ``recpilot demo``: talking to the agent."""

from __future__ import annotations

import json
import sys
from typing import Literal

import typer
from rich.console import Console
from rich.table import Table

from recpilot.agent.build import AgentOptions, build_agent, new_session
from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.catalog.datasets import DEFAULT_DATASET

LLM_HELP = (
    "Brain: rules (no LLM), local (embedded 1.5B), local:qwen2.5-coder-0.5b, "
    "local:/path/model.gguf, openai:MODEL (RECPILOT_LLM_BASE_URL / RECPILOT_LLM_API_KEY)."
)
DEMO_REQUESTS = (
    "something like Fargo but funnier, nothing before 1990",
    "3 scary movies from the 80s",
    "what year is Casablanca from?",
)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("demo")(demo)


def agent_options(
    dataset: str, llm: str, demos: str, validate: bool, mode: str = "plan", critic: bool = False
) -> AgentOptions:
    if demos not in ("dynamic", "fixed", "none"):
        raise typer.BadParameter("use dynamic, fixed or none", param_hint="--demos")
    if mode not in ("plan", "react"):
        raise typer.BadParameter("use plan or react", param_hint="--mode")
    demo_mode: Literal["dynamic", "fixed", "none"] = demos  # type: ignore[assignment]
    plan_mode: Literal["plan", "react"] = mode  # type: ignore[assignment]
    return AgentOptions(
        dataset=dataset, llm=llm, demos=demo_mode, validate=validate, mode=plan_mode, critic=critic
    )


def ask(
    text: str = typer.Argument(..., help="The request, e.g. 'funny sci-fi from the 90s'."),
    critic: bool = typer.Option(
        False, "--critic", help="After validation, let the LLM judge the plan once."
    ),
    json_out: bool = typer.Option(
        False, "--json", help="Print exactly one JSON object (the interface contract)."
    ),
    user: str | None = typer.Option(
        None, "--user", help="Catalog user id whose history personalises ranking."
    ),
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    demos: str = typer.Option(
        "dynamic", "--demos", help="Planner demonstrations: dynamic, fixed or none."
    ),
    validate: bool = typer.Option(
        True, "--validate/--no-validate", help="Check LLM plans against the message."
    ),
    trace: bool = typer.Option(False, "--trace", help="Also show the plan and every tool call."),
    mode: str = typer.Option(
        "plan", "--mode", help="plan: one LLM call writes the whole plan; react: one call per tool."
    ),
) -> None:
    """Ask once and print the recommendation (items with reasons)."""
    agent = build_agent(agent_options(dataset, llm, demos, validate, mode, critic))
    session = new_session(agent, user)
    record = agent.turn(session, text)
    if json_out:
        sys.stdout.write(json.dumps(record.contract()) + "\n")
        return
    console = Console()
    show_turn(console, record, trace=trace)


def chat(
    user: str | None = typer.Option(None, "--user", help="Catalog user id."),
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    trace: bool = typer.Option(
        False, "--trace", help="Show the plan, tool calls, timings and LLM tokens each turn."
    ),
) -> None:
    """Talk to the agent. Commands: /like N, /dislike N, /trace, /new, /quit."""
    console = Console()
    agent = build_agent(AgentOptions(dataset=dataset, llm=llm))
    session = new_session(agent, user)
    console.print(
        f"[bold]recpilot[/] · {agent.catalog.name} · brain: {agent.brain}. /quit to leave."
    )
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
            session = new_session(agent, user)
            console.print("new session")
            continue
        if line.startswith(("/like", "/dislike")):
            _feedback(console, session, line)
            continue
        show_turn(console, agent.turn(session, line), trace=trace)


def _feedback(console: Console, session: Session, line: str) -> None:
    verb, _, arg = line.partition(" ")
    if not arg.strip().isdigit() or not 1 <= int(arg) <= len(session.shown):
        console.print(f"usage: {verb} N, where N is an item number from the last answer")
        return
    item_id = session.shown[int(arg) - 1]
    (session.like if verb == "/like" else session.dislike)(item_id)
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
