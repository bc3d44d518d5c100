"""Synthetic data with planted structure, shared by the model tests (imported by name)."""

from __future__ import annotations

import numpy as np

from recpilot.catalog.interactions import InteractionData

BLOCK_A = list(range(0, 10))  # sci-fi block
BLOCK_B = list(range(10, 20))  # romance block
COLD = [20, 21]  # in the vocabulary, never interacted with
N_ITEMS = 22
PER_BLOCK = 100  # users per block

SCIFI = ["space", "alien", "starship", "galaxy", "robot", "planet", "laser", "orbit"]
ROMANCE = ["love", "romance", "wedding", "heart", "kiss", "paris", "letter", "dance"]


def item_texts() -> list[str]:
    texts = []
    for k in range(N_ITEMS):
        words = SCIFI if k in BLOCK_A or k == 20 else ROMANCE
        texts.append(f"movie {k}: " + " ".join(words[(k + j) % len(words)] for j in range(6)))
    return texts


def block_data(seed: int = 0) -> InteractionData:
    """PER_BLOCK users each watch 6 items of block A in random order, as many 6 of block B.

    No user crosses blocks, so every collaborative model must rank the history's own block
    above the other block.
    """
    rng = np.random.default_rng(seed)
    users, items, times = [], [], []
    for u in range(2 * PER_BLOCK):
        block = BLOCK_A if u < PER_BLOCK else BLOCK_B
        for t, item in enumerate(rng.choice(block, size=6, replace=False)):
            users.append(f"u{u:02d}")
            items.append(f"i{item:02d}")
            times.append(t)
    return InteractionData.from_ids(
        users,
        items,
        item_vocab=[f"i{k:02d}" for k in range(N_ITEMS)],
        timestamps=times,
        item_texts=item_texts(),
    )
