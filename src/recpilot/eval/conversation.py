"""The conversational protocol (InteRecAgent / iEvaLM) and its metrics.

A simulated user who knows a hidden target talks to a system for up to ``turns`` turns; the
dialogue stops as soon as the target is in the system's top ``k``. Definitions (``N`` =
``turns``, over ``D`` dialogues):

* ``hit@j by turn t`` — share of dialogues whose target was at rank ≤ ``j`` in some turn ≤
  ``t``. A dialogue stops at its first top-``k`` hit, so for ``j < k`` this counts the rank at
  that stopping turn (a later turn might have ranked it higher; we do not ask).
* ``hit@j`` (final) — ``hit@j by turn N``.
* ``AT`` (average turns) — mean of the stopping turn, a miss counting ``N + 1``.
* per turn: LLM calls and tokens (system side; the LLM simulator's calls are reported
  separately), latency p50 / p95 (wall time of the system's answer), degraded-turn rate.
* ``out_of_catalog`` — recommended entries that are not catalog items / all entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field

from recpilot.eval.holdout import UserCase
from recpilot.eval.simulators import Simulator
from recpilot.eval.systems import ChatSystem

log = logging.getLogger(__name__)

HIT_KS = (1, 5, 10)


class TurnStat(BaseModel):
    turn: int
    message: str
    rank: int | None  # 1-based rank of the target, None when absent
    items: list[str | None]
    llm_calls: int
    prompt_tokens: int
    completion_tokens: int
    ms: float
    degraded: bool
    out_of_catalog: int
    leak_rejections: int = 0
    simulator_source: str = "template"


class Dialogue(BaseModel):
    user_id: str
    target_id: str
    turns: list[TurnStat] = Field(default_factory=list)

    def hit_turn(self, j: int) -> int | None:
        """First turn at which the target ranked ≤ ``j``."""
        for stat in self.turns:
            if stat.rank is not None and stat.rank <= j:
                return stat.turn
        return None


class ChatMetrics(BaseModel):
    dialogues: int
    turns: int  # N
    k: int
    hit: dict[str, float]  # "hit@1" ... final, within N turns
    hit_by_turn: dict[str, list[float]]  # "hit@10" -> [turn 1, ..., turn N]
    average_turns: float
    turns_taken: int
    llm_calls_per_turn: float
    tokens_per_turn: float
    calls_by_turn: list[float]
    latency_by_turn_ms: list[float]  # median per turn index
    latency_p50_ms: float
    latency_p95_ms: float
    degraded_rate: float
    out_of_catalog_rate: float
    leak_rejections: int
    simulator_fallbacks: int


def run_dialogue(
    system: ChatSystem, simulator: Simulator, case: UserCase, *, turns: int, k: int
) -> Dialogue:
    """One dialogue; the system only ever sees the simulator's messages."""
    system.start(case)
    simulator.start(case)
    dialogue = Dialogue(user_id=case.user_id, target_id=case.target_id)
    shown: list[str] = []
    for turn in range(1, turns + 1):
        msg = simulator.message(turn, shown)
        answer = system.turn(msg.text)
        top = answer.item_ids[:k]
        rank = answer.rank_of(case.target_id)
        dialogue.turns.append(
            TurnStat(
                turn=turn,
                message=msg.text,
                rank=rank if rank is not None and rank <= k else None,
                items=top,
                llm_calls=answer.llm_calls,
                prompt_tokens=answer.prompt_tokens,
                completion_tokens=answer.completion_tokens,
                ms=round(answer.ms, 3),
                degraded=answer.degraded,
                out_of_catalog=sum(1 for i in top if i is None),
                leak_rejections=msg.rejected,
                simulator_source=msg.source,
            )
        )
        if rank is not None and rank <= k:
            break
        shown = [i for i in top if i is not None]
    return dialogue


