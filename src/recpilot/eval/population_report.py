"""Files of a population run: ``report.md``, ``report.json``, ``engagement.png`` (engagement by
system and CTR by page) and ``sessions.jsonl`` (every page and action, with reasons, of the
first users of each system)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from recpilot.eval.population_run import PopulationReport, UserRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PopulationFiles:
    directory: Path
    markdown: Path
    json: Path
    plot: Path
    sessions: Path


def engagement_table(report: PopulationReport) -> str:
    rows = [
        "| system | CTR | pages viewed | leave rate | satisfaction (1-5) | watches / user "
        "| users with a watch | held-out shown | wall s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report.systems:
        sat = "–" if s.satisfaction is None else f"{s.satisfaction:.2f}"
        rows.append(
            f"| {s.name} | {s.ctr:.4f} | {s.pages_viewed:.2f} | {s.leave_rate:.4f} | {sat} "
            f"| {s.watches_per_user:.2f} | {s.users_with_watch:.4f} | {s.heldout_shown:.4f} "
            f"| {s.wall_s:.1f} |"
        )
    return "\n".join(rows)


def agreement_table(report: PopulationReport) -> str:
    a = report.agreement
    if a is None:
        return "(not computed)"
    rows = ["| scorer | mean per-user AUC | ± stderr |", "|---|---:|---:|"]
    rows += [f"| {name} | {r.auc:.4f} | {r.stderr:.4f} |" for name, r in a.scorers.items()]
    rows.append(f"| chance | {a.chance:.4f} | |")
    return "\n".join(rows)


def render_markdown(report: PopulationReport) -> str:
    cfg = report.config
    pop = report.population
    a = report.agreement
    lines = [
        f"# Population simulation — {cfg['dataset']}",
        "",
        f"{pop['simulated_users']} simulated users ({pop['real_users']} real profiles) × up to "
        f"{cfg['pages']} pages of {cfg['page_size']}, simulator `{cfg['simulator']}`, "
        f"split `{cfg['split']}` (seed {cfg['split_seed']}), seed {cfg['seed']}. "
        f"Profiles read from the train part only; taste over `{pop['category_attribute']}`. "
        f"Wall time {report.wall_s:.1f} s. Created {report.created}.",
        "",
        "## Engagement",
        "",
        engagement_table(report),
        "",
        "CTR by page (watched / shown among users who reached the page):",
        "",
        "| system | " + " | ".join(f"p{k + 1}" for k in range(cfg["pages"])) + " |",
        "|---|" + "---:|" * cfg["pages"],
    ]
    for s in report.systems:
        cells = [f"{c:.4f} ({r})" for c, r in zip(s.ctr_by_page, s.reached_by_page, strict=True)]
        lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    lines += ["", "## Agreement with held-out interactions", ""]
    if a is not None:
        lines += [
            f"{a.users} real users; per user, their held-out items (mean "
            f"{a.positives_per_user}) against up to {a.negatives_per_user} sampled items they "
            "never interacted with. AUC = P(a held-out item scores above a sampled one).",
            "",
        ]
    lines += [agreement_table(report), "", "![engagement](engagement.png)", ""]
    if report.simulator.get("invalid"):
        lines += [
            f"LLM answers that could not be read: {report.simulator['invalid']} of "
            f"{report.simulator['calls']} calls (those pages count as skipped).",
            "",
        ]
    return "\n".join(lines)


def plot(report: PopulationReport, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s.name for s in report.systems]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    x = range(len(names))
    width = 0.38
    left.bar([i - width / 2 for i in x], [s.ctr for s in report.systems], width, label="CTR")
    left.bar(
        [i + width / 2 for i in x],
        [s.pages_viewed / report.config["pages"] for s in report.systems],
        width,
        label="pages viewed / max",
    )
    left.set_xticks(list(x), names)
    left.set_title("engagement by system")
    left.legend(frameon=False, fontsize=8)
    for s in report.systems:
        pages = range(1, len(s.ctr_by_page) + 1)
        right.plot(list(pages), s.ctr_by_page, marker="o", label=s.name)
    right.set_xticks(list(range(1, report.config["pages"] + 1)))
    right.set_xlabel("page")
    right.set_ylabel("CTR")
    right.set_title("CTR by page")
    right.legend(frameon=False, fontsize=8)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_report(
    report: PopulationReport, directory: Path, sessions: dict[str, list[UserRun]]
) -> PopulationFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = PopulationFiles(
        directory,
        directory / "report.md",
        directory / "report.json",
        directory / "engagement.png",
        directory / "sessions.jsonl",
    )
    files.json.write_text(report.model_dump_json(indent=2))
    files.markdown.write_text(render_markdown(report))
    plot(report, files.plot)
    with files.sessions.open("w") as fh:
        for system, runs in sessions.items():
            for run in runs:
                row = {
                    "system": system,
                    "user": run.sim_id,
                    "pages": [asdict(p) for p in run.pages],
                }
                fh.write(json.dumps(row) + "\n")
    log.info("population report written dir=%s", directory)
    return files
