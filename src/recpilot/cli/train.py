"""``recpilot train``: fit recommender models on a dataset's interactions and cache them."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError
from recpilot.models.artifacts import artifact_dir, train_or_load
from recpilot.models.choice import CatalogShape, choose_models
from recpilot.models.registry import make_config, model_names


@dataclass(frozen=True)
class TrainResult:
    model: str
    seconds: float
    loaded: bool
    path: Path


def parse_models(spec: str) -> list[str]:
    """``"pop,ease"`` → ``["pop", "ease"]``; ConfigError naming the valid models."""
    names = [part.strip() for part in spec.split(",") if part.strip()]
    valid = model_names()
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise ConfigError(
            f"unknown model(s) {', '.join(unknown) or '(none given)'}; valid: {','.join(valid)}"
        )
    return names


def parse_settings(settings: list[str]) -> dict[str, dict[str, Any]]:
    """``["ease.reg=300", "sasrec.epochs=5"]`` → ``{"ease": {"reg": 300}, ...}``.

    Values are read as JSON (numbers, true/false, quoted strings), else kept as text.
    """
    out: dict[str, dict[str, Any]] = {}
    for item in settings:
        target, sep, raw = item.partition("=")
        model, dot, field = target.strip().partition(".")
        if not sep or not dot or not model or not field:
            raise ConfigError(f"bad --set {item!r}; write MODEL.FIELD=VALUE, e.g. ease.reg=300")
        if model not in model_names():
            raise ConfigError(f"--set {item!r}: unknown model {model!r}; valid: {model_names()}")
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out.setdefault(model, {})[field] = value
    return out


def train_models(
    data: InteractionData,
    names: list[str],
    *,
    key: str,
    settings: dict[str, dict[str, Any]] | None = None,
    force: bool = False,
    show_progress: bool = False,
) -> list[TrainResult]:
    """Train (or load from the cache) each model; one :class:`TrainResult` per model."""
    settings = settings or {}
    configs = {name: make_config(name, **settings.get(name, {})) for name in names}
    results: list[TrainResult] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not show_progress,
    )
    with progress:
        for name in names:
            task = progress.add_task(f"{name}", total=None)

            def on_epoch(
                done: int, total: int, loss: float | None, task: Any = task, name: str = name
            ) -> None:
                note = f" loss={loss:.3f}" if loss is not None else ""
                progress.update(task, completed=done, total=total, description=f"{name}{note}")

            model, seconds = train_or_load(
                name, data, key=key, config=configs[name], force=force, on_epoch=on_epoch
            )
            if seconds == 0.0:
                progress.update(task, completed=1, total=1, description=f"{name} (cached)")
            path = artifact_dir(name, data, key=key, config=model.config)
            results.append(TrainResult(name, seconds, loaded=seconds == 0.0, path=path))
    return results


def chosen_models(
    data: InteractionData, overrides: dict[str, dict[str, Any]]
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """The agent's models for ``data`` (models/choice.py), with their configs as settings;
    the choice and its reasons go to stderr."""
    choice = choose_models(CatalogShape.of(data))
    shape = choice.shape
    console = Console(stderr=True)
    console.print(
        f"model choice for {shape.n_items:,} items, {shape.n_users:,} users, "
        f"{shape.n_interactions:,} interactions (density {shape.density:.1e}):"
    )
    for line in choice.lines():
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    chosen = {spec.name: spec.config for spec in choice.specs()}
    text = {"embedder": choice.embedder, "ivf_threshold": choice.ann_threshold}
    merged = {
        name: (config.model_dump() if config is not None else {}) | overrides.get(name, {})
        for name, config in chosen.items()
    } | {"text": text | overrides.get("text", {})}
    named = [name for name in overrides if name not in merged]  # --set MODEL.FIELD: train it
    return [*chosen, "text", *named], merged | {name: overrides[name] for name in named}


def _load_interactions(dataset: str) -> InteractionData:
    from recpilot.catalog.datasets import open_dataset

    with open_dataset(dataset) as catalog:
        return catalog.interactions()


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""

    @app.command()
    def train(
        dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
        models: str | None = typer.Option(
            None,
            "--models",
            "-m",
            help=f"Comma-separated model names ({','.join(model_names())}); default: the "
            "models the agent uses for this catalog, chosen by its size and the memory free.",
        ),
        force: bool = typer.Option(False, "--force", help="Retrain even if an artifact exists."),
        settings: list[str] = typer.Option(
            [], "--set", help="Override a config field: MODEL.FIELD=VALUE (repeatable)."
        ),
    ) -> None:
        """Train recommender models on a dataset's interactions and cache the artifacts.

        Artifacts are reused on later runs unless --force; the table shows training
        seconds (0 when loaded from the cache) and each artifact's folder.
        """
        overrides = parse_settings(settings)
        data = _load_interactions(dataset)
        if models is None:
            names, overrides = chosen_models(data, overrides)
        else:
            names = parse_models(models)
        results = train_models(
            data,
            names,
            key=dataset,
            settings=overrides,
            force=force,
            show_progress=sys.stderr.isatty(),
        )
        table = Table(title=f"models trained on {dataset} ({len(data)} interactions)")
        table.add_column("model")
        table.add_column("seconds", justify="right")
        table.add_column("artifact")
        for r in results:
            table.add_row(r.model, "cached" if r.loaded else f"{r.seconds:.1f}", str(r.path))
        Console(width=200 if not sys.stdout.isatty() else None).print(table)
