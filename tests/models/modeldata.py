"""Synthetic data with planted structure, shared by the model tests (imported by name); it
lives in the package with the model contract (:mod:`recpilot.testing.models`)."""

from recpilot.testing.models import (
    BLOCK_A,
    BLOCK_B,
    COLD,
    N_ITEMS,
    PER_BLOCK,
    ROMANCE,
    SCIFI,
    block_data,
    item_texts,
)

__all__ = [
    "BLOCK_A", "BLOCK_B", "COLD", "N_ITEMS", "PER_BLOCK", "ROMANCE", "SCIFI", "block_data",
    "item_texts",
]  # fmt: skip
