"""The request benchmark: requests written the way people talk, every returned item checked.

A request set is a JSONL file of annotated requests over one catalog. Each annotation says,
in the catalog's own attribute names, what a careful human would accept from every returned
item (``include_all`` / ``include_any`` / ``exclude`` values of categorical attributes,
``ranges`` of numeric ones, titles that must not appear), how many items were asked for
(``n``), and whether the catalog can answer the request at all (``answerable``; ``must_flag``
when part of it cannot be answered). A turn is then one of three outcomes, read from its
:class:`~recpilot.agent.trace.TurnRecord`:

- **satisfied**: items came back, every item meets every expectation and the count is
  honoured (for an unanswerable request: the turn said it did not understand);
- **flagged**: the turn said what it did not understand (``not_understood``) or offered
  popular picks instead of an answer (``answer_kind == "fallback"``), and did not satisfy;
- **silent wrong**: items that break an expectation, or an unanswerable request answered,
  with nothing flagged. The worst outcome.

``movies-45`` is the plan benchmark's 45 requests (:mod:`recpilot.eval.plans`), checked by
its own :class:`~recpilot.eval.plans.Checker` and classified the same way.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from recpilot.agent.agent import Agent
from recpilot.agent.session import Session
from recpilot.agent.trace import TurnRecord
from recpilot.catalog.schema import AttributeKind, Item
from recpilot.catalog.store import Catalog
from recpilot.errors import ConfigError
from recpilot.eval.plans import Checker, PlanCase, load_cases

log = logging.getLogger(__name__)

Outcome = Literal["satisfied", "flagged", "silent_wrong"]
OUTCOMES: tuple[Outcome, ...] = ("satisfied", "flagged", "silent_wrong")


@dataclass(frozen=True)
class RequestSet:
    """A named request file and the catalog its requests are about."""

    name: str
    dataset: str
    file: str
    planted: bool = False  # the catalog is built by recpilot.testing.ensure_catalog


SETS: dict[str, RequestSet] = {
    s.name: s
    for s in (
        RequestSet("movies-wild", "movielens-100k", "requests_movies_wild.jsonl"),
        RequestSet("books", "planted-books", "requests_books.jsonl", planted=True),
        RequestSet("shop", "planted-shop", "requests_shop.jsonl", planted=True),
        RequestSet("movies-45", "movielens-100k", "plan_requests.jsonl"),
        # Written without reading the request reader, before any run; never used to change it.
        RequestSet("movies-unseen", "movielens-100k", "requests_movies_unseen.jsonl"),
        RequestSet("books-unseen", "planted-books", "requests_books_unseen.jsonl", planted=True),
        RequestSet("shop-unseen", "planted-shop", "requests_shop_unseen.jsonl", planted=True),
    )
}


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None


class Expect(BaseModel):
    """What every returned item must satisfy, in the catalog's own attribute names."""

    model_config = ConfigDict(extra="forbid")

    include_all: dict[str, list[str]] = Field(default_factory=dict)
    include_any: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    ranges: dict[str, Bounds] = Field(default_factory=dict)
    n: int | None = Field(None, ge=1)
    not_titles: list[str] = Field(default_factory=list)
    answerable: bool = True
    """False: the catalog cannot answer this (an attribute or value it does not hold); the
    turn must say it did not understand."""
    must_flag: bool = False
    """Part of the request cannot be answered from the catalog: the items must satisfy the
    rest *and* the turn must say what it could not use."""


class RequestCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    kind: str
    expect: Expect
    note: str = ""


@dataclass(frozen=True)
class Case:
    """One request ready to run: its text, and how to find what a turn got wrong."""

    id: str
    text: str
    kind: str
    answerable: bool
    must_flag: bool
    failures: Callable[[TurnRecord], list[str]]


class CaseResult(BaseModel):
    id: str
    text: str
    kind: str
    outcome: Outcome
    reasons: list[str]
    items: list[str]  # "id title"
    not_understood: list[str]
    answer_kind: str
    llm_calls: int
    tokens: int = 0  # prompt + completion tokens of the turn's LLM calls
    total_ms: float
    degraded: bool
    plan_source: str


