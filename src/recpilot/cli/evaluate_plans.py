"""``recpilot eval plans``: the plan benchmark over annotated requests."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from recpilot.agent.build import build_agent
from recpilot.catalog.datasets import DEFAULT_DATASET
from recpilot.cli.agent import LLM_HELP, agent_options
from recpilot.eval.plans import PlanBenchmark, load_cases, run_benchmark


def register(eval_app: typer.Typer) -> None:
    eval_app.command("plans")(plans)


def plans(
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    dataset: str = typer.Option(
        DEFAULT_DATASET, "--dataset", help="Catalog (the shipped cases are MovieLens requests)."
    ),
    demos: str = typer.Option("dynamic", "--demos", help="Demonstrations: dynamic, fixed or none."),
    validate: bool = typer.Option(
        True, "--validate/--no-validate", help="Validate LLM plans (with one repair round)."
    ),
    cases_file: Path | None = typer.Option(
        None, "--cases", help="JSONL of cases (default: the shipped 45)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    out: Path = typer.Option(
        Path("reports/plans"), "--out", help="Directory for the JSON and markdown report."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
    show_failures: bool = typer.Option(False, "--failures", help="List each failed case and why."),
    mode: str = typer.Option(
        "plan", "--mode", help="plan (plan-first), react (one LLM call per tool) or team (roles)."
    ),
    critic: bool = typer.Option(
        False, "--critic", help="After validation, let the LLM judge the plan once."
    ),
) -> None:
    """Run the annotated requests and score the returned items (fully satisfied or not)."""
    options = replace(agent_options(dataset, llm, demos, validate, mode, critic), llm_reply=False)
    agent = build_agent(options)
    cases = load_cases(cases_file)[:limit]
    settings: dict[str, object] = {
        "llm": llm,
        "demos": demos,
        "validate": validate,
        "mode": mode,
        "critic": critic,
        "dataset": dataset,
        "reply": "template",
    }
    bench = run_benchmark(agent, cases, settings, progress=sys.stderr.isatty())
    write_report(bench, out)
    summary = bench.summary()
    if json_out:
        sys.stdout.write(json.dumps({**summary, "settings": settings}) + "\n")
        return
    console = Console()
    table = Table(title=f"plan benchmark · {len(cases)} requests")
    for key in summary:
        table.add_column(key)
    table.add_row(*(str(v) for v in summary.values()))
    console.print(table)
    if show_failures:
        for r in bench.results:
            if not r.satisfied:
                console.print(f"[red]{r.id}[/] {r.request}: {'; '.join(r.failures[:3])}")
    console.print(f"report: {out}")


def write_report(bench: PlanBenchmark, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    slug = (
        "-".join(str(bench.settings[k]) for k in ("llm", "mode", "demos", "validate", "critic"))
        .replace(":", "_")
        .replace("/", "_")
    )
    (out / f"plans-{slug}.json").write_text(
        json.dumps({"summary": bench.summary(), **bench.model_dump()}, indent=2)
    )
    lines = [
        f"# Plan benchmark — {bench.brain}",
        "",
        f"settings: `{json.dumps(bench.settings)}`",
        "",
    ]
    lines += ["| metric | value |", "|---|---|"] + [
        f"| {k} | {v} |" for k, v in bench.summary().items()
    ]
    lines += ["", "| case | request | satisfied | failures |", "|---|---|---|---|"]
    lines += [
        f"| {r.id} | {r.request} | {'yes' if r.satisfied else 'no'} | {'; '.join(r.failures[:2])} |"
        for r in bench.results
    ]
    (out / f"plans-{slug}.md").write_text("\n".join(lines) + "\n")
