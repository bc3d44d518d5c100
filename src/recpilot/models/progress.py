"""Epoch progress reporting for models that train in epochs (ALS, BPR, SASRec)."""

from __future__ import annotations

from collections.abc import Callable

EpochCallback = Callable[[int, int, float | None], None]
"""Called after each epoch with (epochs done, total epochs, loss or None)."""


class EpochProgress:
    """Mixin: the model calls :attr:`epoch_callback` (when set) after every training epoch.

    Set it on the instance before ``fit``: ``model.epoch_callback = fn``.
    """

    epoch_callback: EpochCallback | None = None

    def total_epochs(self) -> int:
        """Number of epochs ``fit`` will run."""
        return int(getattr(self, "config").epochs)  # noqa: B009 - mixin, config lives on Recommender

    def _epoch_done(self, epoch: int, loss: float | None = None) -> None:
        if self.epoch_callback is not None:
            self.epoch_callback(epoch + 1, self.total_epochs(), loss)