class SetReport(BaseModel):
    set: str
    dataset: str
    brain: str
    settings: dict[str, object]
    results: list[CaseResult]

    def share(self, outcome: Outcome, results: Iterable[CaseResult] | None = None) -> float:
        rows = list(self.results if results is None else results)
        return round(sum(r.outcome == outcome for r in rows) / max(len(rows), 1), 4)

    def summary(self) -> dict[str, float | int | str]:
        n = max(len(self.results), 1)
        ms = [r.total_ms for r in self.results]
        return {
            "set": self.set,
            "brain": self.brain,
            "validate": str(self.settings.get("validate", True)).lower(),
            "mode": str(self.settings.get("mode", "plan")),
            "requests": len(self.results),
            "satisfied": self.share("satisfied"),
            "flagged": self.share("flagged"),
            "silent_wrong": self.share("silent_wrong"),
            "llm_calls_per_turn": round(sum(r.llm_calls for r in self.results) / n, 3),
            "tokens_per_turn": round(sum(r.tokens for r in self.results) / n, 1),
            "p50_turn_ms": round(float(np.percentile(ms, 50)), 1) if ms else 0.0,
            "p95_turn_ms": round(float(np.percentile(ms, 95)), 1) if ms else 0.0,
            "degraded": sum(r.degraded for r in self.results),
        }

    def by_kind(self) -> dict[str, dict[str, float | int]]:
        kinds: dict[str, list[CaseResult]] = {}
        for r in self.results:
            kinds.setdefault(r.kind, []).append(r)
        return {
            kind: {"requests": len(rows), **{o: self.share(o, rows) for o in OUTCOMES}}
            for kind, rows in sorted(kinds.items())
        }


# ---------------------------------------------------------------------- loading


def load_requests(path: Path | None = None, *, set_name: str | None = None) -> list[RequestCase]:
    """Annotated requests from ``path`` or from the shipped file of ``set_name``."""
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
    else:
        if set_name not in SETS or set_name == "movies-45":
            raise ConfigError(f"no annotated request file for set {set_name!r}")
        text = _data_file(SETS[set_name].file)
    cases = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(RequestCase.model_validate_json(line))
        except ValueError as exc:
            raise ConfigError(f"request file line {number}: {exc}") from None
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ConfigError("request ids must be unique")
    return cases


def _data_file(name: str) -> str:
    return resources.files("recpilot.eval").joinpath(f"data/{name}").read_text(encoding="utf-8")


def annotation_problems(cases: Iterable[RequestCase], catalog: Catalog) -> list[str]:
    """Annotations that name attributes, values or titles the catalog does not hold."""
    problems: list[str] = []
    values: dict[str, set[str]] = {}
    titles = set(catalog.titles().values())
    for case in cases:
        e = case.expect
        for field_name, table in (
            ("include_all", e.include_all),
            ("include_any", e.include_any),
            ("exclude", e.exclude),
        ):
            for attr, wanted in table.items():
                spec = catalog.attribute(attr)
                if spec is None or spec.kind is not AttributeKind.categorical:
                    problems.append(f"{case.id}: {field_name} names {attr!r}, not categorical")
                    continue
                known = values.setdefault(attr, set(catalog.categorical_values(attr)))
                problems += [
                    f"{case.id}: {field_name} {attr}={v!r} is not a catalog value"
                    for v in wanted
                    if v not in known
                ]
        for attr in e.ranges:
            spec = catalog.attribute(attr)
            if spec is None or spec.kind is not AttributeKind.number:
                problems.append(f"{case.id}: ranges names {attr!r}, not a number attribute")
        problems += [f"{case.id}: no title {t!r}" for t in e.not_titles if t not in titles]
    return problems


# ---------------------------------------------------------------------- checking


