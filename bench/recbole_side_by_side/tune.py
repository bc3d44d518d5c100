"""Grid-search recpilot's model settings on the VALIDATION part of ML-100K (random 8/1/1,
seed 2020); the test part is never looked at. Writes ``tuned.json`` next to this file.

    .venv/bin/python bench/recbole_side_by_side/tune.py [--models ease,itemknn,...]
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from pathlib import Path
from typing import Any

from recpilot.catalog.datasets import open_dataset
from recpilot.eval.offline import evaluate_fitted
from recpilot.eval.splits import random_split
from recpilot.models.registry import make_model

HERE = Path(__file__).resolve().parent
GRIDS: dict[str, dict[str, list[Any]]] = {
    "pop": {},
    "ease": {"reg": [50.0, 100.0, 200.0, 300.0, 500.0, 800.0, 1500.0]},
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default=",".join(GRIDS))
    parser.add_argument("--out", type=Path, default=HERE / "tuned.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = open_dataset("movielens-100k").interactions()
    split = random_split(data, seed=2020)
    tuned: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    for name in args.models.split(","):
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
