"""``recpilot data``: ingest, inspect, list and synthesise datasets."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from recpilot.catalog.datasets import (
    DEFAULT_DATASET,
    catalog_path,
    check_name,
    list_datasets,
    open_dataset,
)
from recpilot.catalog.ingest import ingest_files
from recpilot.catalog.mapping import Mapping
from recpilot.catalog.readers import FORMATS
from recpilot.catalog.schema import AttributeKind, CatalogStats
from recpilot.errors import IngestError

data_app = typer.Typer(
    name="data",
    help="Datasets: ingest your own files, inspect a catalog, list datasets, synthesise data.",
    no_args_is_help=True,
)


def _mapping(
    mapping_file: Path | None,
    item_id: str | None,
    title: str | None,
    categorical: list[str] | None,
    number: list[str] | None,
    text: list[str] | None,
    list_sep: str | None,
    rename: list[str] | None,
    user_col: str | None,
    item_col: str | None,
    rating_col: str | None,
    timestamp_col: str | None,
) -> Mapping:
    mapping = Mapping.from_toml(mapping_file) if mapping_file else Mapping()
    items = mapping.items
    overrides: dict[str, object] = {
        key: value
        for key, value in {
            "id": item_id,
            "title": title,
            "categorical": categorical or None,
            "number": number or None,
            "text": text or None,
            "list_separator": list_sep,
        }.items()
        if value is not None
    }
    if overrides.keys() & {"categorical", "number", "text"}:
        for kind in ("categorical", "number", "text"):
            overrides.setdefault(kind, getattr(items, kind) or [])
    renames = dict(items.rename)
    for pair in rename or []:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise IngestError(f"--rename wants OLD=NEW, got {pair!r}")
        renames[old] = new
    overrides["rename"] = renames
    inter = mapping.interactions.model_copy(
        update={
            k: v
            for k, v in {
                "user": user_col,
                "item": item_col,
                "rating": rating_col,
                "timestamp": timestamp_col,
            }.items()
            if v is not None
        }
    )
    return mapping.model_copy(
        update={"items": items.model_copy(update=overrides), "interactions": inter}
    )


@data_app.command("ingest")
def ingest(
    name: str = typer.Argument(..., help="Dataset name to create or replace (e.g. 'my-shop')."),
    items: Path = typer.Option(..., "--items", help="Items file: one row per item."),
    interactions: Path = typer.Option(
        ..., "--interactions", help="Interactions file: user, item[, rating, timestamp]."
    ),
    users: Path | None = typer.Option(
        None, "--users", help="Optional users file: user id and attributes."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help=f"Input format ({'|'.join(FORMATS)}); default: from the file suffix."
    ),
    mapping_file: Path | None = typer.Option(
        None, "--mapping", help="TOML column mapping ([items], [interactions], [users] sections)."
    ),
    item_id: str | None = typer.Option(None, "--item-id", help="Items column holding the item id."),
    title: str | None = typer.Option(None, "--title", help="Items column holding the title."),
    categorical: list[str] | None = typer.Option(
        None, "--categorical", help="Items column of labels (genres, tags). Repeatable."
    ),
    number: list[str] | None = typer.Option(
        None, "--number", help="Numeric items column (year, price). Repeatable."
    ),
    text: list[str] | None = typer.Option(
        None, "--text", help="Free-text items column (description). Repeatable."
    ),
    list_sep: str | None = typer.Option(
        None, "--list-sep", help="Separator inside categorical values, e.g. '|'. Default: detected."
    ),
    rename: list[str] | None = typer.Option(
        None, "--rename", help="Rename an attribute: OLD=NEW (e.g. release_year=year). Repeatable."
    ),
    user_col: str | None = typer.Option(
        None, "--user-col", help="Interactions column holding the user id."
    ),
    item_col: str | None = typer.Option(
        None, "--item-col", help="Interactions column holding the item id."
    ),
    rating_col: str | None = typer.Option(
        None, "--rating-col", help="Interactions column holding the rating."
    ),
    timestamp_col: str | None = typer.Option(
        None,
        "--timestamp-col",
        help="Interactions column holding the time (epoch seconds or ISO dates).",
    ),
) -> None:
    """Validate input files and write them as the catalog NAME, all or nothing.

    Columns not named by flags or --mapping are inferred: numbers become 'number' attributes,
    separator-joined short tokens 'categorical', long strings 'text'. Any error names the
    file, line and column, and leaves an existing catalog of that name untouched.
    """
    mapping = _mapping(
        mapping_file, item_id, title, categorical, number, text, list_sep, rename,
        user_col, item_col, rating_col, timestamp_col,
    )  # fmt: skip
    with stage_bar(Console(stderr=True)) as on_stage:
        report = ingest_files(
            catalog_path(name), name=name, items=items, interactions=interactions, users=users,
            fmt=fmt, mapping=mapping, on_stage=on_stage,
        )  # fmt: skip
    console = Console(stderr=True)
    attrs = ", ".join(f"{a.name} ({a.kind.value})" for a in report.attributes) or "none"
    console.print(
        f"[green]ingested[/green] {name}: {report.n_items:,} items, {report.n_users:,} users, "
        f"{report.n_interactions:,} interactions; attributes: {attrs}"
    )
    if report.inferred:
        console.print(
            f"inferred kinds for: {', '.join(report.inferred)} (override with flags or --mapping)"
        )
    typer.echo(str(report.path))


def _stats_table(stats: CatalogStats) -> Table:
    table = Table(title=f"{stats.name} — {stats.source}", show_header=False)
    table.add_row("items", f"{stats.n_items:,}")
    table.add_row("users", f"{stats.n_users:,}")
    table.add_row("interactions", f"{stats.n_interactions:,}")
    table.add_row("density", f"{stats.density:.4%}")
    table.add_row("items without interactions", f"{stats.items_without_interactions:,}")
    ratings = (
        "no"
        if stats.rating_range is None
        else f"{stats.rating_range[0]:g}–{stats.rating_range[1]:g}"
    )
    table.add_row("ratings", ratings)
    table.add_row("timestamps", "yes" if stats.has_timestamps else "no")
    users = ", ".join(f"{a.name} ({a.kind.value})" for a in stats.user_attributes)
    table.add_row("user attributes", users or "none")
    return table


def _attribute_table(stats: CatalogStats) -> Table:
    table = Table(title="item attributes")
    for column in ("attribute", "kind", "missing", "distinct", "summary"):
        table.add_column(column)
    for a in stats.attributes:
        if a.kind is AttributeKind.categorical:
            summary = ", ".join(f"{v} ({n})" for v, n in a.top_values)
        elif a.kind is AttributeKind.number:
            summary = "" if a.minimum is None else f"{a.minimum:g} – {a.maximum:g}"
        else:
            summary = "" if a.mean_length is None else f"mean length {a.mean_length:.0f} chars"
        distinct = "" if a.n_distinct is None else f"{a.n_distinct:,}"
        table.add_row(a.name, a.kind.value, f"{a.n_missing:,}", distinct, summary)
    return table


@data_app.command("info")
def info(
    dataset: str = typer.Option(DEFAULT_DATASET, "--dataset", "-d", help="Dataset name."),
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as one JSON object."),
) -> None:
    """Show a dataset's counts, density and attribute summary.

    A bundled dataset (movielens-100k) is built on first use.
    """
    with open_dataset(dataset) as catalog:
        stats = catalog.stats()
        path = catalog.path
    if as_json:
        typer.echo(json.dumps({**stats.model_dump(mode="json"), "path": str(path)}))
        return
    console = Console()
    console.print(_stats_table(stats))
    console.print(_attribute_table(stats))
    console.print(f"file: {path}")


@data_app.command("list")
def list_command(
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List bundled datasets (built or not) and every ingested or synthesised catalog."""
    infos = list_datasets()
    if as_json:
        typer.echo(json.dumps([i.model_dump(mode="json") for i in infos]))
        return
    table = Table(title="datasets")
    table.add_column("name", no_wrap=True)
    for column in ("status", "items", "users", "interactions", "description"):
        table.add_column(column)
    for i in infos:
        status = ("bundled, " if i.bundled else "") + ("built" if i.built else "built on first use")
        count = [
            f"{v:,}" if v is not None else "" for v in (i.n_items, i.n_users, i.n_interactions)
        ]
        table.add_row(i.name, status, *count, i.description)
    Console().print(table)