def item_violations(expect: Expect, item: Item) -> list[str]:
    """Why ``item`` does not meet ``expect`` (empty when it does)."""
    out: list[str] = []
    label = repr(item.title)

    def labels(attr: str) -> set[str]:
        value = item.attributes.get(attr)
        if isinstance(value, list):
            return set(value)
        return set() if value is None else {str(value)}

    for attr, wanted in expect.include_all.items():
        missing = sorted(set(wanted) - labels(attr))
        if missing:
            out.append(f"{label} lacks {attr} {missing}")
    for attr, wanted in expect.include_any.items():
        if not set(wanted) & labels(attr):
            out.append(f"{label} has no {attr} in {wanted}")
    for attr, banned in expect.exclude.items():
        hit = sorted(set(banned) & labels(attr))
        if hit:
            out.append(f"{label} has excluded {attr} {hit}")
    for attr, bounds in expect.ranges.items():
        value = item.attributes.get(attr)
        if not isinstance(value, int | float):
            out.append(f"{label} has no {attr}")
        elif bounds.min is not None and value < bounds.min:
            out.append(f"{label} {attr} {value} < {bounds.min:g}")
        elif bounds.max is not None and value > bounds.max:
            out.append(f"{label} {attr} {value} > {bounds.max:g}")
    if item.title in expect.not_titles:
        out.append(f"{label} was ruled out by the request")
    return out


def turn_failures(expect: Expect, record: TurnRecord, *, catalog: Catalog) -> list[str]:
    """What the turn's items get wrong against ``expect``."""
    if not record.items:
        return ["no items returned"]
    failures: list[str] = []
    if expect.n is not None and len(record.items) != expect.n:
        failures.append(f"{len(record.items)} items, asked for {expect.n}")
    ids = [i.item_id for i in record.items]
    found = catalog.get_items(ids)
    if len(found) != len(set(ids)):
        failures.append("some returned ids are not in the catalog")
    for item in found:
        failures += item_violations(expect, item)
    return failures


def matching_items(expect: Expect, catalog: Catalog) -> list[Item]:
    """Every catalog item that meets ``expect`` (for checking that a request can be met)."""
    return [i for i in catalog.get_items(catalog.item_ids()) if not item_violations(expect, i)]


def flagged(record: TurnRecord) -> bool:
    """The turn says it did not understand (part of) the request."""
    return bool(record.not_understood) or record.answer_kind == "fallback"


def classify(case: Case, record: TurnRecord) -> tuple[Outcome, list[str]]:
    """The outcome of one turn and why it was not satisfied.

    Popular picks offered instead of an answer are *flagged* even when they happen to fit;
    a turn whose items fit everything is *satisfied* even if it also flagged a word."""
    if not case.answerable:
        if flagged(record):
            return "satisfied", []
        return "silent_wrong", ["the catalog cannot answer this; answered without saying so"]
    if record.answer_kind == "fallback":
        return "flagged", ["offered popular picks instead of an answer"]
    reasons = case.failures(record)
    if not reasons and case.must_flag and not flagged(record):
        reasons = ["part of the request cannot be answered from the catalog; not said"]
    if not reasons:
        return "satisfied", []
    return ("flagged" if flagged(record) else "silent_wrong"), reasons


def _plan_failures(checker: Checker, case: PlanCase, record: TurnRecord) -> list[str]:
    return checker.check(case, record)


def cases_for(set_name: str, catalog: Catalog, path: Path | None = None) -> list[Case]:
    """The runnable cases of a set (or of a custom file over ``catalog``)."""
    if set_name == "movies-45" and path is None:
        checker = Checker(catalog)
        return [
            Case(c.id, c.request, "plan", True, False, partial(_plan_failures, checker, c))
            for c in load_cases()
        ]
    requests = load_requests(path, set_name=None if path else set_name)
    problems = annotation_problems(requests, catalog)
    if problems:
        raise ConfigError(
            f"annotations do not fit catalog {catalog.name!r}: " + "; ".join(problems[:5])
        )
    return [
        Case(
            r.id,
            r.text,
            r.kind,
            r.expect.answerable,
            r.expect.must_flag,
            partial(turn_failures, r.expect, catalog=catalog),
        )
        for r in requests
    ]


# ---------------------------------------------------------------------- running


