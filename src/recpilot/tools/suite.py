"""The trained models a turn's tools use, addressed by catalog id.

Tools speak catalog ids; models speak dense indices. ``ModelSuite`` is the one place that
maps between them, so a tool never handles an index it could get wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from recpilot.models.ann import VectorIndex
from recpilot.models.base import Recommender
from recpilot.models.choice import ModelChoice
from recpilot.models.text import TextEmbedding

log = logging.getLogger(__name__)

TextSearch = Callable[[str], np.ndarray]  # query text -> cosine per item index
CONTENT_POOL = 2000  # nearest items an approximate content search scores


@dataclass
class ModelSuite:
    """Scores over the whole item vocabulary (aligned with ``item_ids``)."""

    item_ids: list[str]
    personal: Recommender
    similar: Recommender
    popularity: np.ndarray  # interactions per item
    text_model: Callable[[], Recommender | None] = field(default=lambda: None)
    text_search: Callable[[], TextSearch | None] = field(default=lambda: None)
    years: np.ndarray | None = None  # per item, NaN where unknown
    # Items × main-category values, rows L2-normalised: "like X" also leans to X's categories.
    categories: np.ndarray | None = None
    category_weight: float = 0.2  # tuned on the validation split (docs/similar-items.md)
    min_interactions_for_cf: int = 5
    choice: ModelChoice | None = None  # which models were chosen for the catalog, and why
    # A factor similar model (ALS, BPR): its unit item factors, searched by cosine.
    similar_vectors: VectorIndex | None = None

    def __post_init__(self) -> None:
        self.index = {item_id: k for k, item_id in enumerate(self.item_ids)}

    @cached_property
    def sorted_popularity(self) -> np.ndarray:
        """Every item's interaction count, ascending (popularity percentiles read it)."""
        return np.sort(np.asarray(self.popularity, dtype=np.float64))

    def indices(self, ids: Sequence[str]) -> np.ndarray:
        return np.array([self.index[i] for i in ids if i in self.index], dtype=np.int64)

    def personal_scores(
        self, history: Sequence[str], weights: dict[str, float] | None = None
    ) -> np.ndarray:
        """The personal model's scores for a history; ``weights`` (item id → weight) make
        some history items count more (items missing from it count as the lightest)."""
        known = [i for i in history if i in self.index]
        if not known:
            return self.popularity_scores()
        idx = self.indices(known)
        if not weights:
            return self.personal.score([idx])[0]
        floor = min(weights.values())
        w = [weights.get(i, floor) for i in known]
        return self.personal.score([idx], weights=[w])[0]

    def similar_scores(
        self, seeds: Sequence[str], candidates: Sequence[str] | None = None
    ) -> tuple[np.ndarray, str]:
        """Item-CF similarity to the seeds; content embeddings for seeds with too few
        interactions for CF to know them (new items). Returns scores and the method.

        Over an approximate text index, content similarity is exact for ``candidates`` (the
        bus being re-scored), else it covers the seeds' nearest :data:`CONTENT_POOL`."""
        idx = self.indices(seeds)
        if len(idx) == 0:
            return np.zeros(len(self.item_ids), dtype=np.float32), "none"
        known = idx[self.popularity[idx] >= self.min_interactions_for_cf]
        if len(known) == len(idx):
            scores = self._cf(idx, candidates)
            if self.categories is None:
                return scores, "item-CF"
            overlap = self.categories @ self.categories[idx].mean(axis=0)
            blended = np.where(scores > 0, scores + self.category_weight * overlap, scores)
            return blended.astype(np.float32), "item-CF + categories"
        text = self.text_model()
        if text is None:
            return self._cf(idx, candidates), "item-CF"
        content = _unit(self._content(text, idx, candidates))
        if len(known):
            content = content + _unit(self._cf(known, candidates))
        return content, "item-CF + content"

    def _cf(self, seeds: np.ndarray, candidates: Sequence[str] | None) -> np.ndarray:
        """The similar model's scores; for a factor model, the cosine of each item's factor
        to the seeds' mean: every item below the index's threshold, above it the nearest
        :data:`CONTENT_POOL` (approximate) or exactly the ``candidates`` being re-scored."""
        index = self.similar_vectors
        if index is None:
            return self.similar.score([seeds])[0]
        query = index.vectors[seeds].mean(axis=0)
        if not index.approximate:
            return np.asarray(index.vectors @ query, dtype=np.float32)
        out = np.zeros(len(self.item_ids), dtype=np.float32)
        if candidates is not None:
            at = self.indices(candidates)
            out[at] = index.vectors[at] @ query
        else:
            near, cosines = index.nearest(query, CONTENT_POOL, exclude=seeds)
            out[near] = cosines
        return out

    def _content(
        self, text: Recommender, seeds: np.ndarray, candidates: Sequence[str] | None
    ) -> np.ndarray:
        if not (isinstance(text, TextEmbedding) and text.vector_index().approximate):
            return text.score([seeds])[0]
        out = np.zeros(len(self.item_ids), dtype=np.float32)
        if candidates is not None:
            at = self.indices(candidates)
            out[at] = text.seed_scores(seeds, at)
        else:
            near, cosines = text.similar(seeds, k=CONTENT_POOL)
            out[near] = cosines
        return out

    def semantic_scores(self, text: str) -> np.ndarray | None:
        search = self.text_search()
        return None if search is None else search(text)

    def popularity_scores(self) -> np.ndarray:
        return self.popularity.astype(np.float32)

    def recency_scores(self) -> np.ndarray:
        if self.years is None:
            return np.zeros(len(self.item_ids), dtype=np.float32)
        years = np.nan_to_num(self.years, nan=0.0)
        # Newer first; popularity breaks ties within a year.
        return (years * 1e4 + np.log1p(self.popularity)).astype(np.float32)


def _unit(scores: np.ndarray) -> np.ndarray:
    finite = np.nan_to_num(scores, nan=0.0, neginf=0.0, posinf=0.0)
    top = float(np.max(np.abs(finite))) if finite.size else 0.0
    return finite / top if top > 0 else finite
