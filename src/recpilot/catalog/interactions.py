"""The in-memory interaction record every recommender model trains on.

Models work over dense integer indices; :class:`InteractionData` owns the mapping between
catalog ids (strings) and those indices. The item vocabulary is the *whole catalog*, so an
item without interactions still has an index (content models can score it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class InteractionData:
    """User-item interactions over fixed user and item vocabularies.

    ``users[k]`` and ``items[k]`` are indices into ``user_ids`` / ``item_ids`` for
    interaction ``k``. ``ratings`` and ``timestamps`` are optional, aligned with them.
    ``item_texts`` (optional, aligned with ``item_ids``) describes each item for content
    models: title and attributes as one line of text.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    users: np.ndarray
    items: np.ndarray
    ratings: np.ndarray | None = None
    timestamps: np.ndarray | None = None
    item_texts: tuple[str, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.users)
        if len(self.items) != n:
            raise ValueError("users and items must have the same length")
        for name in ("ratings", "timestamps"):
            column = getattr(self, name)
            if column is not None and len(column) != n:
                raise ValueError(f"{name} must have one value per interaction")
        if self.item_texts is not None and len(self.item_texts) != len(self.item_ids):
            raise ValueError("item_texts must have one text per item")
        if n and (self.users.max() >= len(self.user_ids) or self.items.max() >= len(self.item_ids)):
            raise ValueError("interaction index outside the vocabulary")

    @classmethod
    def from_ids(
        cls,
        user_ids: Sequence[str],
        item_ids: Sequence[str],
        *,
        item_vocab: Sequence[str] | None = None,
        ratings: Sequence[float] | None = None,
        timestamps: Sequence[int] | None = None,
        item_texts: Sequence[str] | None = None,
    ) -> InteractionData:
        """Build from parallel id columns. ``item_vocab`` (default: the ids seen) fixes the
        item order; every interaction's item must be in it."""
        users_vocab, users = np.unique(np.asarray(user_ids, dtype=str), return_inverse=True)
        if item_vocab is None:
            items_vocab, items = np.unique(np.asarray(item_ids, dtype=str), return_inverse=True)
        else:
            items_vocab = np.asarray(item_vocab, dtype=str)
            lookup = {item: k for k, item in enumerate(items_vocab)}
            try:
                items = np.fromiter((lookup[i] for i in item_ids), dtype=np.int64)
            except KeyError as exc:
                raise ValueError(f"item {exc.args[0]!r} is not in the item vocabulary") from None
        return cls(
            user_ids=users_vocab,
            item_ids=items_vocab,
            users=users.astype(np.int32),
            items=np.asarray(items, dtype=np.int32),
            ratings=None if ratings is None else np.asarray(ratings, dtype=np.float32),
            timestamps=None if timestamps is None else np.asarray(timestamps, dtype=np.int64),
            item_texts=None if item_texts is None else tuple(item_texts),
        )

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.users)

    @cached_property
    def item_index(self) -> dict[str, int]:
        return {str(item): k for k, item in enumerate(self.item_ids)}

    @cached_property
    def user_index(self) -> dict[str, int]:
        return {str(user): k for k, user in enumerate(self.user_ids)}

    def lookup_items(self, ids: Sequence[str]) -> np.ndarray:
        """Indices of the given item ids; -1 for ids not in the vocabulary."""
        index = self.item_index
        return np.fromiter((index.get(str(i), -1) for i in ids), dtype=np.int64, count=len(ids))

    def matrix(self) -> sp.csr_matrix:
        """Binary users × items CSR matrix (duplicates collapse to 1)."""
        m = sp.csr_matrix(
            (np.ones(len(self), dtype=np.float32), (self.users, self.items)),
            shape=(self.n_users, self.n_items),
        )
        m.data[:] = 1.0
        return m

    def order(self) -> np.ndarray:
        """Interaction order by (user, timestamp), stable; by (user, input order) without times."""
        if self.timestamps is None:
            return np.argsort(self.users, kind="stable")
        return np.lexsort((self.timestamps, self.users))

    def sequences(self) -> list[np.ndarray]:
        """Per user (by user index), the items they interacted with in time order (computed
        once per instance; the arrays are shared, do not modify them)."""
        return self._sequences

    @cached_property
    def _sequences(self) -> list[np.ndarray]:
        order = self.order()
        users = self.users[order]
        items = self.items[order]
        bounds = np.searchsorted(users, np.arange(self.n_users + 1))
        return [items[bounds[u] : bounds[u + 1]] for u in range(self.n_users)]

    def subset(self, mask: np.ndarray) -> InteractionData:
        """The interactions where ``mask`` is true, over the same vocabularies."""
        return InteractionData(
            user_ids=self.user_ids,
            item_ids=self.item_ids,
            users=self.users[mask],
            items=self.items[mask],
            ratings=None if self.ratings is None else self.ratings[mask],
            timestamps=None if self.timestamps is None else self.timestamps[mask],
            item_texts=self.item_texts,
        )

    def item_popularity(self) -> np.ndarray:
        """Number of distinct users per item."""
        return np.asarray(self.matrix().sum(axis=0)).ravel()
