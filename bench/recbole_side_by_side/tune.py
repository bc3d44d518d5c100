"""Grid-search recpilot's model settings on the VALIDATION part of ML-100K (random 8/1/1,
seed 2020); the test part is never looked at. Writes ``tuned.json`` next to this file.

    .venv/bin/python bench/recbole_side_by_side/tune.py [--models ease,itemknn,...]

The ensemble is tuned last: its members are fitted once with their tuned settings, and the
weight grid runs over their standardised validation scores (EASE's weight fixed at 1; a
weight of 0 drops the member).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from recpilot.catalog.datasets import open_dataset
from recpilot.eval.metrics import ranking_metrics, top_k_items
from recpilot.eval.offline import evaluate_fitted
from recpilot.eval.splits import Split, random_split
from recpilot.models.ensemble import Ensemble, EnsembleConfig, EnsembleMember, standardise
from recpilot.models.registry import make_model

HERE = Path(__file__).resolve().parent
GRIDS: dict[str, dict[str, list[Any]]] = {
    "pop": {},
    "ease": {"reg": [50.0, 100.0, 200.0, 300.0, 500.0, 800.0, 1500.0]},
    "gfcf": {"k": [16, 32, 48, 64, 96], "alpha": [0.3, 0.5, 1.0, 2.0]},
    "itemknn": {"k": [10, 20, 50, 100, 200], "shrink": [0.0, 10.0, 50.0]},
    "als": {
        "embedding_size": [32, 64, 128],
        "reg": [0.01, 0.1, 1.0],
        "epochs": [15, 30],
        "alpha": [1.0, 10.0],
    },
    "bpr": {
        "embedding_size": [64, 128],
        "learning_rate": [0.01, 0.05],
        "reg": [0.001, 0.01],
        "epochs": [100, 300],
    },
    "sasrec": {"max_len": [50, 200], "epochs": [30, 60], "embedding_size": [64]},
}
ENSEMBLE_MEMBERS = ("ease", "gfcf", "itemknn", "als", "bpr")
ENSEMBLE_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)
KEEP_TRIALS = 20  # of the ensemble's 625 weight vectors, the best ones are recorded


def tune_ensemble(split: Split, tuned: dict[str, Any]) -> dict[str, Any]:
    """Weights of the ensemble over ENSEMBLE_MEMBERS (each with its tuned settings)."""
    valid, train = split.valid.matrix(), split.train.matrix()
    users = np.flatnonzero(np.diff(valid.indptr) > 0)
    histories = [split.train.sequences()[u] for u in users]
    popularity = np.bincount(split.train.items, minlength=split.train.n_items).astype(float)
    settings = {name: tuned.get(name, {}).get("overrides", {}) for name in ENSEMBLE_MEMBERS}
    fitted = {name: make_model(name, **settings[name]).fit(split.train) for name in settings}
    z = {name: standardise(m.score(histories), histories) for name, m in fitted.items()}
    trials = []
    others = ENSEMBLE_MEMBERS[1:]
    for weights in itertools.product(ENSEMBLE_WEIGHTS, repeat=len(others)):
        chosen = {"ease": 1.0, **{n: w for n, w in zip(others, weights, strict=True) if w > 0}}
        total = sum(w * z[n] for n, w in chosen.items())
        top = top_k_items(total, 10, train[users])
        ndcg = ranking_metrics(top, valid[users], k_values=(10,), item_popularity=popularity)[
            "ndcg@10"
        ]
        trials.append({"overrides": {"weights": chosen}, "valid_ndcg@10": ndcg})
    best = max(trials, key=lambda t: t["valid_ndcg@10"])
    members = tuple(
        EnsembleMember(model=n, weight=w, settings=settings[n])
        for n, w in best["overrides"]["weights"].items()
    )
    config = EnsembleConfig(members=members)
    model = Ensemble.from_fitted(config, [fitted[m.model] for m in members])
    check = evaluate_fitted(model, split, k_values=(10,)).valid.metrics["ndcg@10"]
    print(
        f"ensemble {best['overrides']} valid ndcg@10={check:.4f} (grid {best['valid_ndcg@10']:.4f})"
    )
    return {
        "overrides": config.model_dump(mode="json"),
        "valid_ndcg@10": check,
        "grid_size": len(trials),
        "trials": sorted(trials, key=lambda t: -t["valid_ndcg@10"])[:KEEP_TRIALS],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=",".join([*GRIDS, "ensemble"]))
    parser.add_argument("--out", type=Path, default=HERE / "tuned.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = open_dataset("movielens-100k").interactions()
    split = random_split(data, seed=2020)
    tuned: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    for name in args.models.split(","):
        if name == "ensemble":
            tuned[name] = tune_ensemble(split, tuned)
            args.out.write_text(json.dumps(tuned, indent=2) + "\n")
            continue
        grid = GRIDS[name]
        keys = list(grid)
        trials = []
        for values in itertools.product(*(grid[k] for k in keys)):
            overrides = dict(zip(keys, values, strict=True))
            start = time.perf_counter()
            model = make_model(name, **overrides).fit(split.train)
            seconds = time.perf_counter() - start
            result = evaluate_fitted(model, split, k_values=(10,))
            ndcg = result.valid.metrics["ndcg@10"]
            trials.append({"overrides": overrides, "valid_ndcg@10": ndcg, "train_seconds": seconds})
            print(f"{name} {overrides} valid ndcg@10={ndcg:.4f} ({seconds:.1f}s)", flush=True)
        best = max(trials, key=lambda t: t["valid_ndcg@10"])
        tuned[name] = {
            "overrides": best["overrides"],
            "valid_ndcg@10": best["valid_ndcg@10"],
            "trials": trials,
        }
        args.out.write_text(json.dumps(tuned, indent=2) + "\n")
        print(f"== {name}: best {best['overrides']} valid ndcg@10={best['valid_ndcg@10']:.4f}")


if __name__ == "__main__":
    main()
