"""How recpilot's costs grow with the catalog: 10k, 100k and 1M items.

Each size N gets a synthetic catalog with N/5 users and 5·N interactions (the shape of a
1M-item, 200k-user, 5M-interaction catalog), built and measured in fresh processes:

* **synth** — generate and write the catalog: seconds, peak RSS.
* **train** — every model the choice policy picks for it (``recpilot train``'s default,
  ``models/choice.py``), trained from scratch: seconds per model, peak RSS.
* **serve** — build the agent from the artifacts, then the rules brain answers a fixed set of
  requests (filters, "like X" for a watched and an unwatched seed, free-text topics) for a
  catalog user and a new one, ``--reps`` times: per-turn wall and CPU milliseconds (p50/p95),
  ``search_catalog`` milliseconds (p95), resident memory after the turns.
* **ann** — recall@10 of the approximate index against exact search over the text vectors
  (200 random items as queries) and the unit-length ALS item factors (200 items with at
  least 5 interactions: those the agent asks CF about; an untouched item's factor is zero),
  with the settings the agent uses; also tie-aware (a found item counts when its exact score
  reaches the 10th best), and CPU milliseconds per query of each.

CPU milliseconds are measured alongside wall-clock ones because the machine may be shared:
the load average at each phase is printed with it.

    .venv/bin/python bench/scale.py [--sizes 10000,100000,1000000] [--reps 3] [--home DIR]
                                   [--out RESULTS.json] [--phases serve,ann] [--doc docs/scale.md]

Data and models go to ``--home`` (default ``/tmp/recpilot-scale``), never into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REQUESTS = (
    "comedies from the 90s",
    "horror films after 2000, nothing with romance",
    "3 thrillers from the 70s",
    "something like {warm}",
    "something like {cold}",
    "like {warm} but a comedy",
    "a quirky story about a dragon",
    "dark sci-fi about a machine",
)
QUERIES = 200  # ANN recall: random items as queries


def rss_mb() -> float:
    """Resident memory now (VmRSS), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def name_of(size: int) -> str:
    return f"scale-{size}"


