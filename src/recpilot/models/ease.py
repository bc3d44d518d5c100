"""EASE (Steck 2019): a closed-form item-item linear autoencoder.

``B = I - P · diag(1 / diag(P))`` with ``P = (XᵀX + λI)⁻¹`` and a zero diagonal; a history
``h`` (binary row) scores ``h · B``. Dense ``n_items²`` memory, so the model refuses catalogs
above ``max_items`` with advice instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import numpy as np
from pydantic import Field

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .base import ModelConfig, Recommender, history_matrix


class EASEConfig(ModelConfig):
    reg: float = Field(500.0, gt=0.0, description="L2 penalty λ (tuned on ML-100K validation).")
    max_items: int = Field(20_000, ge=1, description="Largest catalog EASE will invert.")


SMALL_BATCH = 8


class EASE(Recommender):
    """Embarrassingly shallow autoencoder."""

    name = "ease"
    supports_weights = True
    config_class = EASEConfig
    config: EASEConfig

    def __init__(self, config: EASEConfig | None = None) -> None:
        super().__init__(config)
        self.weights = np.zeros((0, 0), dtype=np.float32)

    def fit(self, data: InteractionData) -> Self:
        n = data.n_items
        if n > self.config.max_items:
            gib = n * n * 8 / 2**30
            raise ModelError(
                f"EASE needs a dense {n}×{n} matrix (~{gib:.1f} GiB) for {n} items, above "
                f"max_items={self.config.max_items}; use itemknn or als for this catalog, or "
                f"raise the limit with --set ease.max_items={n} if the memory is there"
            )
        x = data.matrix()
        gram = (x.T @ x).toarray().astype(np.float64)
        gram[np.diag_indices(n)] += self.config.reg
        # numpy's LAPACK inverse: ~3x faster here than scipy.linalg.inv on the same matrix.
        p = np.linalg.inv(gram)
        b = p / (-np.diag(p))
        b[np.diag_indices(n)] = 0.0
        self.weights = np.ascontiguousarray(b, dtype=np.float32)
        self.n_items = n
        self.fitted = True
        return self

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return self._score_weighted(
            histories, [np.ones(len(np.unique(h)), np.float32) for h in histories], unique=True
        )

    def _score_weighted(
        self, histories: Sequence[np.ndarray], weights: Sequence[np.ndarray], unique: bool = False
    ) -> np.ndarray:
        if len(histories) <= SMALL_BATCH:
            # A few histories: sum the history items' rows (reads |h| rows, not the matrix).
            rows = []
            for h, w in zip(histories, weights, strict=True):
                items = np.unique(h) if unique else np.asarray(h, dtype=np.int64)
                rows.append(
                    w @ self.weights[items] if len(items) else np.zeros(self.n_items, np.float32)
                )
            return np.asarray(rows, dtype=np.float32).reshape(len(histories), self.n_items)
        # Many histories (evaluation): dense history rows times the weights, one BLAS call.
        h = (
            history_matrix(histories, self.n_items)
            if unique
            else history_matrix(histories, self.n_items, weights)
        ).toarray()
        return np.asarray(h @ self.weights, dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights = np.ascontiguousarray(arrays["weights"], dtype=np.float32)
