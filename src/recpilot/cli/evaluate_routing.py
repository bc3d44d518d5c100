"""``recpilot eval routing``: how often a request reaches a catalog that can answer it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recpilot.cli.agent import LLM_HELP
from recpilot.cli.evaluate_injections import ALIASES
from recpilot.eval.routing import CATALOGS, CaseResult, RoutingReport, build_cards, evaluate
from recpilot.eval.routing import load_cases as load_routing_cases


def register(eval_app: typer.Typer) -> None:
    eval_app.command("routing")(routing)


def routing(
    llm: str = typer.Option("rules", "--llm", help=f"{LLM_HELP} Also: local:0.5b, local:1.5b."),
    cases_file: Path | None = typer.Option(
        None, "--cases", help="A JSONL file of cases instead of the shipped set."
    ),
    datasets: str = typer.Option(
        ",".join(CATALOGS), "--dataset", help="Comma-separated catalogs to route over."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N cases."),
    json_out: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    show_misses: bool = typer.Option(False, "--misses", help="List every wrong pick."),
) -> None:
    """Route the annotated mixed requests (movies, books, shop; en/es/fr/de; ambiguous ones
    accept several catalogs) and print the accuracy, per language, the confusion and, for an
    LLM brain, the LLM's own accuracy on every case."""
    from recpilot.llm.spec import resolve_llm

    spec = ALIASES.get(llm.strip().lower(), llm)
    cases = load_routing_cases(cases_file)[:limit]
    names = tuple(n.strip() for n in datasets.split(",") if n.strip())
    cards = build_cards(names)
    backend = resolve_llm(spec)
    console = Console(stderr=True)

    def progress(k: int, n: int, result: CaseResult) -> None:
        mark = "ok" if result.ok else "[red]MISS[/]"
        console.print(f"[{k}/{n}] {result.id} {mark} → {result.picked}", highlight=False)

    try:
        report = evaluate(cases, cards, backend, spec, on_case=progress)
    finally:
        if backend is not None:
            backend.close()
    if json_out:
        sys.stdout.write(json.dumps(report.model_dump(mode="json")) + "\n")
        return
    show(report, show_misses)


def show(report: RoutingReport, show_misses: bool) -> None:
    console = Console()
    line = f"{report.brain}: {report.correct}/{report.n} routed right ({report.accuracy:.1%})"
    if report.llm_alone_accuracy is not None:
        line += f"; the LLM alone {report.llm_alone_accuracy:.1%}"
        line += f"; LLM calls a deployment makes: {report.deployed_llm_calls}/{report.n}"
    console.print(line, highlight=False)
    langs = ", ".join(f"{lang} {c}/{n}" for lang, (c, n) in sorted(report.by_lang.items()))
    ok, n = report.unambiguous
    console.print(f"by language: {langs}; unambiguous cases {ok}/{n}", highlight=False)
    console.print(f"routed by: {report.routed_by}", highlight=False)
    picked = sorted({p for row in report.confusion.values() for p in row})
    table = Table(title="expected → picked")
    table.add_column("expected")
    for name in picked:
        table.add_column(name, justify="right")
    for gold, row in sorted(report.confusion.items()):
        table.add_row(gold, *(str(row.get(p, 0)) for p in picked))
    console.print(table)
    if show_misses:
        for r in report.cases:
            if not r.ok:
                console.print(
                    f"[red]{r.id}[/] {escape(r.message)} → {r.picked} (want "
                    f"{' or '.join(r.expected)}; {r.routed_by})",
                    highlight=False,
                )
