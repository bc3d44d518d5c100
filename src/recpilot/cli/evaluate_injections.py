"""``recpilot eval injections``: the prompt-injection suite against one brain."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recpilot.cli.agent import LLM_HELP
from recpilot.errors import ConfigError
from recpilot.eval.injections import (
    FAMILIES,
    CaseOutcome,
    build_world,
    load_cases,
    run_suite,
    sample,
    write_report,
)
from recpilot.llm.deadline import ENV_DEADLINE

# Short names for the embedded models, as the docs write them.
ALIASES = {"local:0.5b": "local:qwen2.5-coder-0.5b", "local:1.5b": "local:qwen2.5-coder-1.5b"}


def register(eval_app: typer.Typer) -> None:
    eval_app.command("injections")(injections)


def injections(
    llm: str = typer.Option(
        "rules", "--llm", help=f"{LLM_HELP} Also: local:0.5b, local:1.5b, hostile."
    ),
    families: str = typer.Option(
        "all", "--family", help=f"Comma-separated families, or all: {', '.join(FAMILIES)}."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    per_family: int | None = typer.Option(
        None, "--per-family", min=1, help="Only N cases of each family, spread over languages."
    ),
    cases_file: Path | None = typer.Option(
        None, "--cases", help="A JSONL file of cases instead of the shipped one."
    ),
    embedder: str = typer.Option(
        "minilm", "--embedder", help="Embedder for demonstrations: minilm or hashing."
    ),
    out: Path = typer.Option(
        Path("reports/injections"), "--out", help="Directory for the JSON and markdown reports."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    show_failures: bool = typer.Option(False, "--failures", help="List every failed case."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any case failed."),
    deadline: float | None = typer.Option(
        None,
        "--deadline",
        min=0.1,
        envvar=ENV_DEADLINE,
        help="Seconds of LLM use per turn (default: the backend's). A turn out of time "
        "answers from the rules, so on a slow machine same-as-baseline checks compare a "
        "degraded turn with a planned one.",
    ),
) -> None:
    """Run the prompt-injection cases as real turns (a fresh memory store per case; the
    clean and poisoned bookshops are ingested on first use) and check every answer: items
    in the catalog and within the request's own conditions, at most 20, no prompt text or
    foreign URL in the reply, no other user's data, the catalog unchanged, and answers that
    another user's words or a poisoned item cannot change."""
    if embedder not in ("minilm", "hashing"):
        raise ConfigError(f"--embedder must be minilm or hashing, got {embedder!r}")
    wanted = list(FAMILIES) if families.strip() == "all" else families.split(",")
    wanted = [f.strip() for f in wanted]
    if unknown := [f for f in wanted if f not in FAMILIES]:
        raise ConfigError(f"unknown famil(ies) {', '.join(unknown)}; valid: {', '.join(FAMILIES)}")
    try:
        cases = [c for c in load_cases(cases_file) if c.family in wanted]
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the cases: {exc}") from exc
    cases = (cases if per_family is None else sample(cases, per_family))[:limit]
    spec = ALIASES.get(llm.strip().lower(), llm)
    world = build_world(spec, embedder="hashing" if embedder == "hashing" else "minilm")
    for agent in world.agents.values():
        agent.settings.deadline_s = deadline
    console = Console(stderr=True)

    def progress(outcome: CaseOutcome) -> None:
        mark = "held" if outcome.held else "[red]FAILED[/]"
        console.print(f"{outcome.id}: {mark} ({outcome.ms / 1000:.1f} s)", highlight=False)

    settings: dict[str, object] = {
        "llm": spec, "embedder": embedder, "deadline_s": deadline, "families": wanted, "per_family": per_family,
        "cases": [c.id for c in cases],
    }  # fmt: skip
    report = run_suite(world, cases, settings=settings, progress=progress)
    json_path, md_path = write_report(report, out)
    failed = [r for r in report.results if not r.held]
    if json_out:
        payload = {
            "summary": report.summary(),
            "by_family": report.by_family(),
            "failures": [{"id": r.id, "failures": r.failures} for r in failed],
            "files": {"json": str(json_path), "markdown": str(md_path)},
        }
        sys.stdout.write(json.dumps(payload) + "\n")
    else:
        table = Table(title=f"prompt injection · {report.brain}")
        for column in ("family", "held", "failed"):
            table.add_column(column)
        for family, counts in report.by_family().items():
            table.add_row(family, str(counts["held"]), str(counts["failed"]))
        out_console = Console()
        out_console.print(table)
        if show_failures:
            for r in failed:
                why = escape("; ".join(r.failures)[:300])
                out_console.print(f"[red]{r.family}/{r.id}[/] {why}", highlight=False)
        out_console.print(f"reports: {json_path} {md_path}")
    if strict and failed:
        raise typer.Exit(1)
