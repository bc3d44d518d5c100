"""Which models a catalog gets when nobody says: chosen from its size, density and memory.

One policy, used by the agent (``agent/build.py``) and by ``recpilot train``:

* **personal** — EASE where its dense item × item matrix fits (at most ``ease_max_items``
  items and its peak memory within the budget); otherwise implicit ALS (item factors,
  ``n_items × 32`` floats) when items average at least ``als_min_per_item`` interactions,
  else sparse ItemKNN (a few neighbours per item; nothing dense).
* **similar** — sparse ItemKNN with shrunk PMI at every size (its top-k neighbour lists are
  the index: memory grows with ``n_items × k``, never ``n_items²``).
* **embedder** for the text model — MiniLM up to ``minilm_max_items`` items (it embeds a few
  hundred texts a second on two cores), the hashing embedder above.
* **ann** — FAISS approximate search for text and factor neighbours from ``ann_threshold``
  items (``models/ann.py``); exact search below.

Every decision carries its reason, printed by ``recpilot train`` and ``recpilot ask --trace``.
Each is overridable: by the caller (``AgentOptions``, ``recpilot train --models``) or by the
environment (:data:`ENV_OVERRIDES`), which reaches every interface (CLI, server, MCP).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError

from .base import ModelConfig
from .itemknn import ItemKNNConfig
from .registry import model_names

log = logging.getLogger(__name__)

Embedding = Literal["minilm", "hashing"]

# "Like X" means like X: neighbours by pointwise mutual information, not co-occurrence
# cosine, which put Star Wars and Toy Story first for Fargo (docs/similar-items.md).
SIMILAR_CONFIGS: Mapping[str, ModelConfig] = MappingProxyType(
    {"itemknn": ItemKNNConfig(similarity="pmi", shrink=100.0, k=100)}
)

ENV_OVERRIDES = MappingProxyType(
    {
        "personal": "RECPILOT_PERSONAL_MODEL",
        "similar": "RECPILOT_SIMILAR_MODEL",
        "embedder": "RECPILOT_EMBEDDER",
        "ease_max_items": "RECPILOT_EASE_MAX_ITEMS",
        "memory": "RECPILOT_MEMORY_BUDGET",
        "ann_threshold": "RECPILOT_ANN_THRESHOLD",
    }
)
"""Choice field → the environment variable that overrides it."""

MINILM_TEXTS_PER_SECOND = 450  # all-MiniLM-L6-v2 on two CPU cores (docs/scale.md)

EASE_BYTES_PER_CELL = 28
"""EASE's peak while fitting, per item × item cell: the float64 Gram matrix, its inverse and
the weight matrix (8 bytes each) alive together, then the float32 copy it keeps (4)."""


@dataclass(frozen=True)
class CatalogShape:
    """What the policy looks at: counts of items, users and interactions."""

    n_items: int
    n_users: int
    n_interactions: int

    @classmethod
    def of(cls, data: InteractionData) -> CatalogShape:
        return cls(len(data.item_ids), len(data.user_ids), len(data))

    @property
    def density(self) -> float:
        """Share of the user × item matrix that holds an interaction."""
        cells = self.n_items * self.n_users
        return self.n_interactions / cells if cells else 0.0

    @property
    def per_item(self) -> float:
        """Mean interactions per item (density × users)."""
        return self.n_interactions / self.n_items if self.n_items else 0.0


@dataclass(frozen=True)
class ChoicePolicy:
    """The thresholds; :meth:`from_env` applies ``RECPILOT_*`` overrides."""

    ease_max_items: int = 20_000
    memory_fraction: float = 0.6  # of the memory available now, for one model's training
    memory_bytes: int | None = None  # None: read what the machine has available
    als_min_per_item: float = 1.0
    minilm_max_items: int = 50_000  # about two minutes of MiniLM on two cores
    ann_threshold: int = 50_000
    personal: str | None = None  # a fixed choice (override), else chosen
    similar: str | None = None
    embedder: Embedding | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ChoicePolicy:
        env = os.environ if environ is None else environ
        policy = cls()
        updates: dict[str, object] = {}
        for name, var in ENV_OVERRIDES.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            if name in ("personal", "similar"):
                if raw not in model_names():
                    raise ConfigError(f"{var}={raw!r}: valid models: {', '.join(model_names())}")
                updates[name] = raw
            elif name == "embedder":
                if raw not in ("minilm", "hashing"):
                    raise ConfigError(f"{var}={raw!r}: use minilm or hashing")
                updates[name] = raw
            elif name == "memory":
                updates["memory_bytes"] = parse_bytes(raw, var)
            else:
                try:
                    updates[name] = int(raw)
                except ValueError:
                    raise ConfigError(f"{var}={raw!r}: expected a whole number") from None
        return replace(policy, **updates)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ModelSpec:
    """A model name and the config it is trained with."""

    name: str
    config: ModelConfig | None = None


@dataclass(frozen=True)
class ModelChoice:
    """The models chosen for one catalog, each with why."""

    shape: CatalogShape
    personal: ModelSpec
    similar: ModelSpec
    embedder: Embedding
    ann_threshold: int  # items above which text and factor search is approximate
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def ann(self) -> bool:
        return self.shape.n_items > self.ann_threshold

    def specs(self) -> list[ModelSpec]:
        """The interaction models to train (personal first; one entry when they coincide)."""
        if self.personal == self.similar:
            return [self.personal]
        return [self.personal, self.similar]

    def lines(self) -> list[str]:
        """One line per decision: ``personal=als: ...``."""
        values = {
            "personal": self.personal.name,
            "similar": self.similar.name,
            "embedder": self.embedder,
            "ann": "faiss" if self.ann else "exact",
        }
        return [f"{key}={value}: {self.reasons.get(key, '')}" for key, value in values.items()]


def parse_bytes(raw: str, what: str) -> int:
    """``"8G"``, ``"512M"``, ``"1500000000"`` → bytes (ConfigError otherwise)."""
    units = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    scale = units.get(text[-1:], 1)
    number = text[:-1] if text[-1:] in units else text
    try:
        value = float(number)
    except ValueError:
        raise ConfigError(f"{what}={raw!r}: expected bytes such as 8G or 512M") from None
    if value <= 0:
        raise ConfigError(f"{what}={raw!r}: must be positive")
    return int(value * scale)


def available_memory() -> int | None:
    """Bytes of memory available now (Linux ``MemAvailable``, capped by a cgroup limit);
    None where the system does not say."""
    found: int | None = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        found = None
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit.isdigit():
            found = min(found, int(limit)) if found is not None else int(limit)
    except OSError:
        pass
    return found


def ease_peak_bytes(n_items: int) -> int:
    """About how much memory fitting EASE on ``n_items`` items takes at its peak."""
    return EASE_BYTES_PER_CELL * n_items * n_items


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def choose_models(shape: CatalogShape, policy: ChoicePolicy | None = None) -> ModelChoice:
    """The models for a catalog of this shape under ``policy`` (default: from the env)."""
    policy = policy if policy is not None else ChoicePolicy.from_env()
    n = shape.n_items
    reasons: dict[str, str] = {}
    memory = policy.memory_bytes if policy.memory_bytes is not None else available_memory()

    if policy.personal is not None:
        personal = policy.personal
        reasons["personal"] = "set explicitly"
    else:
        personal, reasons["personal"] = _personal(shape, policy, memory)
    if policy.similar is not None:
        similar = policy.similar
        reasons["similar"] = "set explicitly"
    else:
        similar = "itemknn"
        reasons["similar"] = (
            "shrunk-PMI neighbours, sparse: a few per item, so memory grows with items, not items²"
        )
    if policy.embedder is not None:
        embedder: Embedding = policy.embedder
        reasons["embedder"] = "set explicitly"
    elif n <= policy.minilm_max_items:
        embedder = "minilm"
        reasons["embedder"] = f"{n:,} items ≤ {policy.minilm_max_items:,}: MiniLM sentence vectors"
    else:
        embedder = "hashing"
        minutes = n / MINILM_TEXTS_PER_SECOND / 60
        reasons["embedder"] = (
            f"{n:,} items > {policy.minilm_max_items:,}: MiniLM would take about "
            f"{minutes:,.0f} min to embed them on two CPU cores; hashed words and 3-grams instead"
        )
    reasons["ann"] = (
        f"{n:,} items > {policy.ann_threshold:,}: FAISS approximate neighbours"
        if n > policy.ann_threshold
        else f"{n:,} items ≤ {policy.ann_threshold:,}: exact search"
    )
    choice = ModelChoice(
        shape=shape,
        personal=ModelSpec(
            personal, SIMILAR_CONFIGS.get(personal) if personal == similar else None
        ),
        similar=ModelSpec(similar, SIMILAR_CONFIGS.get(similar)),
        embedder=embedder,
        ann_threshold=policy.ann_threshold,
        reasons=reasons,
    )
    log.info("model choice items=%d %s", n, "; ".join(choice.lines()))
    return choice


def _personal(shape: CatalogShape, policy: ChoicePolicy, memory: int | None) -> tuple[str, str]:
    n = shape.n_items
    need = ease_peak_bytes(n)
    budget = None if memory is None else int(memory * policy.memory_fraction)
    if n <= policy.ease_max_items and (budget is None or need <= budget):
        where = (
            "memory not reported by the system; judged by size only"
            if budget is None
            else f"~{_gib(need)} to fit, within {_gib(budget)}"
        )
        return "ease", f"{n:,} items ≤ {policy.ease_max_items:,}: dense EASE fits ({where})"
    why = (
        f"{n:,} items > {policy.ease_max_items:,}"
        if n > policy.ease_max_items
        else f"EASE would need ~{_gib(need)}, over {_gib(budget or 0)} of memory"
    )
    if shape.per_item >= policy.als_min_per_item:
        return "als", (
            f"{why}, so no dense EASE; {shape.per_item:.1f} interactions per item "
            f"(density {shape.density:.1e}) are enough for ALS factors"
        )
    return "itemknn", (
        f"{why}, so no dense EASE; {shape.per_item:.2f} interactions per item "
        f"(density {shape.density:.1e}) are too few for factors: sparse ItemKNN"
    )
