"""Hard filters over the items, answered from memory: posting lists and numeric columns.

A DuckDB scan of ``list_has_all(genres, ?)`` over a million rows costs tens of milliseconds
of CPU per request; the same condition over posting lists (the sorted positions of the items
holding each value) and a NumPy column costs about a millisecond. :class:`ItemFilter` is
read once from the catalog (one query per attribute) and answers with item positions in
:meth:`Catalog.item_ids` order, exactly as the equivalent SQL would:

* ``include`` — items whose list holds all (or any) of the values; an item without a value
  never matches;
* ``exclude`` — items whose list holds none of the values (an item without one is kept);
* ``ranges`` — inclusive bounds on numbers; an item without the number never matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .schema import AttributeKind


@dataclass(frozen=True)
class ItemFilter:
    """Posting lists of categorical values and numeric columns, by item position."""

    n_items: int
    postings: Mapping[str, Mapping[str, np.ndarray]]  # attribute -> value -> positions
    numbers: Mapping[str, np.ndarray]  # attribute -> float64 per item, NaN where missing

    @classmethod
    def build(
        cls,
        n_items: int,
        kinds: Mapping[str, AttributeKind],
        pairs: Mapping[str, tuple[np.ndarray, np.ndarray]],
        columns: Mapping[str, np.ndarray],
    ) -> ItemFilter:
        """From (positions, values) pairs per categorical attribute and a column per number."""
        postings: dict[str, dict[str, np.ndarray]] = {}
        for attr, (positions, values) in pairs.items():
            if kinds.get(attr) is not AttributeKind.categorical:
                continue
            names, inverse = np.unique(np.asarray(values, dtype=str), return_inverse=True)
            order = np.lexsort((positions, inverse))
            bounds = np.searchsorted(inverse[order], np.arange(len(names) + 1))
            sorted_positions = np.asarray(positions, dtype=np.int64)[order]
            postings[attr] = {
                str(name): np.unique(sorted_positions[bounds[k] : bounds[k + 1]])
                for k, name in enumerate(names)
            }
        return cls(n_items, postings, dict(columns))

    def match(
        self,
        include: Mapping[str, Sequence[str]],
        exclude: Mapping[str, Sequence[str]],
        ranges: Mapping[str, tuple[float | None, float | None]],
        *,
        match_all: bool = True,
    ) -> np.ndarray:
        """Positions of the items meeting every condition, ascending. Attributes and values
        must be canonical (checked by the caller); an unknown value holds no item."""
        keep = np.ones(self.n_items, dtype=bool)
        for attr, values in include.items():
            if not values:
                continue
            lists = [self._posting(attr, v) for v in values]
            if match_all:
                for posting in lists:
                    keep &= self._mask(posting)
            else:
                keep &= self._mask(np.concatenate(lists))
        for attr, values in exclude.items():
            if values:
                keep &= ~self._mask(np.concatenate([self._posting(attr, v) for v in values]))
        for attr, (low, high) in ranges.items():
            column = self.numbers[attr]
            if low is not None:
                keep &= column >= low  # NaN compares false: no number, no match
            if high is not None:
                keep &= column <= high
        return np.flatnonzero(keep)

    def _posting(self, attr: str, value: str) -> np.ndarray:
        return self.postings.get(attr, {}).get(value, np.zeros(0, dtype=np.int64))

    def _mask(self, positions: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.n_items, dtype=bool)
        mask[positions] = True
        return mask
