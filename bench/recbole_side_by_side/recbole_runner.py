"""Runs INSIDE the RecBole venv (.bench-venv), driven by driver.py. Not part of recpilot.

    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 .bench-venv/bin/python recbole_runner.py JOB.json

JOB.json: {"data_path", "out_dir", "test_users": [...], "item_ids": [... our item order ...],
"train_sequences": {user: [items in time order]}, "models": [{"name", "dataset",
"sequential", "config": {...}}]}. For each model it trains with RecBole on the pre-split
benchmark files, then writes ``<name>.scores.npy`` (test users × our items, float32; RecBole
already masks train+valid items with -inf) and ``<name>.json`` (RecBole's own valid/test
results and timings: ``init_seconds`` = building the model, where RecBole's EASE, ItemKNN and
Pop compute everything; ``train_epoch_seconds`` = its training epochs).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from recbole.config import Config
from recbole.data import create_dataset, data_preparation
from recbole.data.interaction import Interaction
from recbole.utils import get_model, get_trainer, init_seed
from recbole.utils.case_study import full_sort_scores


def common_config(job: dict, spec: dict) -> dict:
    cfg = {
        "data_path": job["data_path"],
        "benchmark_filename": ["train", "valid", "test"],
        "USER_ID_FIELD": "user_id",
        "ITEM_ID_FIELD": "item_id",
        "load_col": {"inter": ["user_id", "item_id"]},
        "eval_args": {"group_by": "user", "order": "RO", "mode": "full"},
        "metrics": ["Recall", "NDCG", "Hit", "MRR"],
        "topk": [10],
        "valid_metric": "NDCG@10",
        "seed": 2020,
        "reproducibility": True,
        "use_gpu": False,
        "device": "cpu",
        "show_progress": False,
        "eval_batch_size": 4096,
        "checkpoint_dir": str(Path(job["out_dir"]) / "checkpoints"),
        "log_wandb": False,
        "state": "WARNING",
    }
    if spec["sequential"]:
        cfg["load_col"] = {"inter": ["user_id", "item_id", "item_id_list"]}
        # RecBole insists on time ordering for sequential models; with benchmark files it
        # does not re-sort (the rows are used as written).
        cfg["eval_args"] = {"group_by": "user", "order": "TO", "mode": "full"}
    cfg.update(spec["config"])
    return cfg


def sequence_scores(model, dataset, job: dict, max_len: int) -> torch.Tensor:
    """SASRec scores from each test user's TRAIN sequence (same history recpilot scores from)."""
    rows, lengths = [], []
    for user in job["test_users"]:
        seq = job["train_sequences"][user][-max_len:]
        ids = dataset.token2id("item_id", seq) if seq else np.zeros(0, dtype=np.int64)
        padded = np.zeros(max_len, dtype=np.int64)
        padded[: len(ids)] = ids
        rows.append(padded)
        lengths.append(max(len(ids), 1))
    inter = Interaction(
        {
            "item_id_list": torch.as_tensor(np.stack(rows)),
            "item_length": torch.as_tensor(np.asarray(lengths)),
        }
    )
    model.eval()
    with torch.no_grad():
        scores = model.full_sort_predict(inter).view(len(rows), -1)
    scores[:, 0] = -np.inf
    return scores


def run_one(job: dict, spec: dict) -> None:
    out = Path(job["out_dir"])
    config = Config(
        model=spec["model"], dataset=spec["dataset"], config_dict=common_config(job, spec)
    )
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    train_data, valid_data, test_data = data_preparation(config, dataset)
    # RecBole's traditional models (EASE, ItemKNN, Pop) do all their fitting in the model's
    # constructor; time it (best of ``init_repeats``) so their fit is counted, not only the
    # (dummy) training epochs.
    init_seconds = []
    for _ in range(int(spec.get("init_repeats", 1))):
        init_seed(config["seed"], config["reproducibility"])
        start = time.perf_counter()
        model = get_model(config["model"])(config, train_data._dataset).to(config["device"])
        init_seconds.append(time.perf_counter() - start)
    trainer = get_trainer(config["MODEL_TYPE"], config["model"])(config, model)

    epoch_seconds: list[float] = []
    inner = trainer._train_epoch

    def timed_epoch(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            epoch_seconds.append(time.perf_counter() - start)

    trainer._train_epoch = timed_epoch
    start = time.perf_counter()
    _, best_valid = trainer.fit(train_data, valid_data, saved=True, show_progress=False)
    fit_seconds = time.perf_counter() - start
    test_result = trainer.evaluate(test_data, load_best_model=True, show_progress=False)

    if spec["sequential"]:
        scores = sequence_scores(trainer.model, dataset, job, int(config["MAX_ITEM_LIST_LENGTH"]))
    else:
        uids = dataset.token2id("user_id", job["test_users"])
        with torch.no_grad():
            scores = full_sort_scores(uids, trainer.model, test_data)
    columns = dataset.token2id("item_id", job["item_ids"])
    np.save(out / f"{spec['name']}.scores.npy", scores[:, columns].cpu().numpy().astype(np.float32))
    record = {
        "name": spec["name"],
        "model": spec["model"],
        "config": spec["config"],
        "fit_seconds": fit_seconds,
        "init_seconds": min(init_seconds),
        "init_seconds_all": init_seconds,
        "train_epoch_seconds": float(sum(epoch_seconds)),
        "epochs_run": len(epoch_seconds),
        "recbole_valid": {k: float(v) for k, v in dict(best_valid).items()},
        "recbole_test": {k: float(v) for k, v in dict(test_result).items()},
    }
    (out / f"{spec['name']}.json").write_text(json.dumps(record, indent=2))
    print(json.dumps({k: record[k] for k in ("name", "fit_seconds", "recbole_test")}), flush=True)


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    only = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
    torch.set_num_threads(int(job.get("threads", 2)))
    for spec in job["models"]:
        if only is None or spec["name"] in only:
            run_one(job, spec)


if __name__ == "__main__":
    main()
