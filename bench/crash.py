"""kill -9 during ingest, training and store writes: does everything stay whole?

Starts the real ``recpilot`` process (``data ingest``, ``train --force``, ``serve`` taking
chat turns, stated preferences and feedback over HTTP), SIGKILLs it at random moments (half
of them while a temporary file of the write exists), and checks after every kill: the catalog
opens, answers a search and is one of the two complete versions; every model loads from its
checksummed artifact without retraining and recommends; every acknowledged turn, preference
and feedback event is in the memory store. Works in a private data home with a 900-book
planted catalog (``recpilot.testing.crash``).

    .venv/bin/python bench/crash.py                         # 50 kills per kind, SQLite store
    .venv/bin/python bench/crash.py --kills 10 --kinds store --store-url postgresql://...
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from recpilot.testing.crash import KINDS, CrashRig, summary_table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kills per kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated kinds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--store-url", default=None, help="memory store (default: SQLite)")
    parser.add_argument("--home", type=Path, default=None, help="keep the data home here")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {unknown}; valid: {', '.join(KINDS)}")

    home = args.home or Path(tempfile.mkdtemp(prefix="recpilot-crash-"))
    rig = CrashRig(home, seed=args.seed, store_url=args.store_url)
    started = time.perf_counter()
    rig.prepare()
    print(f"data home {home}")
    for kind, (whole, writes) in rig.timing.items():
        spans = ", ".join(f"{w * 1000:.0f}" for w in writes)
        print(f"clean {kind}: {whole:.1f} s; temporary entries lived (ms): {spans}", flush=True)
    reports = []
    for kind in kinds:
        t0 = time.perf_counter()
        report = rig.run_kind(kind, args.kills)
        reports.append(report)
        extra = f", {report.checked} acknowledged writes checked" if kind == "store" else ""
        extra += f", {report.finished_first} runs ended before their kill (not counted)"
        print(f"{kind}: {time.perf_counter() - t0:.0f} s{extra}; {'; '.join(report.notes)}")
        for problem in report.problems():
            print(f"  FAILED {problem}")
    print()
    print(summary_table(reports))
    print(f"\nstore: {rig.store_url.split('://')[0]}; {time.perf_counter() - started:.0f} s")
    if args.home is None:
        shutil.rmtree(home, ignore_errors=True)
    return 1 if any(r.failed or r.leftovers for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
