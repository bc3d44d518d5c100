"""``recpilot eval population``: simulated users browse pages of each system's recommendations.

Mounted on the ``eval`` group by :func:`register` (``register(eval_app)``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from recpilot.errors import ConfigError

HELP = """Simulated users, built from real histories, browse each system page by page.

Each simulated user is read from the TRAIN part of a split: taste (distribution over the
catalog's category values), activity (train interactions; sets patience, the pages in a row
without a watch they tolerate), conformity (mean popularity percentile of their items) and
diversity appetite (entropy of their taste). On every page they watch or skip each item
(rules simulator: P(watch) = logistic(bias + taste match + conformity x popularity + novelty x
appetite); llm simulator: an LLM reads a short persona and the page and answers JSON), rate
what they watch (1-5) and leave when their patience runs out. Systems hear back what was
watched (models rescore with it; the agent is told liked/disliked) and never repeat an item.

Metrics per system: CTR (watched / shown; also by page), pages viewed before leaving,
leave rate (left before the last page), satisfaction (mean rating of watched items),
watches per user, users with a watch, held-out shown (share of shown items the real user
interacted with later).

Agreement: per real user, held-out items (valid + test) vs sampled never-interacted items,
scored by the simulator's watch probability (llm: a probe page, watch = 1); mean per-user AUC
with taste-only, popularity-only and random scorers (chance = 0.5) for context.

Writes report.md, report.json, engagement.png and sessions.jsonl (pages, actions and
reasons of the first --transcripts users per system) to --out."""


def register(eval_app: typer.Typer) -> None:
    """Add ``population`` to the ``eval`` group."""

    @eval_app.command("population", help=HELP)
    def population(
        dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
        users: int = typer.Option(
            1000, "--users", help="Simulated users (real profiles reused, reseeded, if fewer)."
        ),
        pages: int = typer.Option(5, "--pages", help="Most pages each user sees."),
        page_size: int = typer.Option(10, "--page-size", help="Items per page (2-20)."),
        systems: str = typer.Option(
            "pop,itemknn,ease,als,agent",
            "--system",
            "--systems",
            help="Comma-separated: agent (rules brain), pop, itemknn, ease, als, bpr, sasrec.",
        ),
        simulator: str = typer.Option("rules", "--simulator", help="rules (fast) or llm."),
        llm: str = typer.Option(
            "local:qwen2.5-coder-0.5b",
            "--llm",
            help="Backend of the llm simulator (used with --simulator llm).",
        ),
        split: str = typer.Option("random", "--split", help="random (8/1/1 per user) or temporal."),
        split_seed: int = typer.Option(2020, "--split-seed", help="Seed of the random split."),
        seed: int = typer.Option(0, "--seed", help="Seed of the population and the simulator."),
        negatives: int = typer.Option(
            100, "--negatives", help="Sampled negatives per user for the rules agreement AUC."
        ),
        transcripts: int = typer.Option(
            20, "--transcripts", help="Users per system written to sessions.jsonl."
        ),
        out: Path = typer.Option(
            None,
            "--out",
            help="Report directory (default: ./reports/population-DATASET-SIMULATOR/).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    ) -> None:
        from pydantic import ValidationError

        from recpilot.eval.population_report import engagement_table, write_report
        from recpilot.eval.population_run import PopulationConfig, UserRun, run_population

        if llm.strip().lower() == "rules" and simulator == "llm":
            raise ConfigError("--simulator llm needs an LLM: pass --llm local:... or openai:...")
        names = [s.strip() for s in systems.split(",") if s.strip()]
        try:
            config = PopulationConfig(
                dataset=dataset, users=users, pages=pages, page_size=page_size, systems=names,
                simulator=simulator, llm=llm, split=split, split_seed=split_seed, seed=seed,
                negatives=negatives, transcripts=transcripts,
            )  # fmt: skip
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]).replace("_", "-")
            raise ConfigError(f"--{field}: {first['msg']}") from None
        sessions: dict[str, list[UserRun]] = {}

        def keep(name: str, runs: list[UserRun]) -> None:
            sessions[name] = runs[: config.transcripts]

        report = run_population(config, progress=sys.stderr.isatty(), on_runs=keep)
        directory = out or Path("reports") / f"population-{dataset}-{simulator}"
        files = write_report(report, directory, sessions)
        if as_json:
            payload = report.model_dump(mode="json")
            payload["files"] = {
                "markdown": str(files.markdown),
                "json": str(files.json),
                "plot": str(files.plot),
                "sessions": str(files.sessions),
            }
            typer.echo(json.dumps(payload))
            return
        typer.echo(engagement_table(report))
        if report.agreement is not None:
            aucs = ", ".join(f"{k} {v.auc:.4f}" for k, v in report.agreement.scorers.items())
            typer.echo(f"agreement AUC (chance 0.5): {aucs}")
        typer.echo(f"wall time {report.wall_s:.1f} s; report written to {files.directory}")


__all__ = ["register"]
