"""Cold start for items: an item added to the catalog after the models were trained has
no interactions and no model index, but it has content. Its text embedding (the text
model's embedder over the catalog's item text) places it next to items a user liked."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recpilot.catalog.schema import Item
from recpilot.catalog.store import Catalog
from recpilot.models.embedders import normalize_rows
from recpilot.models.text import TextEmbedding
from recpilot.tools.suite import ModelSuite

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewItemMatch:
    item_id: str
    similarity: float  # cosine to the closest liked item
    anchor: str  # that liked item


class NewItems:
    """Items of the catalog that the trained models do not know."""

    def __init__(self, catalog: Catalog, models: ModelSuite) -> None:
        self.catalog = catalog
        self.models = models
        self._ids: list[str] = []
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        self._seen_catalog_size = -1

    def add(self, items: Sequence[Item]) -> None:
        """Add brand-new items to the catalog (one transaction) and embed them."""
        self.catalog.add_items(items)
        self.refresh()

    def refresh(self) -> None:
        catalog_ids = self.catalog.item_ids()
        if len(catalog_ids) == self._seen_catalog_size:
            return
        self._seen_catalog_size = len(catalog_ids)
        index = self.models.index
        new = [(k, i) for k, i in enumerate(catalog_ids) if i not in index]
        # The text model loads (or trains) only when there are new items to place.
        text = self._text_model() if new else None
        if not new or text is None:
            self._ids, self._vectors = [], np.zeros((0, 0), dtype=np.float32)
            return
        texts = self.catalog.item_texts()
        self._ids = [i for _, i in new]
        self._vectors = normalize_rows(text.embedder.encode([texts[k] for k, _ in new]))
        log.info("cold-start items embedded n=%d", len(self._ids))

    @property
    def ids(self) -> list[str]:
        self.refresh()
        return list(self._ids)

    def _text_model(self) -> TextEmbedding | None:
        model = self.models.text_model()
        return model if isinstance(model, TextEmbedding) else None

    def match(
        self, liked: Sequence[str], *, exclude: Sequence[str] = (), min_similarity: float = 0.5
    ) -> list[NewItemMatch]:
        """New items whose content is close to one of ``liked`` (best first)."""
        self.refresh()
        if not self._ids:
            return []
        text = self._text_model()
        idx = self.models.indices(liked)
        if text is None or len(idx) == 0:
            return []
        anchors = normalize_rows(text.vectors[idx])
        sims = self._vectors @ anchors.T  # new × liked
        best = sims.argmax(axis=1)
        skip = set(exclude)
        out = [
            NewItemMatch(item_id, float(sims[row, best[row]]), self.models.item_ids[idx[best[row]]])
            for row, item_id in enumerate(self._ids)
            if item_id not in skip and sims[row, best[row]] >= min_similarity
        ]
        out.sort(key=lambda m: (-m.similarity, m.item_id))
        return out
