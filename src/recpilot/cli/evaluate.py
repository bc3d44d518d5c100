"""``recpilot eval ...``: evaluation commands.

The ``eval`` group is the module-level Typer app :data:`eval_app`; other evaluation modules
add their commands to it (``@eval_app.command("chat")``) and :func:`register` mounts it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from recpilot.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_MODELS = "pop,itemknn,ease,als,bpr,sasrec"

eval_app = typer.Typer(
    name="eval",
    help="Evaluate recommenders: offline ranking metrics (and, later, conversations and plans).",
    no_args_is_help=True,
)


def parse_settings(settings: list[str]) -> dict[str, dict[str, Any]]:
    """``["ease.reg=300", "sasrec.epochs=5"]`` → ``{"ease": {"reg": 300}, "sasrec": {...}}``.

    Values are read as JSON (numbers, true/false, null, quoted strings) and fall back to the
    raw string.
    """
    out: dict[str, dict[str, Any]] = {}
    for item in settings:
        target, sep, raw = item.partition("=")
        model, dot, field = target.partition(".")
        if not sep or not dot or not model or not field:
            raise ConfigError(f"--set expects MODEL.FIELD=VALUE (e.g. ease.reg=300), got {item!r}")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(model.strip(), {})[field.strip()] = value
    return out


def _load_interactions(dataset: str) -> Any:
    from recpilot.catalog.datasets import open_dataset

    catalog = open_dataset(dataset)
    try:
        return catalog.interactions()
    finally:
        close = getattr(catalog, "close", None)
        if callable(close):
            close()


@eval_app.command("offline")
def offline(
    dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
    models: str = typer.Option(DEFAULT_MODELS, "--models", "-m", help="Comma-separated names."),
    split: str = typer.Option("random", "--split", help="random (8/1/1 per user) or temporal."),
    seed: int = typer.Option(2020, "--seed", help="Seed of the random split."),
    k: int = typer.Option(
        10, "--k", help="Cut-off shown in the table (5, 10, 20 always computed)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
    out: Path | None = typer.Option(
        None, "--out", help="Report directory [default: ./reports/offline-<dataset>/]."
    ),
    settings: list[str] = typer.Option(
        [], "--set", help="Model setting MODEL.FIELD=VALUE, repeatable (e.g. ease.reg=300)."
    ),
    test_history: str = typer.Option(
        "train",
        "--test-history",
        help="What test users are scored from: train (RecBole-comparable) or train+valid.",
    ),
) -> None:
    """Train models on the train part of a split and report full-ranking metrics
    (NDCG, Recall, Hit, MRR, coverage, popularity) on the validation and test parts."""
    from rich.console import Console
    from rich.table import Table

    from recpilot.eval.offline import evaluate_models
    from recpilot.eval.report import write_report
    from recpilot.eval.splits import make_split
    from recpilot.models.registry import model_names

    names = [m.strip() for m in models.split(",") if m.strip()]
    unknown = [m for m in names if m not in model_names()]
    if not names or unknown:
        raise ConfigError(
            f"unknown model(s) {', '.join(unknown) or '(none given)'}; "
            f"valid names: {', '.join(model_names())}"
        )
    if k <= 0:
        raise ConfigError(f"--k must be positive, got {k}")
    if test_history not in ("train", "train+valid"):
        raise ConfigError(f"--test-history must be 'train' or 'train+valid', got {test_history!r}")
    configs = parse_settings(settings)
    stray = sorted(set(configs) - set(names))
    if stray:
        raise ConfigError(f"--set names model(s) not in --models: {', '.join(stray)}")

    data = _load_interactions(dataset)
    the_split = replace(make_split(data, split, seed=seed), dataset=dataset)
    report = evaluate_models(
        the_split,
        names,
        k_values=sorted({5, 10, 20, k}),
        configs=configs,
        test_history="train+valid" if test_history == "train+valid" else "train",
    )
    files = write_report(report, out, k=k)
    if as_json:
        payload = report.model_dump(mode="json")
        payload["files"] = {"markdown": str(files.markdown), "json": str(files.json)}
        payload["files"]["plot"] = str(files.plot)
        typer.echo(json.dumps(payload))
        return
    table = Table(title=f"{dataset} — {split} split, test, k={k}")
    table.add_column("model")
    for col in ("ndcg", "recall", "hit", "mrr", "itemcoverage"):
        table.add_column(f"{col}@{k}", justify="right")
    table.add_column("valid ndcg", justify="right")
    table.add_column("train s", justify="right")
    for result in report.models:
        m = result.test.metrics
        row = [f"{m[f'{c}@{k}']:.4f}" for c in ("ndcg", "recall", "hit", "mrr", "itemcoverage")]
        table.add_row(
            result.model,
            *row,
            f"{result.valid.metrics[f'ndcg@{k}']:.4f}",
            f"{result.train_seconds:.2f}",
        )
    console = Console()
    console.print(table)
    console.print(f"report written to {files.directory}")


def register(app: typer.Typer) -> None:
    """Mount the ``eval`` group on ``app``."""
    app.add_typer(eval_app, name="eval")
