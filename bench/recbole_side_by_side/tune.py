"""Grid-search recpilot's model settings on the VALIDATION part of ML-100K (random 8/1/1,
seed 2020); the test part is never looked at. Writes ``tuned.json`` next to this file.

    .venv/bin/python bench/recbole_side_by_side/tune.py [--models ease,itemknn,...]

The ensemble is tuned last: its members are fitted once with their tuned settings, and the
weight grid runs over their standardised validation scores (EASE's weight fixed at 1; a
weight of 0 drops the member). ``blend`` is the same with two weights only (BSPM and
Mult-VAE beside EASE). ``multvae`` trains once for MULTVAE_MAX_EPOCHS and keeps the epoch
count with the best validation NDCG@10 (early stopping). ``rp3beta`` (Paudel et al. 2016) is
scored here from its formula and not registered: it stayed below EASE on validation.
``recvae`` runs each RECVAE_GRID setting once for RECVAE_MAX_EPOCHS and keeps the best
(setting, epochs); ``blend_recvae`` has three weights (BSPM, Mult-VAE, RecVAE beside EASE);
``blend_slim`` two (Mult-VAE, RecVAE beside SLIM).
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from recpilot.catalog.datasets import open_dataset
from recpilot.eval.metrics import ranking_metrics, top_k_items
from recpilot.eval.offline import evaluate_fitted
from recpilot.eval.splits import Split, random_split
from recpilot.models.base import history_matrix
from recpilot.models.ensemble import Ensemble, EnsembleConfig, EnsembleMember, standardise
from recpilot.models.multvae import MultVAE, MultVAEConfig
from recpilot.models.recvae import RecVAE, RecVAEConfig
from recpilot.models.registry import make_model

HERE = Path(__file__).resolve().parent
GRIDS: dict[str, dict[str, list[Any]]] = {
    "pop": {},
    "ease": {"reg": [50.0, 100.0, 200.0, 300.0, 500.0, 800.0, 1500.0]},
    # narrowed from a wider one-off look (reg 0.03-0.5 × l1_ratio 0.01-0.2; docs/offline-eval.md)
    "slim": {"reg": [0.1, 0.2, 0.3], "l1_ratio": [0.01, 0.05]},
    "gfcf": {"k": [16, 32, 48, 64, 96], "alpha": [0.3, 0.5, 1.0, 2.0]},
    "bspm": {
        "k": [32, 64, 128],
        "beta": [0.1, 0.2],
        "sharpen_time": [0.0, 1.0, 2.0, 3.0],
        "sharpen_steps": [2],
        "combine_steps": [True, False],
    },
    "itemknn": {"k": [10, 20, 50, 100, 200], "shrink": [0.0, 10.0, 50.0]},
    # iALS as Rendle et al. (2021) tune it: many factors, a confidence (alpha) a few times the
    # unobserved weight and a penalty grown with it (the first grid, 32-128 factors, reg
    # 0.01-1, alpha 1 or 10, chose 32, 1.0, alpha 1 at 0.2375; a one-off look over alpha
    # 1-32 and reg 10-300 narrowed this one; docs/offline-eval.md)
    "als": {
        "embedding_size": [128, 256],
        "reg": [25.0, 35.0, 45.0],
        "epochs": [15],
        "alpha": [3.0, 4.0, 6.0],
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
BLEND_MEMBERS = ("ease", "bspm", "multvae")
BLEND_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
MULTVAE_MAX_EPOCHS, MULTVAE_EVERY = 80, 5
# RecVAE: batch 100 (the paper's 500 leaves ML-100K's 943 users two steps a pass); gamma and
# learning rate from a first look on validation (gamma 0.005 at 5e-4 peaked at 0.239 by
# epoch 15, then overfitted)
RECVAE_GRID = {"gamma": [0.01, 0.02], "learning_rate": [1e-3], "batch_size": [100]}
RECVAE_MAX_EPOCHS, RECVAE_EVERY = 60, 2
#: EASE + BSPM + Mult-VAE + RecVAE, three weights (a weight of 0 drops the member, so this
#: covers RecVAE in place of Mult-VAE as well as beside it)
BLEND_RECVAE_MEMBERS = ("ease", "bspm", "multvae", "recvae")
BLEND_RECVAE_WEIGHTS = (*BLEND_WEIGHTS, 8.0)  # RecVAE's weight took the edge (4) of the first grid
#: SLIM in EASE's place beside the two VAEs (SLIM's weight fixed at 1)
BLEND_SLIM_MEMBERS = ("slim", "multvae", "recvae")
RP3BETA_GRID = {"alpha": [0.5, 0.75, 1.0], "beta": [0.4, 0.5, 0.6, 0.7]}


def valid_ndcg(split: Split, scores_of: Callable[[list[np.ndarray]], np.ndarray]) -> float:
    """Validation NDCG@10 of the scores ``scores_of(histories)`` of the validation users."""
    valid, train = split.valid.matrix(), split.train.matrix()
    users = np.flatnonzero(np.diff(valid.indptr) > 0)
    sequences = split.train.sequences()
    scores = scores_of([sequences[u] for u in users])
    popularity = np.bincount(split.train.items, minlength=split.train.n_items).astype(float)
    top = top_k_items(scores, 10, train[users])
    return ranking_metrics(top, valid[users], k_values=(10,), item_popularity=popularity)["ndcg@10"]


def tune_multvae(split: Split) -> dict[str, Any]:
    """Epochs of Mult-VAE (paper architecture) by validation NDCG@10 every few epochs."""
    model = MultVAE(MultVAEConfig(epochs=MULTVAE_MAX_EPOCHS))
    trials = []
    start = time.perf_counter()
    for done in model.fit_epochs(split.train):
        if done % MULTVAE_EVERY == 0:
            ndcg = valid_ndcg(split, model.score)
            seconds = time.perf_counter() - start
            trials.append(
                {"overrides": {"epochs": done}, "valid_ndcg@10": ndcg, "train_seconds": seconds}
            )
            print(f"multvae epochs={done} valid ndcg@10={ndcg:.4f} ({seconds:.0f}s)", flush=True)
    best = max(trials, key=lambda t: t["valid_ndcg@10"])
    return {
        "overrides": best["overrides"],
        "valid_ndcg@10": best["valid_ndcg@10"],
        "trials": trials,
    }


def tune_recvae(split: Split) -> dict[str, Any]:
    """RecVAE over RECVAE_GRID, each run once for RECVAE_MAX_EPOCHS and scored on validation
    every RECVAE_EVERY epochs; the best (setting, epochs) is kept (early stopping)."""
    trials = []
    for values in itertools.product(*RECVAE_GRID.values()):
        setting = dict(zip(RECVAE_GRID, values, strict=True))
        model = RecVAE(RecVAEConfig(**setting, epochs=RECVAE_MAX_EPOCHS))
        start = time.perf_counter()
        for done in model.fit_epochs(split.train):
            if done % RECVAE_EVERY == 0:
                ndcg = valid_ndcg(split, model.score)
                seconds = time.perf_counter() - start
                overrides = {**setting, "epochs": done}
                trials.append(
                    {"overrides": overrides, "valid_ndcg@10": ndcg, "train_seconds": seconds}
                )
                print(f"recvae {overrides} valid ndcg@10={ndcg:.4f} ({seconds:.0f}s)", flush=True)
    best = max(trials, key=lambda t: t["valid_ndcg@10"])
    return {
        "overrides": best["overrides"],
        "valid_ndcg@10": best["valid_ndcg@10"],
        "trials": trials,
    }


def rp3beta_weights(x: sp.csr_matrix, alpha: float, beta: float) -> np.ndarray:
    """RP3beta: ``(P_iu^alpha · P_ui^alpha) / popularity_j^beta``, rows summing to 1."""
    dense = x.toarray().astype(np.float64)
    user_deg, item_deg = dense.sum(axis=1), dense.sum(axis=0)
    p_ui = (dense / np.maximum(user_deg, 1)[:, None]) ** alpha
    p_iu = (dense.T / np.maximum(item_deg, 1)[:, None]) ** alpha
    w = (p_iu @ p_ui) / np.maximum(item_deg, 1)[None, :] ** beta
    np.fill_diagonal(w, 0.0)
    return np.asarray(w / np.maximum(w.sum(axis=1, keepdims=True), 1e-12))


def tune_rp3beta(split: Split) -> dict[str, Any]:
    """RP3beta's alpha and beta on validation, and its test NDCG@10 at the chosen pair (the
    model is not registered, so the side-by-side run cannot score it)."""
    x = split.train.matrix()
    trials = []
    for alpha, beta in itertools.product(RP3BETA_GRID["alpha"], RP3BETA_GRID["beta"]):
        w = rp3beta_weights(x, alpha, beta)
        ndcg = valid_ndcg(split, lambda h, w=w: np.asarray(history_matrix(h, x.shape[1]) @ w))
        trials.append({"overrides": {"alpha": alpha, "beta": beta}, "valid_ndcg@10": ndcg})
        print(f"rp3beta alpha={alpha} beta={beta} valid ndcg@10={ndcg:.4f}", flush=True)
    best = max(trials, key=lambda t: t["valid_ndcg@10"])
    w = rp3beta_weights(x, **best["overrides"])
    known = (x + split.valid.matrix()).tocsr()
    test = split.test.matrix()
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    popularity = np.bincount(split.train.items, minlength=x.shape[1]).astype(float)
    top = top_k_items(np.asarray(x[users] @ w), 10, known[users])
    test_ndcg = ranking_metrics(top, test[users], k_values=(10,), item_popularity=popularity)
    return {**best, "test_ndcg@10_at_chosen": test_ndcg["ndcg@10"], "trials": trials}


def tune_ensemble(
    split: Split,
    tuned: dict[str, Any],
    member_names: tuple[str, ...] = ENSEMBLE_MEMBERS,
    grid: tuple[float, ...] = ENSEMBLE_WEIGHTS,
) -> dict[str, Any]:
    """Weights of an ensemble over ``member_names`` (each with its tuned settings; the first,
    EASE, weighs 1)."""
    valid, train = split.valid.matrix(), split.train.matrix()
    users = np.flatnonzero(np.diff(valid.indptr) > 0)
    histories = [split.train.sequences()[u] for u in users]
    popularity = np.bincount(split.train.items, minlength=split.train.n_items).astype(float)
    settings = {name: tuned.get(name, {}).get("overrides", {}) for name in member_names}
    fitted = {name: make_model(name, **settings[name]).fit(split.train) for name in settings}
    z = {name: standardise(m.score(histories), histories) for name, m in fitted.items()}
    trials = []
    others = member_names[1:]
    for weights in itertools.product(grid, repeat=len(others)):
        chosen = {
            member_names[0]: 1.0,
            **{n: w for n, w in zip(others, weights, strict=True) if w > 0},
        }
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
    parser.add_argument(
        "--models",
        default=",".join(
            [
                *GRIDS,
                "multvae",
                "rp3beta",
                "ensemble",
                "blend",
                "recvae",
                "blend_recvae",
                "blend_slim",
            ]
        ),
    )
    parser.add_argument("--out", type=Path, default=HERE / "tuned.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data = open_dataset("movielens-100k").interactions()
    split = random_split(data, seed=2020)
    tuned: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    for name in args.models.split(","):
        special = {
            "ensemble": lambda: tune_ensemble(split, tuned),
            "blend": lambda: tune_ensemble(split, tuned, BLEND_MEMBERS, BLEND_WEIGHTS),
            "multvae": lambda: tune_multvae(split),
            "recvae": lambda: tune_recvae(split),
            "blend_recvae": lambda: tune_ensemble(
                split, tuned, BLEND_RECVAE_MEMBERS, BLEND_RECVAE_WEIGHTS
            ),
            "blend_slim": lambda: tune_ensemble(
                split, tuned, BLEND_SLIM_MEMBERS, BLEND_RECVAE_WEIGHTS
            ),
            "rp3beta": lambda: tune_rp3beta(split),
        }
        if name in special:
            tuned[name] = special[name]()
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
