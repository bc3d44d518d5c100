"""Routing accuracy: an annotated set of mixed requests over several catalogs.

Each case (``data/routing_mixed.jsonl``) is a message as people write it (English, Spanish,
French, German) and the catalogs that could answer it; an ambiguous request lists every
acceptable catalog. A pick is right when it is one of them.

For a brain with an LLM, every case is read twice from one LLM call: **routed** is what a
deployment does (the rules' pick when it is clear, else the LLM's), **llm alone** is the
LLM's pick on every case, to show what the model reads by itself.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, Field

from recpilot.errors import ConfigError
from recpilot.llm.base import LLM
from recpilot.service.catalog_cards import CatalogCard
from recpilot.service.routing import Router

CATALOGS = ("movielens-100k", "planted-books", "planted-shop")


class RoutingCase(BaseModel):
    id: str
    lang: str
    message: str
    catalogs: list[str] = Field(min_length=1)
    note: str = ""

    @property
    def ambiguous(self) -> bool:
        return len(self.catalogs) > 1


class CaseResult(BaseModel):
    id: str
    lang: str
    message: str
    expected: list[str]
    picked: str
    routed_by: str
    ok: bool
    llm_pick: str | None = None  # the LLM's own pick (LLM brains)
    llm_ok: bool | None = None
    clear: bool = False  # the rules' reading was clear (a deployment makes no LLM call)
    scores: dict[str, float] = Field(default_factory=dict)
    ms: float = 0.0


class RoutingReport(BaseModel):
    brain: str
    n: int
    correct: int
    accuracy: float
    llm_alone_accuracy: float | None = None
    by_lang: dict[str, list[int]] = Field(default_factory=dict)  # lang -> [correct, n]
    unambiguous: list[int] = Field(default_factory=lambda: [0, 0])  # [correct, n]
    routed_by: dict[str, int] = Field(default_factory=dict)
    # expected (the first acceptable catalog) -> picked -> count, over the wrong picks too
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
    # LLM calls a deployment makes on this set (cases the rules did not read clearly)
    deployed_llm_calls: int = 0
    mean_ms: float = 0.0
    cases: list[CaseResult] = Field(default_factory=list)


def load_cases(path: Path | None = None) -> list[RoutingCase]:
    """The shipped set, or a JSONL file of the same shape."""
    if path is None:
        text = (
            resources.files("recpilot.eval").joinpath("data/routing_mixed.jsonl").read_text("utf-8")
        )
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
    cases = []
    for k, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(RoutingCase.model_validate(json.loads(line)))
        except ValueError as exc:
            raise ConfigError(f"routing case on line {k} is not valid: {exc}") from None
    return cases


def build_cards(names: tuple[str, ...] = CATALOGS) -> list[CatalogCard]:
    """Cards of the named catalogs (planted ones generated on first use)."""
    from recpilot.catalog.datasets import open_dataset
    from recpilot.service.catalog_cards import build_card
    from recpilot.testing.catalogs import PLANTED, ensure_catalog

    cards = []
    for name in names:
        catalog = ensure_catalog(name) if name in PLANTED else open_dataset(name)
        try:
            cards.append(build_card(catalog))
        finally:
            catalog.close()
    return cards


def run_case(router: Router, case: RoutingCase) -> CaseResult:
    started = time.perf_counter()
    scores = router.score(case.message)
    llm_pick = None
    if router.llm is None:
        route = router.decide(case.message, scores)
    else:  # asked on every case: the LLM's own reading is reported too
        llm_pick, call = router.ask_llm(case.message)
        route = router.decide(case.message, scores, asked=(llm_pick, call))
    return CaseResult(
        id=case.id,
        lang=case.lang,
        message=case.message,
        expected=case.catalogs,
        picked=route.catalog,
        routed_by=route.routed_by,
        ok=route.catalog in case.catalogs,
        llm_pick=llm_pick,
        llm_ok=None if router.llm is None else llm_pick in case.catalogs,
        clear=router.clear(scores),
        scores=scores,
        ms=round((time.perf_counter() - started) * 1000, 1),
    )


def evaluate(
    cases: list[RoutingCase],
    cards: list[CatalogCard],
    llm: LLM | None,
    brain: str,
    on_case: Callable[[int, int, CaseResult], None] | None = None,
) -> RoutingReport:
    known = {c.name for c in cards}
    for case in cases:
        if missing := [c for c in case.catalogs if c not in known]:
            raise ConfigError(f"case {case.id} names unknown catalogs: {', '.join(missing)}")
    router = Router(cards, llm)
    results = []
    for k, case in enumerate(cases, 1):
        result = run_case(router, case)
        results.append(result)
        if on_case is not None:
            on_case(k, len(cases), result)
    return summarise(results, brain, llm is not None)


def summarise(results: list[CaseResult], brain: str, with_llm: bool) -> RoutingReport:
    n = len(results)
    correct = sum(r.ok for r in results)
    by_lang: dict[str, list[int]] = {}
    confusion: dict[str, dict[str, int]] = {}
    unambiguous = [0, 0]
    for r in results:
        row = by_lang.setdefault(r.lang, [0, 0])
        row[0] += int(r.ok)
        row[1] += 1
        if len(r.expected) == 1:
            unambiguous[0] += int(r.ok)
            unambiguous[1] += 1
        gold = r.picked if r.ok else r.expected[0]
        cell = confusion.setdefault(gold, {})
        cell[r.picked] = cell.get(r.picked, 0) + 1
    return RoutingReport(
        brain=brain,
        n=n,
        correct=correct,
        accuracy=round(correct / n, 4) if n else 0.0,
        llm_alone_accuracy=round(sum(bool(r.llm_ok) for r in results) / n, 4)
        if with_llm and n
        else None,
        by_lang=by_lang,
        unambiguous=unambiguous,
        routed_by=dict(Counter(r.routed_by for r in results)),
        confusion=confusion,
        deployed_llm_calls=sum(not r.clear for r in results) if with_llm else 0,
        mean_ms=round(sum(r.ms for r in results) / n, 1) if n else 0.0,
        cases=results,
    )
