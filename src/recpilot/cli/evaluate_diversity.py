"""``recpilot eval diversity``: the diversity knob's trade-off on the offline split.

Mounted on the ``eval`` group by :func:`register` (``register(eval_app)``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import typer

from recpilot.errors import ConfigError

HELP = """Measure the diversity setting (0 = the plain ranking ... 1 = most varied) offline.

A model is trained on the train part of the split (the offline protocol: cached like
`recpilot eval offline`); from each validation and test user's best --pool items the same
re-ranker `finalize` runs (MMR picks the items, shown in score order) keeps --k, at every
setting, and they are scored: NDCG,
intra-list diversity (1 - mean pairwise category cosine), catalogue coverage, mean popularity
percentile, novelty (mean -log2 popularity), and the long tail's (80 % least popular items)
share of the shown slots and of position-weighted exposure, beside its share of the
interactions. The default setting is chosen on validation: the most diversity within 5 % of
setting 0's NDCG.

Writes diversity.md, diversity.json and diversity.png (the trade-off curves) to --out."""


def register(eval_app: typer.Typer) -> None:
    eval_app.command("diversity", help=HELP)(diversity)


def _settings(raw: str) -> list[float]:
    try:
        values = sorted({round(float(v), 4) for v in raw.split(",") if v.strip()})
    except ValueError:
        raise ConfigError(f"--settings takes numbers separated by commas, got {raw!r}") from None
    if not values or values[0] != 0.0 or values[-1] > 1.0:
        raise ConfigError(f"--settings must include 0 and stay within [0, 1], got {raw!r}")
    return values


def diversity(
    dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
    model: str = typer.Option("ease", "--model", "-m", help="The ranking model re-ordered."),
    split: str = typer.Option("random", "--split", help="random (8/1/1 per user) or temporal."),
    seed: int = typer.Option(2020, "--seed", help="Seed of the random split."),
    k: int = typer.Option(10, "--k", min=1, help="Cut-off of every metric."),
    pool: int | None = typer.Option(
        None, "--pool", min=1, help="Candidates re-ordered per user [default: the product's]."
    ),
    popularity_share: float | None = typer.Option(
        None,
        "--popularity-share",
        min=0.0,
        max=1.0,
        help="The popularity penalty's share of the diversity term [default: the product's].",
    ),
    settings: str = typer.Option(
        "0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1", "--settings", help="Settings to measure."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Report directory [default: ./reports/diversity-<dataset>/]."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON object."),
) -> None:
    from rich.console import Console
    from rich.progress import Progress

    from recpilot.agent.build import category_matrix
    from recpilot.catalog.datasets import open_dataset
    from recpilot.catalog.profile import build_profile
    from recpilot.eval.diversity import evaluate_diversity
    from recpilot.eval.diversity_report import write_report
    from recpilot.eval.offline import config_key
    from recpilot.eval.splits import make_split
    from recpilot.models.artifacts import train_or_load
    from recpilot.models.registry import model_names
    from recpilot.tools.diversify import POOL, POPULARITY_SHARE

    if model not in model_names():
        raise ConfigError(f"unknown model {model!r}; valid names: {', '.join(model_names())}")
    values = _settings(settings)
    catalog = open_dataset(dataset)
    try:
        data = catalog.interactions()
        the_split = replace(make_split(data, split, seed=seed), dataset=dataset)
        categories = category_matrix(
            catalog, build_profile(catalog), [str(i) for i in the_split.train.item_ids]
        )
    finally:
        catalog.close()
    if categories is None:
        raise ConfigError(
            f"dataset {dataset!r} has no main category attribute: intra-list diversity "
            "needs one (see the catalog profile's roles)"
        )
    fitted, _ = train_or_load(model, the_split.train, key=config_key(the_split, None))
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(f"re-ranking ({len(values)} settings)", total=None)
        report = evaluate_diversity(
            fitted,
            the_split,
            categories,
            settings=values,
            k=k,
            pool=pool or POOL,
            popularity_share=POPULARITY_SHARE if popularity_share is None else popularity_share,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    files = write_report(report, out)
    if as_json:
        payload = report.model_dump(mode="json")
        payload["files"] = {
            "markdown": str(files.markdown),
            "json": str(files.json),
            "plot": str(files.plot),
        }
        typer.echo(json.dumps(payload))
        return
    typer.echo(files.markdown.read_text(encoding="utf-8"))
    typer.echo(f"report written to {files.directory}")
