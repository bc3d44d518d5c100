"""``recpilot eval chat`` and ``recpilot eval one-turn``: simulated-user evaluation.

Mounted on the ``eval`` group by :func:`register` (``register(eval_app)``).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import typer

from recpilot.errors import ConfigError

log = logging.getLogger(__name__)

SYSTEMS_HELP = (
    "Comma-separated systems: agent, agent[demos=none,validate=false,llm_reply=false] "
    "(ablation variants), llm-only (needs --llm), pop, or a model name (ease, itemknn, ...)."
)


def _run(
    *,
    dataset: str,
    users: int,
    simulator: str,
    llm: str,
    simulator_llm: str | None,
    turns: int,
    k: int,
    seed: int,
    systems: str,
    demos: str,
    validate: bool,
    llm_reply: bool,
    embedder: str,
    one_turn: bool,
    dialogues: bool,
    out: Path | None,
    as_json: bool,
    kind: str,
) -> None:
    from pydantic import ValidationError

    from recpilot.eval.chat_report import chat_table, write_chat_report
    from recpilot.eval.chat_run import ChatEvalConfig, run_chat_eval

    names = [s.strip() for s in _split_systems(systems) if s.strip()]
    try:
        config = ChatEvalConfig(
            dataset=dataset,
            users=users,
            turns=turns,
            k=k,
            seed=seed,
            simulator=simulator,
            llm=llm,
            simulator_llm=simulator_llm,
            systems=names,
            demos=demos,
            validate_plans=validate,
            llm_reply=llm_reply,
            embedder=embedder,
            one_turn=one_turn,
            dialogues=dialogues,
            conversations=kind == "chat",
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"--{field.replace('_', '-')}: {first['msg']}") from None
    directory = (
        out
        or Path("reports")
        / f"{kind}-{dataset}-{simulator}-{llm.replace(':', '_').replace('/', '_')}"
    )
    partial = directory / "dialogues.partial.jsonl"  # kept only if the run is stopped
    partial.unlink(missing_ok=True)
    report, transcripts = run_chat_eval(config, progress=sys.stderr.isatty(), partial=partial)
    partial.unlink(missing_ok=True)
    report.kind = kind
    files = write_chat_report(report, directory, transcripts)
    if as_json:
        payload = report.model_dump(mode="json")
        payload["files"] = {"markdown": str(files.markdown), "json": str(files.json)}
        typer.echo(json.dumps(payload))
        return
    typer.echo(chat_table(report))
    typer.echo(f"report written to {files.directory}")


def _split_systems(text: str) -> list[str]:
    """Split on commas outside ``[...]``: ``agent[demos=none,validate=false],pop``."""
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def register(eval_app: typer.Typer) -> None:
    """Add ``chat`` and ``one-turn`` to the ``eval`` group."""

    @eval_app.command("chat")
    def chat(
        dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
        users: int = typer.Option(200, "--users", help="Test users (seeded sample)."),
        simulator: str = typer.Option(
            "attribute", "--simulator", help="attribute (no LLM) or llm."
        ),
        llm: str = typer.Option("rules", "--llm", help="Agent brain / LLM-only model spec."),
        simulator_llm: str = typer.Option(
            None, "--simulator-llm", help="LLM spec of the llm simulator [default: --llm]."
        ),
        turns: int = typer.Option(5, "--turns", help="Most turns per dialogue (N)."),
        k: int = typer.Option(10, "--k", help="Stop when the target is in the top k."),
        seed: int = typer.Option(0, "--seed", help="Seed of the user sample and the simulator."),
        systems: str = typer.Option("agent,pop,ease", "--systems", help=SYSTEMS_HELP),
        demos: str = typer.Option(
            "dynamic", "--demos", help="Planner demonstrations: dynamic, fixed, none."
        ),
        validate: bool = typer.Option(True, "--validate/--no-validate", help="Validate LLM plans."),
        llm_reply: bool = typer.Option(
            True, "--llm-reply/--template-reply", help="Write replies with the LLM (costs a call)."
        ),
        embedder: str = typer.Option(
            "minilm", "--embedder", help="minilm or hashing (demo retrieval)."
        ),
        one_turn: bool = typer.Option(False, "--one-turn", help="Also run the one-turn protocols."),
        transcripts: bool = typer.Option(
            True, "--transcripts/--no-transcripts", help="Write dialogues.jsonl."
        ),
        out: Path = typer.Option(
            None, "--out", help="Report directory [default: ./reports/chat-...]."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    ) -> None:
        """Simulated users with hidden targets talk to each system for up to N turns; reports
        Hit@k by turn, AT, LLM calls/tokens, latency, degraded and out-of-catalog rates (and the
        hallucination rate of llm-only) as markdown + PNG + JSON."""
        params = dict(locals())
        params["dialogues"] = params.pop("transcripts")
        _run(**params, kind="chat")

    @eval_app.command("one-turn")
    def one_turn_cmd(
        dataset: str = typer.Option("movielens-100k", "--dataset", "-d", help="Dataset name."),
        users: int = typer.Option(200, "--users", help="Test users (seeded sample)."),
        llm: str = typer.Option("rules", "--llm", help="Agent brain / LLM-only model spec."),
        k: int = typer.Option(10, "--k", help="Items asked for in the retrieval request."),
        seed: int = typer.Option(0, "--seed", help="Seed of users, requests and negatives."),
        systems: str = typer.Option("agent,pop,ease,itemknn", "--systems", help=SYSTEMS_HELP),
        embedder: str = typer.Option("minilm", "--embedder", help="minilm or hashing."),
        out: Path = typer.Option(None, "--out", help="Report directory."),
        as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    ) -> None:
        """One-turn retrieval (all target attributes in one request; Recall@1/5/10) and MACRec-style
        candidate ranking (1 positive + 9 unseen negatives; HR and NDCG @1/3/5)."""
        _run(
            dataset=dataset, users=users, simulator="attribute", llm=llm, simulator_llm=None,
            turns=1, k=k, seed=seed, systems=systems, demos="dynamic", validate=True,
            llm_reply=False, embedder=embedder, one_turn=True, dialogues=False, out=out,
            as_json=as_json, kind="one-turn",
        )  # fmt: skip


__all__ = ["register"]
