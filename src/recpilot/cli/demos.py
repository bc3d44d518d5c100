"""``recpilot demos ...``: the planner's demonstration bank."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console

from recpilot.agent.build import AgentOptions, build_agent
from recpilot.agent.demos import load_bank
from recpilot.agent.demos_gen import generate as generate_demos
from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.cli.agent import LLM_HELP
from recpilot.config import subdir
from recpilot.errors import ConfigError

demos_app = typer.Typer(
    name="demos", help="The planner's demonstration bank.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(demos_app, name="demos")


def grown_path() -> Path:
    return subdir("demos") / "grown.jsonl"


@demos_app.command("list")
def list_demos() -> None:
    """Show the shipped and grown demonstrations."""
    console = Console()
    bank = load_bank(grown_path())
    for demo in bank:
        console.print(f"[bold]{demo.request}[/] → {', '.join(demo.plan.tools())}")
    console.print(f"{len(bank)} demonstrations (grown bank: {grown_path()})")


@demos_app.command("generate")
def generate(
    llm: str = typer.Option("local", "--llm", help=LLM_HELP),
    count: int = typer.Option(10, "--count", min=1, max=500, help="How many requests to try."),
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", help="Catalog name."),
    seed: int = typer.Option(0, "--seed", help="Seed for picking examples and vocabulary."),
) -> None:
    """Write new requests with the LLM, plan them, keep the plans that validate and return items."""
    if llm == "rules":
        raise ConfigError(
            "demos generate needs an LLM: use --llm local, local:qwen2.5-coder-0.5b or openai:MODEL"
        )
    agent = build_agent(AgentOptions(dataset=dataset, llm=llm, llm_reply=False, route=False))
    assert agent.llm is not None
    report = generate_demos(
        agent, agent.llm, load_bank(grown_path()), count, grown_path(), seed=seed
    )
    Console().print(asdict(report))
