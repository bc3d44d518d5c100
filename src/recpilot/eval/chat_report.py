"""Reports of the conversational and one-turn evaluations: markdown tables, PNG plots and a
JSON file holding every figure and the exact configuration (seeds, simulator, agent
settings). Dialogue transcripts go to ``dialogues.jsonl`` next to them."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from recpilot.eval.conversation import ChatMetrics, Dialogue
from recpilot.eval.one_turn import RankingResult, RetrievalResult

log = logging.getLogger(__name__)


class SystemResult(BaseModel):
    name: str
    settings: dict[str, Any]
    metrics: ChatMetrics
    hallucination_rate: float | None = None  # LLM-only: titles not in the catalog / all titles
    simulator_llm_calls: int = 0
    wall_s: float = 0.0


class ChatReport(BaseModel):
    kind: str = "chat"
    created: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    config: dict[str, Any]
    systems: list[SystemResult] = Field(default_factory=list)
    retrieval: list[RetrievalResult] = Field(default_factory=list)
    ranking: list[RankingResult] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class ChatReportFiles:
    directory: Path
    markdown: Path
    json: Path
    plots: list[Path]


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def chat_table(report: ChatReport) -> str:
    if not report.systems:
        return ""
    n = report.systems[0].metrics.turns
    lines = [
        f"| system | Hit@1 | Hit@5 | Hit@10 | AT (miss = {n + 1}) | LLM calls/turn | tokens/turn "
        "| p50 turn ms | p95 turn ms | degraded | out-of-catalog | hallucination |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in report.systems:
        m = s.metrics
        lines.append(
            f"| {s.name} | {_pct(m.hit.get('hit@1'))} | {_pct(m.hit.get('hit@5'))} | "
            f"{_pct(m.hit.get('hit@10'))} | {m.average_turns:.2f} | {m.llm_calls_per_turn:.2f} | "
            f"{m.tokens_per_turn:.0f} | {m.latency_p50_ms:.0f} | {m.latency_p95_ms:.0f} | "
            f"{m.degraded_rate:.3f} | {m.out_of_catalog_rate:.3f} | {_pct(s.hallucination_rate)} |"
        )
    return "\n".join(lines)


def by_turn_table(report: ChatReport, key: str = "hit@10") -> str:
    if not report.systems:
        return ""
    n = report.systems[0].metrics.turns
    head = "| system | " + " | ".join(f"turn {t}" for t in range(1, n + 1)) + " |"
    lines = [head, "|---|" + "---|" * n]
    for s in report.systems:
        values = s.metrics.hit_by_turn.get(key, [])
        lines.append(f"| {s.name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    return "\n".join(lines)


def render_markdown(report: ChatReport, plots: list[Path]) -> str:
    cfg = report.config
    out = [f"# Conversational evaluation — {cfg.get('dataset', '')}", ""]
    out.append(f"Created {report.created}. Configuration (also in `report.json`):")
    out.append("")
    out.append("```json\n" + json.dumps(cfg, indent=2, sort_keys=True) + "\n```")
    if report.systems:
        k = report.systems[0].metrics.k
        out += [
            "",
            f"## Dialogues (stop when the target is in the top {k})",
            "",
            chat_table(report),
        ]
        out += ["", "Hit@10 by turn:", "", by_turn_table(report)]
    if report.retrieval:
        out += ["", "## One-turn retrieval (every attribute in one request)", ""]
        keys = list(report.retrieval[0].recall)
        out.append("| system | " + " | ".join(keys) + " | out-of-catalog |")
        out.append("|---|" + "---|" * (len(keys) + 1))
        for r in report.retrieval:
            row = " | ".join(f"{r.recall[key]:.3f}" for key in keys)
            out.append(f"| {r.system} | {row} | {r.out_of_catalog_rate:.3f} |")
    if report.ranking:
        out += ["", "## Candidate ranking (1 positive + 9 random unseen negatives)", ""]
        keys_hr = list(report.ranking[0].hr)
        keys_nd = list(report.ranking[0].ndcg)
        out.append("| scorer | " + " | ".join([*keys_hr, *keys_nd]) + " |")
        out.append("|---|" + "---|" * (len(keys_hr) + len(keys_nd)))
        for rr in report.ranking:
            vals = [*(rr.hr[k] for k in keys_hr), *(rr.ndcg[k] for k in keys_nd)]
            out.append(f"| {rr.scorer} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
    if report.notes:
        out += ["", "## Notes", "", *(f"- {note}" for note in report.notes)]
    if plots:
        out += ["", *(f"![{p.stem}]({p.name})" for p in plots)]
    return "\n".join(out) + "\n"


def plot_chat(report: ChatReport, directory: Path) -> list[Path]:
    """``hit_by_turn.png`` (Hit@k by turn per system) and ``cost_by_turn.png`` (LLM calls and
    median latency per turn)."""
    if not report.systems:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = report.systems[0].metrics.turns
    turns = list(range(1, n + 1))
    keys = list(report.systems[0].metrics.hit_by_turn)
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.5), sharey=True)
    axes = list(axes) if len(keys) > 1 else [axes]
    for ax, key in zip(axes, keys, strict=True):
        for s in report.systems:
            ax.plot(turns, s.metrics.hit_by_turn[key], marker="o", label=s.name)
        ax.set_title(f"{key} by turn")
        ax.set_xlabel("turn")
        ax.set_xticks(turns)
    axes[0].set_ylabel("share of dialogues")
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    hit_path = directory / "hit_by_turn.png"
    fig.savefig(hit_path, dpi=110)
    plt.close(fig)

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    for s in report.systems:
        left.plot(turns, s.metrics.calls_by_turn, marker="o", label=s.name)
        right.plot(turns, s.metrics.latency_by_turn_ms, marker="o", label=s.name)
    left.set_title("LLM calls per turn (mean)")
    right.set_title("turn latency, ms (median)")
    right.set_yscale("symlog")
    for ax in (left, right):
        ax.set_xlabel("turn")
        ax.set_xticks(turns)
    right.legend(fontsize=7)
    fig.tight_layout()
    cost_path = directory / "cost_by_turn.png"
    fig.savefig(cost_path, dpi=110)
    plt.close(fig)
    return [hit_path, cost_path]


def write_chat_report(
    report: ChatReport,
    directory: Path,
    dialogues: dict[str, list[Dialogue]] | None = None,
) -> ChatReportFiles:
    directory.mkdir(parents=True, exist_ok=True)
    plots = plot_chat(report, directory)
    md = directory / "report.md"
    md.write_text(render_markdown(report, plots))
    js = directory / "report.json"
    js.write_text(json.dumps(report.model_dump(mode="json"), indent=2))
    if dialogues:
        with (directory / "dialogues.jsonl").open("w") as fh:
            for system, items in dialogues.items():
                for d in items:
                    fh.write(json.dumps({"system": system, **d.model_dump(mode="json")}) + "\n")
    log.info("chat report written dir=%s", directory)
    return ChatReportFiles(directory, md, js, plots)