def run_set(
    agent: Agent,
    set_name: str,
    cases: list[Case],
    settings: dict[str, object],
    *,
    progress: bool = False,
) -> SetReport:
    """Run every case as the first turn of a fresh session and classify it."""
    iterator: Iterable[Case] = cases
    if progress:
        from tqdm import tqdm

        iterator = tqdm(cases, desc=f"{set_name} ({agent.brain})", unit="request")
    agent.turn(Session(), "warm-up: something popular")  # load models, untimed
    results = []
    for case in iterator:
        started = time.perf_counter()
        record = agent.turn(Session(), case.text)
        total = (time.perf_counter() - started) * 1000
        outcome, reasons = classify(case, record)
        results.append(
            CaseResult(
                id=case.id,
                text=case.text,
                kind=case.kind,
                outcome=outcome,
                reasons=reasons,
                items=[f"{i.item_id} {i.title}" for i in record.items],
                not_understood=list(record.not_understood),
                answer_kind=record.answer_kind,
                llm_calls=record.llm_calls,
                tokens=sum(c.prompt_tokens + c.completion_tokens for c in record.llm),
                total_ms=round(total, 2),
                degraded=record.degraded,
                plan_source=record.plan_source,
            )
        )
    return SetReport(
        set=set_name,
        dataset=agent.catalog.name,
        brain=agent.brain,
        settings=settings,
        results=results,
    )


# ---------------------------------------------------------------------- reports

SUMMARY_COLUMNS = (
    ("set", "set"),
    ("brain", "brain"),
    ("validate", "validate"),
    ("requests", "requests"),
    ("satisfied", "satisfied"),
    ("flagged", "flagged"),
    ("silent_wrong", "silent wrong"),
    ("llm_calls_per_turn", "LLM calls/turn"),
    ("tokens_per_turn", "tokens/turn"),
    ("p50_turn_ms", "p50 ms"),
    ("p95_turn_ms", "p95 ms"),
)


def cell(key: str, value: object) -> str:
    """A summary value as table text (shares as percentages)."""
    if key in ("satisfied", "flagged", "silent_wrong") and isinstance(value, float):
        return f"{value:.1%}"
    return str(value)


def summary_table(reports: Iterable[SetReport]) -> str:
    """One markdown table row per report."""
    lines = [
        "| " + " | ".join(title for _, title in SUMMARY_COLUMNS) + " |",
        "|" + "---|" * len(SUMMARY_COLUMNS),
    ]
    for report in reports:
        s = report.summary()
        lines.append("| " + " | ".join(cell(k, s[k]) for k, _ in SUMMARY_COLUMNS) + " |")
    return "\n".join(lines)


def report_markdown(report: SetReport) -> str:
    lines = [
        f"# Request benchmark — {report.set} · {report.brain}",
        "",
        f"catalog `{report.dataset}`; settings `{json.dumps(report.settings)}`",
        "",
        summary_table([report]),
        "",
        "## By kind",
        "",
        "| kind | requests | satisfied | flagged | silent wrong |",
        "|---|---|---|---|---|",
    ]
    for kind, row in report.by_kind().items():
        cells = [cell(o, row[o]) for o in OUTCOMES]
        lines.append(f"| {kind} | {row['requests']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Not satisfied",
        "",
        "| id | kind | request | outcome | why |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        if r.outcome != "satisfied":
            why = "; ".join(r.reasons[:3]).replace("|", "/")
            text = r.text.replace("|", "/")
            lines.append(f"| {r.id} | {r.kind} | {text} | {r.outcome} | {why} |")
    return "\n".join(lines) + "\n"


def slug(*parts: str) -> str:
    """A file-name-safe join of ``parts``."""
    return "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in "-".join(parts))


def _validate_label(report: SetReport) -> str:
    """The validate setting ("validate" or "no-validate"), with "-<mode>" for a mode other
    than plan-first."""
    label = "validate" if report.settings.get("validate", True) else "no-validate"
    mode = str(report.settings.get("mode", "plan"))
    return label if mode == "plan" else f"{label}-{mode}"


def write_report(report: SetReport, out: Path) -> tuple[Path, Path]:
    """``requests-<set>-<brain>-<validate>.json`` and ``.md`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    stem = "requests-" + slug(report.set, report.brain, _validate_label(report))
    payload = {"summary": report.summary(), "by_kind": report.by_kind(), **report.model_dump()}
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(report_markdown(report), encoding="utf-8")
    return json_path, md_path


def write_summary(reports: list[SetReport], out: Path) -> Path:
    """One markdown table over several sets of one run (``requests-summary-<brain>-...md``)."""
    out.mkdir(parents=True, exist_ok=True)
    first = reports[0]
    path = out / ("requests-summary-" + slug(first.brain, _validate_label(first)) + ".md")
    path.write_text(summary_table(reports) + "\n", encoding="utf-8")
    return path
