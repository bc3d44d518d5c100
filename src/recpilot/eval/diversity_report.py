"""Write a :class:`~recpilot.eval.diversity.DiversityReport`: ``diversity.md`` (the table per
part, the default chosen and the long-tail exposure), ``diversity.json`` (every figure) and
``diversity.png`` (the trade-off curves: NDCG against intra-list diversity, novelty and the
long tail's share of exposure, one point per setting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recpilot.eval.diversity import GOAL_GAIN, MAX_LOSS, DiversityReport
from recpilot.tools.diversify import DEFAULT_DIVERSITY

COLUMNS = (
    ("ndcg", "NDCG"),
    ("ild", "ILD"),
    ("itemcoverage", "coverage"),
    ("popularity_percentile", "pop. pct"),
    ("novelty", "novelty"),
    ("longtail_share", "tail slots"),
    ("longtail_exposure", "tail exposure"),
)


@dataclass(frozen=True)
class DiversityFiles:
    directory: Path
    markdown: Path
    json: Path
    plot: Path


def default_out_dir(dataset: str) -> Path:
    """``./reports/diversity-<dataset>/`` (git-ignored), like the offline report."""
    return Path("reports") / f"diversity-{dataset or 'data'}"


def table(report: DiversityReport, part: str) -> str:
    k = report.k
    header = "| diversity | " + " | ".join(f"{label}@{k}" for _, label in COLUMNS) + " |"
    rows = [header, "|---:|" + "---:|" * len(COLUMNS)]
    for point in getattr(report, part):
        cells = [f"{point.metrics[f'{key}@{k}']:.4f}" for key, _ in COLUMNS]
        mark = " (chosen)" if point.diversity == report.default else ""
        rows.append(f"| {point.diversity:g}{mark} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def change(report: DiversityReport, part: str, metric: str) -> float:
    """The relative change of ``metric`` at the default setting against setting 0."""
    key = f"{metric}@{report.k}"
    base = report.point(part, 0.0).metrics[key]
    value = report.point(part, report.default).metrics[key]
    return (value - base) / base if base else 0.0


def render_markdown(report: DiversityReport) -> str:
    k = report.k
    verdict = "met" if report.goal_met else "missed"
    test_ild, test_ndcg = change(report, "test", "ild"), change(report, "test", "ndcg")
    tail = report.point("test", report.default).metrics
    base = report.point("test", 0.0).metrics
    return "\n".join(
        [
            f"# Diversity knob — {report.dataset or 'data'}",
            "",
            f"Model `{report.model}`, split `{report.split}` (seed {report.seed}); each user's "
            f"best {report.pool} items: MMR (popularity share "
            f"{report.popularity_share:g}) keeps {k}, shown in score order. Users: valid {report.users['valid']}, "
            f"test {report.users['test']}.",
            "",
            f"**Chosen setting {report.default:g}** (on validation: the most intra-list "
            f"diversity within {MAX_LOSS:.0%} of setting 0's NDCG; the shipped default is "
            f"{DEFAULT_DIVERSITY:g}). Goal +{GOAL_GAIN:.0%} ILD for <= {MAX_LOSS:.0%} NDCG "
            f"loss: **{verdict}** — on test, ILD {test_ild:+.1%}, NDCG {test_ndcg:+.1%}.",
            "",
            f"Long tail (the 80 % least popular items) holds "
            f"{report.longtail_interaction_share:.1%} of the training interactions; on test it "
            f"gets {base[f'longtail_share@{k}']:.1%} of the shown slots at setting 0 and "
            f"{tail[f'longtail_share@{k}']:.1%} at the chosen setting "
            f"({base[f'longtail_exposure@{k}']:.1%} → {tail[f'longtail_exposure@{k}']:.1%} "
            "of position-weighted exposure).",
            "",
            "## Test",
            "",
            table(report, "test"),
            "",
            "## Validation",
            "",
            table(report, "valid"),
            "",
        ]
    )


def plot(report: DiversityReport, path: Path) -> Path:
    """NDCG@k against ILD, novelty and long-tail exposure (test part), one point per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = report.k
    points = report.test
    ndcg = [p.metrics[f"ndcg@{k}"] for p in points]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4), dpi=80, sharey=True)
    for panel, (ax, (key, label)) in enumerate(
        zip(
            axes,
            (
                ("ild", "intra-list diversity"),
                ("novelty", "novelty (bits)"),
                ("longtail_exposure", "long-tail exposure share"),
            ),
            strict=True,
        )
    ):
        xs = [p.metrics[f"{key}@{k}"] for p in points]
        ax.plot(xs, ndcg, marker="o", markersize=3, linewidth=1)
        for p, x, y in zip(points, xs, ndcg, strict=True):
            crowded = panel > 0 and p.diversity < report.default  # bunched at the top left
            labelled = p.diversity in (report.default, 1.0) or round(p.diversity * 10) % 2 == 0
            if labelled and not crowded:
                weight = "bold" if p.diversity == report.default else "normal"
                ax.annotate(
                    f"{p.diversity:g}",
                    (x, y),
                    fontsize=7,
                    fontweight=weight,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        ax.set_xlabel(f"{label} @{k}")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"NDCG@{k} (test)")
    fig.suptitle(f"{report.dataset}: diversity setting trade-off ({report.model})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(report: DiversityReport, out_dir: Path | None = None) -> DiversityFiles:
    directory = out_dir or default_out_dir(report.dataset)
    directory.mkdir(parents=True, exist_ok=True)
    files = DiversityFiles(
        directory=directory,
        markdown=directory / "diversity.md",
        json=directory / "diversity.json",
        plot=directory / "diversity.png",
    )
    files.markdown.write_text(render_markdown(report), encoding="utf-8")
    files.json.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    plot(report, files.plot)
    return files
