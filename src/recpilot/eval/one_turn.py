"""One-turn protocols.

* **Retrieval** — the simulated user states every attribute of the target in one request
  (:meth:`AttributeSimulator.full_request`); Recall@k is the share of users whose target is
  in the system's top k (one target per user, so recall = hit).
* **Candidate ranking** (MACRec's sequential task) — the user's history, one held-out
  positive (the target) and 9 negatives drawn uniformly from items the user never interacted
  with; a scorer orders the 10 candidates. HR@k = 1 when the positive ranks ≤ k; NDCG@k =
  1 / log2(rank + 1) then (one relevant item, so the ideal DCG is 1). Candidates are shuffled
  before scoring and ties keep the shuffled order, so a constant scorer sits at chance
  (HR@1 = 0.1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel

from recpilot.agent.agent import Agent
from recpilot.eval.holdout import HeldOut, UserCase
from recpilot.eval.simulators import AttributeSimulator
from recpilot.eval.systems import ChatSystem, ModelSystem
from recpilot.tools.base import ToolContext
from recpilot.tools.bus import CandidateBus
from recpilot.tools.ranking import Rank, RankArgs

RANK_KS = (1, 3, 5)
RETRIEVAL_KS = (1, 5, 10)
N_NEGATIVES = 9

Scorer = Callable[[UserCase, list[str]], np.ndarray]  # case, candidate ids -> scores


class RetrievalResult(BaseModel):
    system: str
    users: int
    recall: dict[str, float]
    out_of_catalog_rate: float


class RankingResult(BaseModel):
    scorer: str
    users: int
    hr: dict[str, float]
    ndcg: dict[str, float]


def one_turn_retrieval(
    system: ChatSystem,
    simulator: AttributeSimulator,
    cases: Sequence[UserCase],
    *,
    ks: Sequence[int] = RETRIEVAL_KS,
) -> RetrievalResult:
    hits = {k: 0 for k in ks}
    entries = missing = 0
    for case in cases:
        system.start(case)
        simulator.start(case)
        answer = system.turn(simulator.full_request().text)
        rank = answer.rank_of(case.target_id)
        entries += len(answer.item_ids[: max(ks)])
        missing += sum(1 for i in answer.item_ids[: max(ks)] if i is None)
        for k in ks:
            hits[k] += int(rank is not None and rank <= k)
    n = len(cases)
    return RetrievalResult(
        system=system.name,
        users=n,
        recall={f"recall@{k}": hits[k] / n if n else 0.0 for k in ks},
        out_of_catalog_rate=missing / entries if entries else 0.0,
    )


def candidate_sets(holdout: HeldOut, seed: int) -> list[list[str]]:
    """Per case: [positive, 9 negatives] in a seeded shuffled order."""
    rng = np.random.default_rng(seed)
    all_ids = sorted(holdout.items)
    out = []
    for case in holdout.cases:
        seen = set(case.history) | {case.target_id}
        pool = [i for i in all_ids if i not in seen]
        negatives = [pool[j] for j in rng.choice(len(pool), size=N_NEGATIVES, replace=False)]
        cands = [case.target_id, *negatives]
        out.append([cands[j] for j in rng.permutation(len(cands))])
    return out


def rank_candidates(
    name: str,
    scorer: Scorer,
    cases: Sequence[UserCase],
    candidates: Sequence[list[str]],
    *,
    ks: Sequence[int] = RANK_KS,
) -> RankingResult:
    hr = {k: 0.0 for k in ks}
    ndcg = {k: 0.0 for k in ks}
    for case, cands in zip(cases, candidates, strict=True):
        scores = np.nan_to_num(np.asarray(scorer(case, cands), dtype=np.float64), nan=-np.inf)
        order = np.argsort(-scores, kind="stable")  # ties keep the shuffled order
        rank = int(np.nonzero(np.array(cands)[order] == case.target_id)[0][0]) + 1
        for k in ks:
            if rank <= k:
                hr[k] += 1
                ndcg[k] += 1.0 / math.log2(rank + 1)
    n = len(cases)
    return RankingResult(
        scorer=name,
        users=n,
        hr={f"hr@{k}": v / n if n else 0.0 for k, v in hr.items()},
        ndcg={f"ndcg@{k}": v / n if n else 0.0 for k, v in ndcg.items()},
    )


def model_scorer(system: ModelSystem) -> Scorer:
    def score(case: UserCase, cands: list[str]) -> np.ndarray:
        full = system.scores(list(case.history))
        idx = system.data.lookup_items(cands)
        return np.where(idx >= 0, full[np.clip(idx, 0, None)], -np.inf)

    return score


def agent_rank_scorer(agent: Agent) -> Scorer:
    """The agent's own ``rank`` tool (mode personal) over a bus holding the candidates."""

    def score(case: UserCase, cands: list[str]) -> np.ndarray:
        ctx = ToolContext(
            catalog=agent.catalog,
            models=agent.models,
            resolver=agent.resolver,
            bus=CandidateBus(),
            history=list(case.history),
        )
        ctx.bus.fill(cands, None, "candidate")
        Rank().run(RankArgs(mode="personal"), ctx)
        position = {item: p for p, item in enumerate(ctx.bus.ids())}
        return np.array([-position.get(c, len(cands)) for c in cands], dtype=np.float64)

    return score
