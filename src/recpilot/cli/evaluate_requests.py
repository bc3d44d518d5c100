"""``recpilot eval requests``: the request benchmark (how people talk, every item checked)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recpilot.agent.agent import Agent
from recpilot.agent.build import build_agent
from recpilot.cli.agent import LLM_HELP, agent_options, deadline_option
from recpilot.errors import ConfigError
from recpilot.eval.requests import (
    SETS,
    SUMMARY_COLUMNS,
    SetReport,
    cases_for,
    cell,
    run_set,
    write_report,
    write_summary,
)
from recpilot.testing import ensure_catalog


def register(eval_app: typer.Typer) -> None:
    eval_app.command("requests")(requests)


def _set_names(raw: str) -> list[str]:
    names = list(SETS) if raw.strip() == "all" else [s.strip() for s in raw.split(",")]
    unknown = [n for n in names if n not in SETS]
    if not names or unknown:
        raise ConfigError(
            f"unknown request set(s) {', '.join(unknown) or '(none)'}; "
            f"valid: {', '.join(SETS)}, or all"
        )
    return names


def requests(
    set_names: str = typer.Option(
        ...,
        "--set",
        help=f"Request set: {', '.join(SETS)}; a comma-separated list, or 'all'.",
    ),
    llm: str = typer.Option("rules", "--llm", help=LLM_HELP),
    validate: bool = typer.Option(
        True, "--validate/--no-validate", help="Validate LLM plans (with one repair round)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N requests."),
    mode: str = typer.Option(
        "plan", "--mode", help="plan (plan-first), react (one LLM call per tool) or team (roles)."
    ),
    deadline: float | None = deadline_option(),
    llm_reply: bool = typer.Option(
        False, "--llm-reply", help="Let the LLM write the replies too (counts in turn time)."
    ),
    cases_file: Path | None = typer.Option(
        None,
        "--cases",
        help="A JSONL file of annotated requests instead of the shipped one (one set only; "
        "the catalog is the set's, or --dataset).",
    ),
    dataset: str | None = typer.Option(
        None, "--dataset", help="Catalog for --cases (default: the set's catalog)."
    ),
    out: Path = typer.Option(
        Path("reports/requests"), "--out", help="Directory for the JSON and markdown reports."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    show_failures: bool = typer.Option(
        False, "--failures", help="List every request not satisfied, and why."
    ),
) -> None:
    """Run annotated requests as fresh turns and check every returned item against the request.

    Each turn is satisfied (every item meets every expectation, count honoured; or, for a
    request the catalog cannot answer, the turn says so), flagged (the turn says what it did
    not understand, or offers popular picks instead) or silent wrong (items that break the
    request, nothing said). The books and shop catalogs are generated and ingested on first
    use (recpilot.testing).
    """
    names = _set_names(set_names)
    if (cases_file is not None or dataset is not None) and len(names) != 1:
        raise ConfigError("--cases and --dataset work with one --set at a time")
    agents: dict[str, Agent] = {}
    reports: list[tuple[SetReport, tuple[Path, Path]]] = []
    for name in names:
        spec = SETS[name]
        catalog_name = dataset or spec.dataset
        agent = agents.get(catalog_name)
        if agent is None:
            if spec.planted and catalog_name == spec.dataset:
                ensure_catalog(catalog_name).close()
            options = replace(
                agent_options(catalog_name, llm, "dynamic", validate, mode, deadline_s=deadline),
                llm_reply=llm_reply,
            )
            agent = agents[catalog_name] = build_agent(options)
        cases = cases_for(name, agent.catalog, cases_file)[:limit]
        settings: dict[str, object] = {
            "llm": llm,
            "validate": validate,
            "mode": mode,
            "deadline_s": deadline,
            "reply": "llm" if llm_reply else "template",
            "dataset": catalog_name,
            "cases": str(cases_file) if cases_file else spec.file,
        }
        report = run_set(agent, name, cases, settings, progress=sys.stderr.isatty())
        reports.append((report, write_report(report, out)))
    summary_file = write_summary([r for r, _ in reports], out)
    if json_out:
        payload = [
            {
                "summary": r.summary(),
                "by_kind": r.by_kind(),
                "failures": [
                    {"id": c.id, "outcome": c.outcome, "reasons": c.reasons}
                    for c in r.results
                    if c.outcome != "satisfied"
                ],
                "files": {"json": str(files[0]), "markdown": str(files[1])},
            }
            for r, files in reports
        ]
        sys.stdout.write(json.dumps({"reports": payload, "summary": str(summary_file)}) + "\n")
        return
    console = Console()
    table = Table(title=f"request benchmark · {llm}")
    for _, title in SUMMARY_COLUMNS:
        table.add_column(title)
    for report, _ in reports:
        s = report.summary()
        table.add_row(*(cell(k, s[k]) for k, _ in SUMMARY_COLUMNS))
    console.print(table)
    if show_failures:
        for report, _ in reports:
            for r in report.results:
                if r.outcome != "satisfied":
                    colour = "red" if r.outcome == "silent_wrong" else "yellow"
                    why = escape(f"{r.text}: {'; '.join(r.reasons[:2])}")
                    console.print(
                        f"[{colour}]{report.set}/{r.id} {r.outcome}[/] {why}", highlight=False
                    )
    console.print(f"reports: {out}")