def summarize(
    dialogues: Sequence[Dialogue], *, turns: int, k: int, catalog_ids: set[str] | None = None
) -> ChatMetrics:
    """Metrics over finished dialogues (see the module docstring). With ``catalog_ids``, an
    item id outside it also counts as out of catalog."""
    n = len(dialogues)
    stats = [s for d in dialogues for s in d.turns]
    ks = sorted({*HIT_KS, k})
    by_turn = {
        f"hit@{j}": [
            _share(sum(1 for d in dialogues if (h := d.hit_turn(j)) is not None and h <= t), n)
            for t in range(1, turns + 1)
        ]
        for j in ks
    }
    stops = [d.hit_turn(k) or turns + 1 for d in dialogues]
    entries = sum(len(s.items) for s in stats)
    ooc = sum(
        s.out_of_catalog
        + (sum(1 for i in s.items if i is not None and i not in catalog_ids) if catalog_ids else 0)
        for s in stats
    )
    ms = np.array([s.ms for s in stats], dtype=np.float64)
    calls_by_turn, latency_by_turn = [], []
    for t in range(1, turns + 1):
        at = [s for s in stats if s.turn == t]
        calls_by_turn.append(float(np.mean([s.llm_calls for s in at])) if at else 0.0)
        latency_by_turn.append(float(np.median([s.ms for s in at])) if at else 0.0)
    return ChatMetrics(
        dialogues=n,
        turns=turns,
        k=k,
        hit={key: values[-1] if values else 0.0 for key, values in by_turn.items()},
        hit_by_turn=by_turn,
        average_turns=float(np.mean(stops)) if stops else 0.0,
        turns_taken=len(stats),
        llm_calls_per_turn=_share(sum(s.llm_calls for s in stats), len(stats)),
        tokens_per_turn=_share(
            sum(s.prompt_tokens + s.completion_tokens for s in stats), len(stats)
        ),
        calls_by_turn=calls_by_turn,
        latency_by_turn_ms=latency_by_turn,
        latency_p50_ms=float(np.percentile(ms, 50)) if len(ms) else 0.0,
        latency_p95_ms=float(np.percentile(ms, 95)) if len(ms) else 0.0,
        degraded_rate=_share(sum(1 for s in stats if s.degraded), len(stats)),
        out_of_catalog_rate=_share(ooc, entries),
        leak_rejections=sum(s.leak_rejections for s in stats),
        simulator_fallbacks=sum(1 for s in stats if s.simulator_source == "fallback"),
    )


def _share(count: float, total: int) -> float:
    return float(count) / total if total else 0.0


def run_conversations(
    system: ChatSystem,
    simulator: Simulator,
    cases: Sequence[UserCase],
    *,
    turns: int = 5,
    k: int = 10,
    progress: bool = False,
    on_dialogue: Callable[[Dialogue], None] | None = None,
) -> list[Dialogue]:
    """Every case through ``system``; a Rich progress bar on stderr when ``progress``;
    ``on_dialogue`` sees each dialogue as it finishes (to keep partial results of long runs)."""
    if not progress:
        done: list[Dialogue] = []
        for n, case in enumerate(cases, 1):
            done.append(run_dialogue(system, simulator, case, turns=turns, k=k))
            if on_dialogue is not None:
                on_dialogue(done[-1])
            log.info(
                "dialogue %d/%d system=%s hit_turn=%s",
                n,
                len(cases),
                system.name,
                done[-1].hit_turn(k),
            )
        return done
    from rich.console import Console
    from rich.progress import Progress

    out: list[Dialogue] = []
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{system.name} × {simulator.name}", total=len(cases))
        for case in cases:
            out.append(run_dialogue(system, simulator, case, turns=turns, k=k))
            if on_dialogue is not None:
                on_dialogue(out[-1])
            hits = sum(1 for d in out if d.hit_turn(k) is not None)
            bar.update(task, advance=1, description=f"{system.name} hit@{k} {hits}/{len(out)}")
    return out
