"""Demonstrations: (request → plan) examples shipped as data, retrieved per message.

Dynamic mode embeds the bank once and picks the ``k`` examples nearest to each message;
fixed mode always shows the same first ``k``. The bank grows with ``recpilot demos generate``
(validated plans only) and from successful real turns.

Demonstrations are data that belong to a catalog: the shipped bank (movie requests, none of
them a paraphrase of a request in the benchmarks under ``eval/data``), a catalog's own
``<name>.demos.jsonl`` beside its file, and — for a catalog the shipped bank does not fit —
a few written from the catalog's own attributes and values (:func:`synthesised`). Only
demonstrations whose attributes, values and titles exist in the catalog are shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from recpilot.agent.plan import Plan, ToolCall
from recpilot.agent.untrusted import looks_like_instructions
from recpilot.catalog.profile import AttributeProfile, CatalogProfile, Role
from recpilot.catalog.schema import AttributeKind
from recpilot.models.embedders import Embedder
from recpilot.tools.resolve import TitleResolver

MIN_FITTING = 10  # fewer shipped demonstrations fit a catalog: add synthesised ones
SHARED_CHARS = 200  # the longest request kept as a demonstration for every user


@dataclass(frozen=True)
class Demonstration:
    request: str
    plan: Plan


def load_bank(*paths: Path | None) -> list[Demonstration]:
    """The shipped bank, plus the banks at ``paths`` that exist (a user's grown bank, a
    catalog's own). Their requests reach every user's planner, so one that is not
    :func:`shareable` is skipped, whoever wrote it there."""
    text = resources.files("recpilot.agent").joinpath("data/demos.jsonl").read_text("utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    for path in paths:
        if path is not None and path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            added = [json.loads(line) for line in lines if line.strip()]
            rows += [row for row in added if shareable(row["request"])]
    return [Demonstration(row["request"], Plan.model_validate(row["plan"])) for row in rows]


def shareable(request: str, unexplained: Sequence[str] = ()) -> bool:
    """Whether one user's request may become a demonstration every user's planner reads:
    short, every word read by the rules (``unexplained`` empty: no free text, no personal
    detail) and nothing that speaks to the system ("remember", "always", "ignore your
    instructions", links, chat markers)."""
    return (
        bool(request.strip())
        and len(request) <= SHARED_CHARS
        and not unexplained
        and not looks_like_instructions(request)
    )


def catalog_bank(
    bank: list[Demonstration], profile: CatalogProfile, resolver: TitleResolver
) -> list[Demonstration]:
    """The demonstrations that fit the catalog, topped up with synthesised ones."""
    fitting = [d for d in bank if fits(d, profile, resolver)]
    if len(fitting) < MIN_FITTING:
        fitting += synthesised(profile, list(resolver.titles.values()))
    return fitting


def fits(demo: Demonstration, profile: CatalogProfile, resolver: TitleResolver) -> bool:
    """Whether every attribute, value and title in the demonstration exists in the catalog."""
    for step in demo.plan.steps:
        args = step.args
        for key in ("include", "exclude"):
            for attribute, values in (args.get(key) or {}).items():
                if any(profile.canonical(attribute, v) is None for v in values):
                    return False
        for attribute in args.get("ranges") or {}:
            spec = profile.get(attribute)
            if spec is None or spec.kind != AttributeKind.number:
                return False
        titles = [*args.get("titles", []), *args.get("prefer", []), *args.get("unwanted", [])]
        if any(resolver.resolve(t).status != "resolved" for t in titles):
            return False
    return True


def synthesised(profile: CatalogProfile, titles: list[str]) -> list[Demonstration]:
    """Demonstrations written from the catalog's own attributes and values, so the planner
    sees this catalog's attribute names (deterministic: first values, middle of ranges)."""
    category = profile.role(Role.category) or next(
        (a for a in profile.categorical if a.values), None
    )
    out: list[Demonstration] = []
    if category is None or len(category.values) < 3:
        return out
    a, b, c = (v.lower() for v in category.values[:3])
    name = category.name

    def demo(request: str, *steps: tuple[str, dict[str, object]], n: int = 5) -> None:
        calls = [ToolCall(tool=t, args=dict(args)) for t, args in steps]
        calls += [
            ToolCall(tool="rank", args={"mode": "personal"}),
            ToolCall(tool="finalize", args={"n": n}),
        ]
        out.append(Demonstration(request, Plan(steps=calls)))

    values = category.values
    demo(f"something {a}, please", ("search_catalog", {"include": {name: [values[0]]}}))
    demo(
        f"I can't stand {b}. What else is there?",
        ("search_catalog", {"exclude": {name: [values[1]]}}),
    )
    demo(f"three {c} picks", ("search_catalog", {"include": {name: [values[2]]}}), n=3)
    others = [x for x in profile.categorical if x.name != name and x.values]
    for other in others[:2]:
        value = other.values[len(other.values) // 2]
        demo(
            f"{value} {a}",
            ("search_catalog", {"include": {name: [values[0]], other.name: [value]}}),
        )
    for spec in profile.numeric[:3]:
        demo(*_range_demo(spec, values[0], name))
    if titles:
        out.append(
            Demonstration(
                f"more like {titles[0]}",
                Plan(
                    steps=[
                        ToolCall(tool="retrieve_similar", args={"titles": [titles[0]]}),
                        ToolCall(tool="finalize", args={"n": 5}),
                    ]
                ),
            )
        )
    return out


def _range_demo(
    spec: AttributeProfile, value: str, category: str
) -> tuple[str, tuple[str, dict[str, object]]]:
    low, high = spec.low or 0.0, spec.high or 0.0
    middle = round((low + high) / 2)
    if spec.role == Role.time:
        request = f"{value.lower()} from before {middle}"
        bounds: dict[str, object] = {"min": None, "max": middle - 1}
    else:
        unit = spec.units[0] if spec.units else spec.name
        request = f"{value.lower()} under {middle} {unit}"
        bounds = {"min": None, "max": middle}
    return request, (
        "search_catalog",
        {"include": {category: [value]}, "ranges": {spec.name: bounds}},
    )


class DemoSelector:
    """Chooses the demonstrations shown to the planner for one message."""

    def __init__(
        self,
        bank: list[Demonstration],
        embedder: Embedder,
        k: int = 3,
        mode: Literal["dynamic", "fixed"] = "dynamic",
    ) -> None:
        self.bank = bank
        self.embedder = embedder
        self.k = k
        self.mode = mode
        self._vectors: np.ndarray | None = None

    def select(self, message: str) -> list[Demonstration]:
        if self.mode == "fixed" or not self.bank:
            return self.bank[: self.k]
        if self._vectors is None:
            self._vectors = self.embedder.encode([d.request for d in self.bank])
        query = self.embedder.encode([message])[0]
        sims = self._vectors @ query
        order = np.argsort(-sims, kind="stable")[: self.k]
        # Most similar last: closest to the question in the prompt.
        return [self.bank[int(i)] for i in order[::-1]]
