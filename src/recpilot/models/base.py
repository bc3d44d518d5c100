"""The one interface every recommender model implements.

A model is fitted on :class:`~recpilot.catalog.interactions.InteractionData` and scores the
whole item vocabulary (or a candidate subset) for *histories*: arrays of item indices in
time order — a user's past interactions, or a set of seed items. Unknown candidate indices
score NaN; unknown history indices are ignored. Nothing here raises for unknown ids.

Artifacts are saved without pickle: ``config.json`` plus ``arrays.npz`` (loaded with
``allow_pickle=False``).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError


class ModelConfig(BaseModel):
    """Base of every model's typed configuration (standard field names: ``k``,
    ``embedding_size``, ``epochs``, ``learning_rate``, ``reg``, ``seed``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Recommender(ABC):
    """fit / score / similar / save / load."""

    name: ClassVar[str]
    config_class: ClassVar[type[ModelConfig]]

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config if config is not None else self.config_class()
        self.n_items: int = 0
        self.fitted = False

    # -- the role --------------------------------------------------------------------
    @abstractmethod
    def fit(self, data: InteractionData) -> Self:
        """Train on ``data``; returns ``self``."""

    @abstractmethod
    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        """Scores over all items, shape ``(len(histories), n_items)``, float32. Histories
        hold only valid indices."""

    #: Whether :meth:`score` uses per-item history weights (linear item-item models do;
    #: sequential and factor models read the order or the set only and ignore them).
    supports_weights: ClassVar[bool] = False

    def score(
        self,
        histories: Sequence[Sequence[int] | np.ndarray],
        candidates: Sequence[int] | np.ndarray | None = None,
        weights: Sequence[Sequence[float] | np.ndarray] | None = None,
    ) -> np.ndarray:
        """Scores for each history over all items (or over ``candidates``, in that order).

        Candidate indices outside the vocabulary score NaN; history indices outside it are
        dropped. ``weights`` (aligned with each history) say how much each history item
        counts — a profile's decayed weights, say; models without ``supports_weights``
        ignore them. Higher is better.
        """
        self._check_fitted()
        if weights is not None and self.supports_weights:
            pairs = [self._clean_weighted(h, w) for h, w in zip(histories, weights, strict=True)]
            clean = [h for h, _ in pairs]
            full = self._score_weighted(clean, [w for _, w in pairs])
        else:
            clean = [self._clean(h) for h in histories]
            full = self._score(clean) if clean else np.zeros((0, self.n_items), dtype=np.float32)
        full = full.astype(np.float32, copy=False)
        if candidates is None:
            return full
        cand = np.asarray(candidates, dtype=np.int64)
        valid = (cand >= 0) & (cand < self.n_items)
        out = np.full((len(clean), len(cand)), np.nan, dtype=np.float32)
        out[:, valid] = full[:, cand[valid]]
        return out

    def similar(
        self, seeds: Sequence[int] | np.ndarray, k: int = 10
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` items most similar to the seed set (seeds excluded): (indices, scores)."""
        self._check_fitted()
        seeds_arr = self._clean(seeds)
        if len(seeds_arr) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.score([seeds_arr])[0].copy()
        scores[seeds_arr] = -np.inf
        return top_k(scores, k)

    # -- persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write ``config.json`` and ``arrays.npz`` to ``directory``."""
        self._check_fitted()
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"model": self.name, "n_items": self.n_items, "config": self.config.model_dump()}
        arrays = self._state()
        np.savez(directory / "arrays.npz", **arrays)  # type: ignore[arg-type]
        (directory / "config.json").write_text(json.dumps(meta, indent=2))

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load an artifact written by :meth:`save`."""
        try:
            meta = json.loads((directory / "config.json").read_text())
            with np.load(directory / "arrays.npz", allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load model artifact in {directory}: {exc}") from exc
        if meta.get("model") != cls.name:
            raise ModelError(f"{directory} holds a {meta.get('model')!r} model, not {cls.name!r}")
        model = cls(cls.config_class(**meta["config"]))
        model.n_items = int(meta["n_items"])
        model._restore(arrays)
        model.fitted = True
        return model

    @abstractmethod
    def _state(self) -> dict[str, np.ndarray]:
        """Arrays that fully describe the fitted model."""

    @abstractmethod
    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`_state`."""

    # -- helpers ------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ModelError(f"{self.name} model is not fitted; call fit() or load() first")

    def _clean(self, history: Sequence[int] | np.ndarray) -> np.ndarray:
        arr = np.asarray(history, dtype=np.int64).ravel()
        return arr[(arr >= 0) & (arr < self.n_items)]

    def _clean_weighted(
        self, history: Sequence[int] | np.ndarray, weights: Sequence[float] | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        arr = np.asarray(history, dtype=np.int64).ravel()
        w = np.asarray(weights, dtype=np.float32).ravel()
        if len(w) != len(arr):
            raise ModelError(f"{len(w)} weights for a history of {len(arr)} items")
        keep = (arr >= 0) & (arr < self.n_items)
        return arr[keep], w[keep]

    def _score_weighted(
        self, histories: Sequence[np.ndarray], weights: Sequence[np.ndarray]
    ) -> np.ndarray:
        """Weighted scores; only models with ``supports_weights`` override this."""
        return self._score(histories)

    def describe(self) -> dict[str, Any]:
        return {"model": self.name, "config": self.config.model_dump()}


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values of the ``k`` largest finite scores, best first (ties: lower index)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    k = min(k, len(finite))
    vals = scores[finite]
    part = np.argpartition(-vals, k - 1)[:k] if k < len(vals) else np.arange(len(vals))
    order = np.lexsort((finite[part], -vals[part]))
    chosen = finite[part][order]
    return chosen.astype(np.int64), scores[chosen].astype(np.float32)


def history_matrix(
    histories: Sequence[np.ndarray], n_items: int, weights: Sequence[np.ndarray] | None = None
) -> sp.csr_matrix:
    """``len(histories) × n_items`` CSR matrix of (already cleaned) histories: binary
    (repeated items count once), or the given per-item weights (repeats add up)."""
    if weights is not None:
        rows = np.repeat(np.arange(len(histories)), [len(h) for h in histories])
        cols = (
            np.concatenate([np.asarray(h, dtype=np.int64) for h in histories])
            if histories
            else np.zeros(0, dtype=np.int64)
        )
        data = (
            np.concatenate([np.asarray(w, dtype=np.float32) for w in weights])
            if weights
            else np.zeros(0, dtype=np.float32)
        )
        return sp.csr_matrix((data, (rows, cols)), shape=(len(histories), n_items))
    lengths = [len(h) for h in histories]
    rows = np.repeat(np.arange(len(histories)), lengths)
    cols = (
        np.concatenate([np.asarray(h, dtype=np.int64) for h in histories])
        if histories
        else np.zeros(0, dtype=np.int64)
    )
    m = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(len(histories), n_items)
    )
    m.data[:] = 1.0
    return m
