"""A weighted blend of several models' scores.

Each member is fitted on the same data; for a history, each member's scores are
standardised over the items *not* in the history (mean 0, standard deviation 1, so scales
as different as EASE's and BPR's add up), then summed with the member's weight. A member
whose scores are constant for a history (EASE on an empty history, say) adds zeros. Weights are tuned on a
validation part (``bench/recbole_side_by_side/tune.py``), never on test.

Members come from the models that score from the history alone (:data:`MEMBER_MODELS`);
an ensemble does not nest. An artifact holds every member's arrays under ``<index>.<key>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ConfigError

from .base import ModelConfig, Recommender

#: Models an ensemble can combine.
MEMBER_MODELS = (
    "pop", "itemknn", "ease", "slim", "gfcf", "bspm", "als", "bpr", "multvae", "recvae",
)  # fmt: skip


def member_class(name: str) -> type[Recommender]:
    """The class of member model ``name`` (ConfigError for a model an ensemble cannot hold)."""
    if name not in MEMBER_MODELS:
        raise ConfigError(f"an ensemble cannot hold {name!r}; members: {', '.join(MEMBER_MODELS)}")
    from .registry import model_class  # on demand: the registry names this module too

    return model_class(name)


class EnsembleMember(BaseModel):
    """One member: a model name, its weight and its settings (its defaults otherwise)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str
    weight: float = Field(gt=0.0, description="Weight of the member's standardised scores.")
    settings: dict[str, int | float | str | bool] = Field(default_factory=dict)

    @field_validator("model")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MEMBER_MODELS:
            raise ValueError(f"unknown member {value!r}; members: {', '.join(MEMBER_MODELS)}")
        return value

    def make(self) -> Recommender:
        cls = member_class(self.model)
        return cls(cls.config_class(**self.settings))


class EnsembleConfig(ModelConfig):
    # Weights tuned on ML-100K's validation part (bench/recbole_side_by_side/tuned.json);
    # each member runs with its own tuned settings (its defaults, and BPR's tuned 128 factors).
    members: tuple[EnsembleMember, ...] = Field(
        (
            EnsembleMember(model="ease", weight=1.0),
            EnsembleMember(model="gfcf", weight=0.5),
            EnsembleMember(model="itemknn", weight=0.1),
            EnsembleMember(model="als", weight=0.1),
            EnsembleMember(model="bpr", weight=0.25, settings={"embedding_size": 128}),
        ),
        min_length=1,
        description="The models blended, with weights and settings.",
    )


def standardise(scores: np.ndarray, histories: Sequence[np.ndarray]) -> np.ndarray:
    """Each row minus its mean, over its standard deviation, both taken over the items not
    in that row's history; a row with no spread becomes zeros."""
    out = np.asarray(scores, dtype=np.float64).copy()
    for row, history in enumerate(histories):
        keep = np.ones(out.shape[1], dtype=bool)
        keep[np.asarray(history, dtype=np.int64)] = False
        values = out[row, keep] if keep.any() else out[row]
        spread = values.std()
        out[row] = (out[row] - values.mean()) / spread if spread > 0 else 0.0
    return out


class Ensemble(Recommender):
    """Weighted sum of standardised member scores."""

    name = "ensemble"
    config_class = EnsembleConfig
    config: EnsembleConfig

    def __init__(self, config: EnsembleConfig | None = None) -> None:
        super().__init__(config)
        self.members: list[Recommender] = []

    @classmethod
    def from_fitted(cls, config: EnsembleConfig, fitted: Sequence[Recommender]) -> Self:
        """An ensemble over members already fitted on the same data (in ``config``'s order,
        names matching) — tuning tries many weights without refitting."""
        if [m.name for m in fitted] != [m.model for m in config.members]:
            raise ConfigError("fitted members do not match the ensemble's member list")
        if len({m.n_items for m in fitted}) != 1 or not all(m.fitted for m in fitted):
            raise ConfigError("ensemble members must all be fitted on the same items")
        model = cls(config)
        model.members = list(fitted)
        model.n_items = fitted[0].n_items
        model.fitted = True
        return model

    def fit(self, data: InteractionData) -> Self:
        self.members = [member.make().fit(data) for member in self.config.members]
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        total = np.zeros((len(histories), self.n_items), dtype=np.float64)
        for spec, member in zip(self.config.members, self.members, strict=True):
            total += spec.weight * standardise(member.score(histories), histories)
        return total.astype(np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {
            f"{index}.{key}": value
            for index, member in enumerate(self.members)
            for key, value in member._state().items()
        }

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.members = []
        for index, spec in enumerate(self.config.members):
            member = spec.make()
            prefix = f"{index}."
            member.n_items = self.n_items
            member._restore(
                {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
            )
            member.fitted = True
            self.members.append(member)
