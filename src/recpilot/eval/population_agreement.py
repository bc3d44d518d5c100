"""Does the simulator prefer what real users went on to interact with?

For every real user behind the population: their held-out items (valid + test, never seen by
the profile) are the positives, items they never interacted with (sampled uniformly, seeded)
the negatives. A scorer rates both; the user's AUC is the probability that a random positive
outscores a random negative (ties count one half — the Mann-Whitney statistic). The report
gives the mean over users for the simulator and, for context, for single terms of the rules
model (taste only), popularity only (train counts) and random scores (the measured chance
level; 0.5 in expectation).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from recpilot.eval.population_profiles import ItemFacts, UserProfile

log = logging.getLogger(__name__)

# scorer(user, items, rng) -> one score per item, higher = more likely watched
Scorer = Callable[[UserProfile, np.ndarray, np.random.Generator], np.ndarray]


class AUCResult(BaseModel):
    auc: float  # mean per-user AUC
    stderr: float  # standard error of that mean over users


class AgreementResult(BaseModel):
    users: int
    positives_per_user: float  # mean
    negatives_per_user: int
    chance: float = 0.5
    scorers: dict[str, AUCResult]


@dataclass(frozen=True)
class Probe:
    """One user's agreement set: items in the (shuffled) order a scorer sees them."""

    user: UserProfile
    items: np.ndarray
    positive: np.ndarray  # bool, aligned with items


def user_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Mann-Whitney AUC of ``scores`` for ``positive`` vs the rest (ties count 0.5)."""
    pos = scores[positive]
    neg = scores[~positive]
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("an AUC needs at least one positive and one negative")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def probes(
    users: Sequence[UserProfile],
    n_items: int,
    *,
    negatives: int,
    max_positives: int | None = None,
    seed: int = 0,
) -> list[Probe]:
    """One probe per distinct real user (a reused profile is probed once)."""
    rng = np.random.default_rng(seed)
    out: list[Probe] = []
    seen: set[str] = set()
    for user in users:
        if user.user_id in seen or not user.heldout:
            continue
        seen.add(user.user_id)
        pos = np.asarray(user.heldout, dtype=np.int64)
        if max_positives is not None and len(pos) > max_positives:
            pos = rng.choice(pos, size=max_positives, replace=False)
        known = np.zeros(n_items, dtype=bool)
        known[list(user.history)] = True
        known[list(user.heldout)] = True
        pool = np.flatnonzero(~known)
        if len(pool) == 0:
            continue
        neg = rng.choice(pool, size=min(negatives, len(pool)), replace=False)
        items = np.concatenate([pos, neg])
        flags = np.concatenate([np.ones(len(pos), bool), np.zeros(len(neg), bool)])
        order = rng.permutation(len(items))
        out.append(Probe(user, items[order], flags[order]))
    return out


def agreement(
    probe_set: list[Probe], scorers: dict[str, Scorer], *, seed: int = 0
) -> AgreementResult:
    """Mean per-user AUC of each scorer over ``probe_set``."""
    if not probe_set:
        raise ValueError("no user has held-out items to check agreement against")
    results: dict[str, AUCResult] = {}
    for name, scorer in scorers.items():
        rng = np.random.default_rng(seed)
        per_user = []
        for n, p in enumerate(probe_set, 1):
            per_user.append(user_auc(np.asarray(scorer(p.user, p.items, rng)), p.positive))
            if n % 10 == 0:
                log.info("agreement scorer=%s user %d/%d", name, n, len(probe_set))
        aucs = np.array(per_user)
        stderr = float(aucs.std(ddof=1) / np.sqrt(len(aucs))) if len(aucs) > 1 else 0.0
        results[name] = AUCResult(auc=round(float(aucs.mean()), 4), stderr=round(stderr, 4))
    return AgreementResult(
        users=len(probe_set),
        positives_per_user=round(float(np.mean([p.positive.sum() for p in probe_set])), 2),
        negatives_per_user=int(max(int((~p.positive).sum()) for p in probe_set)),
        scorers=results,
    )


def context_scorers(facts: ItemFacts, taste: Scorer | None = None) -> dict[str, Scorer]:
    """The reference scorers: taste only (rules simulators), popularity only, random."""

    def popularity(user: UserProfile, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return facts.popularity[items]

    def random(user: UserProfile, items: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return rng.random(len(items))

    out: dict[str, Scorer] = {}
    if taste is not None:
        out["taste only"] = taste
    out["popularity only"] = popularity
    out["random"] = random
    return out