# -- phases (each in its own process) --------------------------------------------------------
def phase_synth(size: int) -> dict[str, Any]:
    from recpilot.catalog.datasets import catalog_path
    from recpilot.catalog.synth import generate

    started = time.perf_counter()
    data = generate(size, max(1, size // 5), 0, interactions=5 * size)
    data.write(catalog_path(name_of(size)), name_of(size))
    return {
        "synth_s": time.perf_counter() - started,
        "synth_peak_mb": peak_mb(),
        "interactions": data.interactions.num_rows,
        "users": data.n_users,
    }


def phase_train(size: int) -> dict[str, Any]:
    from recpilot.catalog.datasets import open_dataset
    from recpilot.cli.train import chosen_models, train_models

    with open_dataset(name_of(size)) as catalog:
        data = catalog.interactions()
    names, settings = chosen_models(data, {})
    results = train_models(data, names, key=name_of(size), settings=settings, force=True)
    return {
        "train_s": {r.model: r.seconds for r in results},
        "train_peak_mb": peak_mb(),
    }


def phase_serve(size: int, reps: int) -> dict[str, Any]:
    from recpilot.agent.build import AgentOptions, build_agent, new_session

    started = time.perf_counter()
    agent = build_agent(AgentOptions(dataset=name_of(size)))
    text = agent.models.text_model()  # loaded now (and its index), not inside a timed turn
    build_s = time.perf_counter() - started
    models = agent.models
    counts = models.popularity
    warm = agent.resolver.titles[models.item_ids[int(np.argmax(counts))]]
    cold = agent.resolver.titles[models.item_ids[int(np.flatnonzero(counts == 0)[0])]]
    data = agent.catalog.interactions()
    user = str(data.user_ids[int(np.bincount(data.users).argmax())])
    requests = [r.format(warm=warm, cold=cold) for r in REQUESTS]
    # One untimed round first: the sentence encoder, DuckDB's caches and the first ALS fold-in
    # load then, as they would on a server's first requests.
    w = time.perf_counter()
    for message in requests:
        agent.turn(new_session(agent, user), message)
    warmup_s = time.perf_counter() - w
    wall: list[float] = []
    cpu: list[float] = []
    search: list[float] = []
    per_request: dict[str, list[float]] = {r: [] for r in requests}
    for _ in range(reps):
        for who in (user, None):
            for message in requests:
                session = new_session(agent, who)
                w, c = time.perf_counter(), time.process_time()
                record = agent.turn(session, message)
                wall.append((time.perf_counter() - w) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                per_request[message].append(wall[-1])
                search += [s.ms for s in record.steps if s.tool == "search_catalog"]
                if not record.items:
                    print(f"  no items for {message!r} (user {who})", file=sys.stderr)
    return {
        "build_s": build_s,
        "warmup_s": warmup_s,
        "choice": models.choice.lines() if models.choice else [],
        "text_model": type(text).__name__,
        "turns": len(wall),
        "turn_wall_ms": percentiles(wall),
        "turn_cpu_ms": percentiles(cpu),
        "search_ms": percentiles(search),
        "slowest": sorted(((max(v), k) for k, v in per_request.items()), reverse=True)[:3],
        "serve_rss_mb": rss_mb(),
        "serve_peak_mb": peak_mb(),
    }


def phase_ann(size: int) -> dict[str, Any]:
    from recpilot.catalog.datasets import open_dataset
    from recpilot.models.ann import AnnSettings, VectorIndex, recall_at_k
    from recpilot.models.artifacts import train_or_load
    from recpilot.models.choice import CatalogShape, choose_models
    from recpilot.models.embedders import normalize_rows
    from recpilot.models.text import TextEmbedding

    with open_dataset(name_of(size)) as catalog:
        data = catalog.interactions()
    choice = choose_models(CatalogShape.of(data))
    text_config = TextEmbedding.config_class(
        embedder=choice.embedder, ivf_threshold=choice.ann_threshold
    )
    text, _ = train_or_load("text", data, key=name_of(size), config=text_config)
    assert isinstance(text, TextEmbedding)
    als, _ = train_or_load("als", data, key=name_of(size))
    factors = normalize_rows(als.item_factors)  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    out: dict[str, Any] = {"ann_default": "faiss-ivf" if choice.ann else "exact"}
    text_settings = AnnSettings(threshold=0, nprobe=text_config.nprobe)
    # Factor queries: items with enough interactions for collaborative similarity (the agent
    # asks CF only for those; an item nobody touched has an all-zero factor, tied with all).
    warm = np.flatnonzero(np.bincount(data.items, minlength=data.n_items) >= 5)
    for label, vectors, settings, pool in (
        ("text", text.vectors, text_settings, np.arange(data.n_items)),
        ("als", factors, AnnSettings(threshold=0), warm),
    ):
        index = VectorIndex(vectors, settings)
        w = time.perf_counter()
        index.index()
        build = time.perf_counter() - w
        queries = vectors[rng.choice(pool, size=min(QUERIES, len(pool)), replace=False)]
        c = time.process_time()
        found, _ = index.search(queries, 10)
        approx_ms = (time.process_time() - c) * 1000 / len(queries)
        c = time.process_time()
        truth, best = index.search(queries, 10, exact=True)
        exact_ms = (time.process_time() - c) * 1000 / len(queries)
        # Tie-aware: a found item counts when its exact score reaches the 10th best one.
        scores = np.einsum("qd,qkd->qk", queries, vectors[np.maximum(found, 0)])
        reached = (scores >= best[:, -1:] - 1e-6) & (found >= 0)
        out[label] = {
            "recall10": recall_at_k(found, truth),
            "recall10_ties": float(reached.mean()),
            "build_s": build,
            "approx_cpu_ms": approx_ms,
            "exact_cpu_ms": exact_ms,
        }
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "n": 0}
    arr = np.asarray(values)
    return {
        "p50": float(np.percentile(arr, 50)),
        "p95": float(np.percentile(arr, 95)),
        "n": len(arr),
    }


# -- driver ----------------------------------------------------------------------------------
def run_phase(phase: str, size: int, home: Path, reps: int) -> dict[str, Any]:
    env = os.environ | {"RECPILOT_HOME": str(home)}
    command = [sys.executable, __file__, "--phase", phase, "--size", str(size), "--reps", str(reps)]
    load = os.getloadavg()[0]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"phase {phase} at {size} items failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result[f"{phase}_load"] = max(load, os.getloadavg()[0])
    result[f"{phase}_wall_s"] = time.perf_counter() - started
    return result


def table(rows: dict[int, dict[str, Any]]) -> str:
    sizes = sorted(rows)

    def cell(size: int, fn: Any) -> str:
        try:
            return str(fn(rows[size]))
        except (KeyError, TypeError):
            return "–"

    def train(r: dict[str, Any]) -> str:
        return ", ".join(f"{m} {s:.1f}" for m, s in r["train_s"].items())

    def ann(r: dict[str, Any], key: str) -> str:
        a = r[key]
        return (
            f"{a['recall10']:.3f} / {a['recall10_ties']:.3f} "
            f"({a['approx_cpu_ms']:.2f} vs {a['exact_cpu_ms']:.2f} ms)"
        )

    lines = [
        ("items", lambda r: f"{r['size']:,}"),
        ("users / interactions", lambda r: f"{r['users']:,} / {r['interactions']:,}"),
        ("models chosen", lambda r: ", ".join(x.split(":")[0] for x in r["choice"])),
        ("synth + write, s", lambda r: f"{r['synth_s']:.1f}"),
        ("train, s per model", train),
        ("train peak RSS, MiB", lambda r: f"{r['train_peak_mb']:,.0f}"),
        ("agent build (load), s", lambda r: f"{r['build_s']:.1f}"),
        ("first round of 8 turns (untimed warm-up), s", lambda r: f"{r['warmup_s']:.1f}"),
        ("serving RSS after turns, MiB", lambda r: f"{r['serve_rss_mb']:,.0f}"),
        (
            "search_catalog p50 / p95, ms",
            lambda r: "{p50:.1f} / {p95:.1f}".format(**r["search_ms"]),
        ),
        (
            "rules turn (whole tool path) p50 / p95, wall ms",
            lambda r: "{p50:.1f} / {p95:.1f}".format(**r["turn_wall_ms"]),
        ),
        (
            "rules turn p50 / p95, CPU ms",
            lambda r: "{p50:.1f} / {p95:.1f}".format(**r["turn_cpu_ms"]),
        ),
        (
            "ANN recall@10 / tie-aware, text vectors (CPU ms per query: IVF vs exact)",
            lambda r: ann(r, "text"),
        ),
        ("ANN recall@10 / tie-aware, ALS item factors", lambda r: ann(r, "als")),
        ("ANN by default", lambda r: r["ann_default"]),
        ("load average while serving", lambda r: f"{r['serve_load']:.1f}"),
    ]
    out = ["| | " + " | ".join(f"{s:,} items" for s in sizes) + " |"]
    out.append("|---|" + "---:|" * len(sizes))
    for label, fn in lines:
        out.append(f"| {label} | " + " | ".join(cell(s, fn) for s in sizes) + " |")
    return "\n".join(out)


def write_doc(doc: Path, text: str) -> None:
    begin, end = "<!-- scale-table -->", "<!-- /scale-table -->"
    current = doc.read_text() if doc.exists() else f"{begin}\n{end}\n"
    head, _, rest = current.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--reps", type=int, default=3, help="rounds of the request set")
    parser.add_argument("--home", type=Path, default=Path("/tmp/recpilot-scale"))
    parser.add_argument("--doc", type=Path, default=None, help="write the table into this file")
    parser.add_argument("--out", type=Path, default=None, help="also write the raw JSON here")
    parser.add_argument(
        "--phases",
        default="synth,train,serve,ann",
        help="run only these (results merge into --out)",
    )
    parser.add_argument(
        "--phase", choices=["synth", "train", "serve", "ann"], help=argparse.SUPPRESS
    )
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        match args.phase:
            case "synth":
                result = phase_synth(args.size)
            case "train":
                result = phase_train(args.size)
            case "serve":
                result = phase_serve(args.size, args.reps)
            case _:
                result = phase_ann(args.size)
        print(json.dumps(result))
        return
    args.home.mkdir(parents=True, exist_ok=True)
    rows: dict[int, dict[str, Any]] = {}
    if args.out and args.out.exists():  # rerun some phases over earlier results
        rows = {int(k): v for k, v in json.loads(args.out.read_text()).items()}
    for size in (int(s) for s in args.sizes.split(",")):
        row: dict[str, Any] = rows.get(size, {}) | {"size": size}
        for phase in args.phases.split(","):
            print(f"{size:>9,} items: {phase}…", file=sys.stderr, flush=True)
            row |= run_phase(phase, size, args.home, args.reps)
            print(f"           {json.dumps(row)}", file=sys.stderr, flush=True)
        rows[size] = row
        if args.out:
            args.out.write_text(json.dumps(rows, indent=2))
    text = table(rows)
    print(text)
    if args.doc:
        write_doc(args.doc, text)


if __name__ == "__main__":
    main()