@data_app.command("synth")
def synth(
    name: str = typer.Argument(..., help="Dataset name to create or replace (e.g. 'synth-small')."),
    items: int = typer.Option(..., "--items", min=1, help="Number of items."),
    users: int = typer.Option(..., "--users", min=1, help="Number of users."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same data."),
    interactions: int | None = typer.Option(
        None, "--interactions", min=1, help="About how many interactions (default: 20 per user)."
    ),
    clusters: int = typer.Option(8, "--clusters", min=1, help="Taste clusters (one genre each)."),
) -> None:
    """Generate a synthetic dataset with planted taste clusters and Zipf popularity.

    Each user prefers one or two clusters (genres); 90% of their interactions come from them.
    Deterministic for a given seed. Written as the catalog NAME.
    """
    from recpilot.catalog.synth import generate

    path = catalog_path(check_name(name))
    console = Console(stderr=True)
    with stage_bar(console) as on_stage:
        data = generate(
            items, users, seed, interactions=interactions, clusters=clusters, on_stage=on_stage
        )
        data.write(path, name, on_stage=on_stage)
    console.print(
        f"[green]wrote[/green] {name}: {data.n_items:,} items, {data.n_users:,} users, "
        f"{data.interactions.num_rows:,} interactions"
    )
    typer.echo(str(path))


@contextlib.contextmanager
def stage_bar(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar over the stages of long work, on a terminal only (quiet when piped)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = bar.add_task("", total=None)

    def on_stage(what: str, done: int, total: int) -> None:
        bar.update(task, description=what, completed=done, total=total)

    with bar:
        yield on_stage


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group to ``app``."""
    app.add_typer(data_app, name="data")
