"""Write an :class:`OfflineReport` to disk: ``report.md``, ``report.json``, ``ndcg_recall.png``.

The JSON holds every figure and each model's exact configuration; the markdown is the same
table a person reads; the PNG is a bar plot of NDCG@k and Recall@k (test part) per model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .offline import OfflineReport

logger = logging.getLogger(__name__)

HEADLINE_METRICS = ("ndcg", "recall", "hit", "mrr", "itemcoverage", "averagepopularity")


@dataclass(frozen=True)
class ReportFiles:
    """Paths of what :func:`write_report` wrote."""

    directory: Path
    markdown: Path
    json: Path
    plot: Path


def default_out_dir(dataset: str) -> Path:
    """``./reports/offline-<dataset>/`` (git-ignored) under the current directory: reports
    are output for a person, not cache, so they do not go under the data home."""
    return Path("reports") / f"offline-{dataset or 'data'}"


def markdown_table(report: OfflineReport, k: int = 10, part: str = "test") -> str:
    """One row per model: the headline metrics at ``k`` on ``part`` and train seconds."""
    cols = [f"{m}@{k}" for m in HEADLINE_METRICS]
    header = "| model | " + " | ".join(cols) + " | train s |"
    rule = "|---|" + "---:|" * (len(cols) + 1)
    rows = [header, rule]
    for result in report.models:
        metrics = getattr(result, part).metrics
        cells = [_fmt(metrics.get(c)) for c in cols]
        rows.append(f"| {result.model} | " + " | ".join(cells) + f" | {result.train_seconds:.2f} |")
    return "\n".join(rows)


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"


def render_markdown(report: OfflineReport, k: int = 10) -> str:
    """The full markdown report (test table, validation table, configs)."""
    lines = [
        f"# Offline evaluation — {report.dataset or 'data'}",
        "",
        f"Split `{report.split}` (seed {report.seed}), {report.n_users} users × "
        f"{report.n_items} items, interactions train/valid/test = "
        f"{report.sizes.get('train')}/{report.sizes.get('valid')}/{report.sizes.get('test')}. "
        f"Full ranking over all items, each user's known items excluded (RecBole 1.2.1 "
        f"metric definitions); test history = {report.test_history}. Created {report.created_at}.",
        "",
        f"## Test (k = {k})",
        "",
        markdown_table(report, k, "test"),
        "",
        f"## Validation (k = {k}) — tune on these",
        "",
        markdown_table(report, k, "valid"),
        "",
        "## Configurations",
        "",
    ]
    for result in report.models:
        fields = ", ".join(f"{key}={value}" for key, value in result.config.items())
        lines.append(f"- **{result.model}**: {fields or '(no settings)'}")
    lines += ["", "![NDCG and Recall per model](ndcg_recall.png)", ""]
    return "\n".join(lines)


def plot_report(report: OfflineReport, path: Path, k: int = 10) -> Path:
    """Grouped bar plot of test NDCG@k and Recall@k per model (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m.model for m in report.models]
    ndcg = [m.test.metrics.get(f"ndcg@{k}", 0.0) for m in report.models]
    recall = [m.test.metrics.get(f"recall@{k}", 0.0) for m in report.models]
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(names) + 2), 3.6), dpi=120)
    x = range(len(names))
    width = 0.38
    ax.bar([i - width / 2 for i in x], ndcg, width, label=f"NDCG@{k}")
    ax.bar([i + width / 2 for i in x], recall, width, label=f"Recall@{k}")
    ax.set_xticks(list(x), names)
    ax.set_ylabel("test score")
    ax.set_title(f"{report.dataset or 'data'} — {report.split} split")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(report: OfflineReport, out_dir: Path | None = None, k: int = 10) -> ReportFiles:
    """Write markdown, JSON and PNG into ``out_dir`` (default :func:`default_out_dir`)."""
    directory = out_dir if out_dir is not None else default_out_dir(report.dataset)
    directory.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        directory=directory,
        markdown=directory / "report.md",
        json=directory / "report.json",
        plot=directory / "ndcg_recall.png",
    )
    files.json.write_text(report.model_dump_json(indent=2))
    files.markdown.write_text(render_markdown(report, k))
    plot_report(report, files.plot, k)
    logger.info("wrote offline report dir=%s", directory)
    return files
