"""Compare two `recpilot eval requests` runs (plan-first and team mode) request by request.

    python bench/team_mode.py reports/team/plan-0.5b reports/team/team-0.5b

Reads the per-set JSON reports of each directory, keeps the requests both runs asked (one
may have used ``--limit``), and prints one markdown table row per set and mode (outcome shares, LLM calls and tokens per turn, p50/p95 turn time, degraded turns,
turns that asked the LLM at all), then the requests whose outcome differs between the two.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np


def load(directory: Path) -> dict[str, dict[str, Any]]:
    """The set reports under ``directory``, by set name."""
    out = {}
    for path in sorted(directory.glob("requests-*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        out[report["set"]] = report
    return out


def pooled(
    reports: list[dict[str, Any]], name: str = "all", ids: set[str] | None = None
) -> dict[str, Any]:
    """One report over every set's requests (shares and percentiles over all turns);
    ``ids``: only those requests."""
    results = [r for report in reports for r in report["results"] if ids is None or r["id"] in ids]
    n = max(len(results), 1)
    ms = sorted(r["total_ms"] for r in results)
    first = reports[0]["summary"]

    def share(outcome: str) -> float:
        return sum(r["outcome"] == outcome for r in results) / n

    summary = {
        "set": name,
        "brain": first["brain"],
        "mode": first.get("mode", "plan"),
        "requests": len(results),
        "satisfied": share("satisfied"),
        "flagged": share("flagged"),
        "silent_wrong": share("silent_wrong"),
        "llm_calls_per_turn": sum(r["llm_calls"] for r in results) / n,
        "tokens_per_turn": sum(r.get("tokens", 0) for r in results) / n,
        "p50_turn_ms": float(np.percentile(ms, 50)) if ms else 0.0,
        "p95_turn_ms": float(np.percentile(ms, 95)) if ms else 0.0,
        "degraded": sum(r["degraded"] for r in results),
    }
    return {"summary": summary, "results": results}


def row(report: dict[str, Any]) -> str:
    s = report["summary"]
    results = report["results"]
    asked = sum(r["llm_calls"] > 0 for r in results)
    asked_ms = [r["total_ms"] for r in results if r["llm_calls"] > 0]
    cells = [
        s["set"],
        s["brain"],
        s.get("mode", "plan"),
        str(s["requests"]),
        f"{s['satisfied']:.0%}",
        f"{s['flagged']:.0%}",
        f"{s['silent_wrong']:.0%}",
        f"{s['llm_calls_per_turn']:.2f}",
        f"{s.get('tokens_per_turn', 0):.0f}",
        f"{s['p50_turn_ms'] / 1000:.1f} s",
        f"{s['p95_turn_ms'] / 1000:.1f} s",
        str(s["degraded"]),
        str(asked),
        f"{np.percentile(asked_ms, 50) / 1000:.1f} s" if asked_ms else "-",
    ]
    return "| " + " | ".join(cells) + " |"


def main(first: Path, second: Path) -> None:
    a, b = load(first), load(second)
    header = (
        "| set | brain | mode | requests | satisfied | flagged | silent wrong | LLM calls/turn "
        "| tokens/turn | p50 | p95 | degraded | turns asking the LLM | their p50 |"
    )
    print(header)
    print("|" + "---|" * 14)
    names = sorted(set(a) & set(b))
    for name in names:  # the requests both runs asked (one may have run with --limit)
        ids = {r["id"] for r in a[name]["results"]} & {r["id"] for r in b[name]["results"]}
        a[name], b[name] = pooled([a[name]], name, ids), pooled([b[name]], name, ids)
        print(row(a[name]))
        print(row(b[name]))
    if len(names) > 1:
        print(row(pooled([a[n] for n in names])))
        print(row(pooled([b[n] for n in names])))
    print()
    for name in sorted(set(a) & set(b)):
        by_id = {r["id"]: r for r in b[name]["results"]}
        for r in a[name]["results"]:
            other = by_id.get(r["id"])
            if other is not None and other["outcome"] != r["outcome"]:
                print(
                    f"- {name}/{r['id']} {r['outcome']} → {other['outcome']}: "
                    f"{r['text']!r} ({other['plan_source']}; {'; '.join(other['reasons'][:1])})"
                )


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/team_mode.py PLAN_REPORT_DIR TEAM_REPORT_DIR")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
