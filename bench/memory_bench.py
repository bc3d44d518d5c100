"""Memory benchmark on MovieLens-100K: does the profile help, and what does memory cost?

1. Temporal hold-out: each user's last ``--holdout`` interactions (by time) are hidden; a
   catalog with only the earlier interactions is built and the models are trained on it.
   For each user, ten recommendations under three conditions are scored against the
   hidden items (NDCG@10, Hit@10):
     none     — no memory: a user the agent knows nothing about (popular, diverse picks);
     history  — the agent without a profile: the user's catalog history as the session;
     profile  — ConversationService.recommend: the profile built from that history
                (ratings as like / dislike signals, decayed attribute and period weights)
                applied and re-ranking.
2. Cost: profile update time per turn, memory overhead per turn, and database bytes per
   1,000 stored turns (SQLite, or --db URL).

    .venv/bin/python bench/memory_bench.py [--users 300] [--holdout 5] [--turns 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=300, help="users evaluated (0 = all)")
    ap.add_argument("--holdout", type=int, default=5)
    ap.add_argument("--turns", type=int, default=1000)
    ap.add_argument("--db", default=None, help="memory DB URL for the cost part")
    ap.add_argument("--taste-weight", type=float, default=None, help="profile re-rank weight")
    ap.add_argument("--skip-cost", action="store_true")
    ap.add_argument("--home", default=None, help="RECPILOT_HOME (default: a temp dir)")
    args = ap.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="recpilot-membench-"))
    os.environ["RECPILOT_HOME"] = str(home)
    # Reuse an already-built MovieLens catalog (the default data home) to skip the download.
    cached = Path.home() / ".cache" / "recpilot" / "catalogs" / "movielens-100k.duckdb"
    target = home / "catalogs" / "movielens-100k.duckdb"
    if cached.exists() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cached, target)

    from recpilot.agent.build import AgentOptions, build_agent, new_session
    from recpilot.catalog.build import write_catalog
    from recpilot.catalog.datasets import catalogs_dir, open_dataset
    from recpilot.memory.profile import apply_turn
    from recpilot.memory.store import MemoryStore
    from recpilot.service.conversation import ConversationService, ServiceSettings

    full = open_dataset("movielens-100k")
    con = duckdb.connect(str(full.path), read_only=True)
    items = con.sql("SELECT * FROM items ORDER BY rowid").to_arrow_table()
    inter = con.sql(
        "SELECT user_id, item_id, rating, timestamp, row_number() OVER"
        " (PARTITION BY user_id ORDER BY timestamp DESC, rowid DESC) AS back FROM interactions"
    ).to_arrow_table()
    con.close()
    back = inter["back"].to_numpy()
    train = inter.filter(back > args.holdout).drop(["back"])
    test = inter.filter(back <= args.holdout)
    truth: dict[str, set[str]] = {}
    for u, i in zip(test["user_id"].to_pylist(), test["item_id"].to_pylist(), strict=True):
        truth.setdefault(str(u), set()).add(str(i))
    name = f"ml100k-last{args.holdout}-train"
    path = catalogs_dir() / f"{name}.duckdb"
    if not path.exists():
        write_catalog(path, name=name, source="movielens-100k minus each user's last items",
                      items=items, attributes=full.attributes, interactions=train)  # fmt: skip
    agent = build_agent(AgentOptions(dataset=name, embedder="hashing"))
    store = MemoryStore.open(f"sqlite:///{home / 'bench-eval.sqlite3'}")
    settings = ServiceSettings()
    if args.taste_weight is not None:
        settings = dataclasses.replace(settings, taste_weight=args.taste_weight)
    mem = ConversationService(agent, store, settings=settings)
    users = sorted(truth, key=int)
    if args.users:
        rng = np.random.default_rng(0)
        users = sorted(rng.choice(users, size=min(args.users, len(users)), replace=False), key=int)

    def score(ids: list[str], held: set[str]) -> tuple[float, float]:
        dcg = sum(1 / math.log2(k + 2) for k, i in enumerate(ids[:10]) if i in held)
        idcg = sum(1 / math.log2(k + 2) for k in range(min(len(held), 10)))
        return dcg / idcg, float(any(i in held for i in ids[:10]))

    results: dict[str, list[tuple[float, float]]] = {"none": [], "history": [], "profile": []}
    started = time.perf_counter()
    cold = [i.item_id for i in mem.recommend("bench-new-user", 10).record.items]
    for u in users:
        held = truth[u]
        results["none"].append(score(cold, held))
        rec = agent.turn(new_session(agent, u), "recommend 10 picks for me")
        results["history"].append(score([i.item_id for i in rec.items], held))
        mem.import_history(u)
        picks = mem.recommend(u, 10).record.items
        results["profile"].append(score([i.item_id for i in picks], held))
    eval_s = time.perf_counter() - started
    print(f"\n## Profile vs no profile — movielens-100k, last {args.holdout} per user held out, "
          f"{len(users)} users ({eval_s:.0f} s)\n")  # fmt: skip
    print("| condition | NDCG@10 | Hit@10 |\n|---|---|---|")
    for cond, rows in results.items():
        nd = statistics.fmean(r[0] for r in rows)
        hit = statistics.fmean(r[1] for r in rows)
        print(f"| {cond} | {nd:.4f} | {hit:.4f} |")
    store.close()
    if args.skip_cost:
        return

    # ---------------------------------------------------------------- cost
    url = args.db or f"sqlite:///{home / 'bench-cost.sqlite3'}"
    cost_store = MemoryStore.open(url)
    mem = ConversationService(agent, cost_store)
    messages = ["recommend something", "no horror please", "funny movies from the 90s",
                "something like Star Wars", "3 dramas", "more", "I liked Fargo",
                "romantic comedies but nothing before 1980"]  # fmt: skip
    size0 = cost_store.size_bytes()
    memory_ms: list[float] = []
    agent_ms: list[float] = []
    n_users = max(1, args.turns // 20)
    sessions: dict[str, str | None] = {}
    for k in range(args.turns):
        user = f"bench{k % n_users}"
        rec = mem.turn(user, messages[k % len(messages)], sessions.get(user)).record
        sessions[user] = None if k % 40 >= 38 else _sid(cost_store, user)
        memory_ms.append(rec.timings_ms["memory"])
        agent_ms.append(rec.timings_ms["total"])
    size1 = cost_store.size_bytes()
    profile = cost_store.profile("bench0")
    update_ms = []
    for k in range(200):
        t = time.perf_counter()
        apply_turn(profile, messages[k % len(messages)], excluded={"genres": ["Horror"]})
        update_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    for _ in range(50):
        cost_store.save_profile(profile)
    save_ms = (time.perf_counter() - t) * 1000 / 50
    cost_store.close()
    print(f"\n## Memory cost — {args.turns} turns, {n_users} users, {url.split(':')[0]}\n")
    print("| measure | value |\n|---|---|")
    print(f"| agent turn (rules), median ms | {statistics.median(agent_ms):.1f} |")
    print(
        f"| memory overhead per turn (load, apply, retrieve, store), median ms | {statistics.median(memory_ms):.1f} |"
    )
    print(f"| memory overhead per turn, p95 ms | {np.percentile(memory_ms, 95):.1f} |")
    print(f"| profile update (apply_turn), median ms | {statistics.median(update_ms):.3f} |")
    print(f"| profile save, mean ms | {save_ms:.2f} |")
    print(f"| storage per 1,000 turns | {(size1 - size0) / args.turns * 1000 / 1e6:.2f} MB |")


def _sid(store: object, user: str) -> str | None:
    sessions = store.sessions(user)  # type: ignore[attr-defined]
    return sessions[0] if sessions else None


if __name__ == "__main__":
    main()
