"""Train / validation / test splits of an :class:`InteractionData`.

Two protocols, both per user (every user's interactions are divided, so a test user is
always a known user):

* :func:`random_split` — RecBole's ``RO_RS`` with ``group_by: user`` (``eval_args.split:
  {'RS': [0.8, 0.1, 0.1]}``): each user's interactions are shuffled and cut 8/1/1 with
  RecBole 1.2.1's rounding (``Dataset._calcu_split_ids``, reproduced in :func:`split_counts`).
* :func:`temporal_leave_last_out` — RecBole's ``TO_LS`` (``{'LS': 'valid_and_test'}``): the
  last interaction by timestamp is the test item, the second-to-last the validation item.

All three parts share the vocabularies of the input, so indices mean the same thing in each.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_SEED = 2020
TRAIN, VALID, TEST = 0, 1, 2


@dataclass(frozen=True)
class Split:
    """Train / valid / test parts over the same user and item vocabularies.

    ``name`` is the protocol (``random`` or ``temporal``), ``seed`` the shuffle seed (``None``
    for the deterministic temporal split), ``dataset`` the catalog's dataset name (may be
    empty for synthetic data).
    """

    name: str
    seed: int | None
    train: InteractionData
    valid: InteractionData
    test: InteractionData
    dataset: str = ""

    @cached_property
    def key(self) -> str:
        """A cache key for models trained on ``train``: dataset, protocol, seed and a short
        fingerprint of the training interactions (so two different inputs never share one)."""
        digest = hashlib.sha1()
        digest.update(np.ascontiguousarray(self.train.users, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(self.train.items, dtype=np.int64).tobytes())
        digest.update(f"{self.train.n_users}x{self.train.n_items}".encode())
        seed = "na" if self.seed is None else str(self.seed)
        return f"{self.dataset or 'data'}-{self.name}-{seed}-{digest.hexdigest()[:10]}"

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def split_counts(total: int, ratios: tuple[float, ...]) -> list[int]:
    """How many of ``total`` interactions go to each part — RecBole 1.2.1's rule.

    Every part but the first is rounded down; then, while the first part keeps more than
    one interaction, each later part (from the last) whose exact share is in (0, 1) gets one
    interaction from the first. So a user with 1 interaction is train-only, 2 give
    train 1 / valid 0 / test 1, 3 give 1/1/1, and 4–9 give n−2/1/1 (for 8/1/1 ratios).
    """
    norm = sum(ratios)
    shares = [r / norm for r in ratios]
    cnt = [int(s * total) for s in shares]
    cnt[0] = total - sum(cnt[1:])
    for i in range(1, len(shares)):
        if cnt[0] <= 1:
            break
        if 0 < shares[-i] * total < 1:
            cnt[-i] += 1
            cnt[0] -= 1
    return cnt


def _check_ratios(ratios: tuple[float, ...]) -> tuple[float, float, float]:
    if len(ratios) != 3 or any(not np.isfinite(r) or r < 0 for r in ratios) or ratios[0] <= 0:
        raise ConfigError(
            f"split ratios must be three non-negative numbers with a positive train share, "
            f"got {ratios!r}; use e.g. (0.8, 0.1, 0.1)"
        )
    return (float(ratios[0]), float(ratios[1]), float(ratios[2]))


def _parts(data: InteractionData, part: np.ndarray, name: str, seed: int | None) -> Split:
    return Split(
        name=name,
        seed=seed,
        train=data.subset(part == TRAIN),
        valid=data.subset(part == VALID),
        test=data.subset(part == TEST),
    )


def random_split(
    data: InteractionData,
    ratios: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = DEFAULT_SEED,
) -> Split:
    """Per user, a random ``ratios`` split of their interactions (RecBole ``RO_RS``, by user).

    The interactions are shuffled once with ``numpy.random.default_rng(seed)`` and grouped by
    user keeping the shuffled order; each user's first ``split_counts(n)[0]`` go to train, the
    next to valid, the rest to test. Users with fewer than 3 interactions follow RecBole:
    one interaction → train only; two → one train, one test, none in valid. The same seed and
    input always give the same split. (The shuffle is numpy's, not RecBole's torch one, so the
    split is not RecBole's own split for seed 2020; the side-by-side bench hands RecBole this
    split as pre-split files instead.)
    """
    shares = _check_ratios(ratios)
    n = len(data)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    grouped = perm[np.argsort(data.users[perm], kind="stable")]
    users_sorted = data.users[grouped]
    totals = np.bincount(data.users, minlength=data.n_users)
    starts = np.concatenate(([0], np.cumsum(totals)[:-1]))
    position = np.arange(n) - starts[users_sorted]
    # cut points per distinct user size (few distinct sizes; computed once each)
    cuts = {int(t): np.cumsum(split_counts(int(t), shares)) for t in np.unique(totals) if t}
    train_end = np.array([cuts[int(t)][0] if t else 0 for t in totals])
    valid_end = np.array([cuts[int(t)][1] if t else 0 for t in totals])
    part_sorted = np.full(n, TEST, dtype=np.int8)
    part_sorted[position < valid_end[users_sorted]] = VALID
    part_sorted[position < train_end[users_sorted]] = TRAIN
    part = np.empty(n, dtype=np.int8)
    part[grouped] = part_sorted
    split = _parts(data, part, "random", seed)
    logger.info("random split seed=%s sizes=%s", seed, split.sizes())
    return split


def temporal_leave_last_out(data: InteractionData) -> Split:
    """Per user by timestamp: last interaction → test, second-to-last → valid, rest → train.

    RecBole ``TO_LS`` (``valid_and_test``) semantics: a user with one interaction is
    train-only; with two, one train and one test. Ties in time keep input order. Raises
    :class:`ConfigError` when the data has no timestamps.
    """
    if data.timestamps is None:
        raise ConfigError(
            "temporal split needs timestamps, and this dataset has none; "
            "use the random split (--split random) or ingest a timestamp column"
        )
    n = len(data)
    order = data.order()  # by (user, timestamp), stable
    users_sorted = data.users[order]
    totals = np.bincount(data.users, minlength=data.n_users)
    ends = np.cumsum(totals)
    from_end = ends[users_sorted] - 1 - np.arange(n)  # 0 for a user's last interaction
    held = np.minimum(2, totals - 1)[users_sorted]  # how many this user leaves out
    part_sorted = np.full(n, TRAIN, dtype=np.int8)
    part_sorted[(from_end == 0) & (held >= 1)] = TEST
    part_sorted[(from_end == 1) & (held >= 2)] = VALID
    part = np.empty(n, dtype=np.int8)
    part[order] = part_sorted
    split = _parts(data, part, "temporal", None)
    logger.info("temporal leave-last-out sizes=%s", split.sizes())
    return split


def make_split(data: InteractionData, kind: str, *, seed: int = DEFAULT_SEED) -> Split:
    """``random`` or ``temporal`` by name (the CLI's ``--split``)."""
    if kind == "random":
        return random_split(data, seed=seed)
    if kind == "temporal":
        return temporal_leave_last_out(data)
    raise ConfigError(f"unknown split {kind!r}; choose 'random' or 'temporal'")
