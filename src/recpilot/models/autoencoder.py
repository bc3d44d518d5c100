"""What the variational autoencoders (Mult-VAE, RecVAE) share: a binary user × item tensor to
train on, the model's own seeded generators, ``fit`` as :meth:`fit_epochs` run to the end,
scoring a history by one forward pass of the network, and the network's weights as the
artifact."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import Self

import numpy as np
import torch
from torch import nn

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .base import ModelConfig, Recommender, history_matrix
from .progress import EpochProgress
from .torch_support import load_module_state, module_state, torch_threads

SCORE_CHUNK = 512  # histories scored per forward pass


def binary_tensor(data: InteractionData) -> torch.Tensor:
    """The users × items matrix of ``data`` with every interaction as 1."""
    x = torch.from_numpy(data.matrix().toarray().astype(np.float32))
    x[x > 0] = 1.0
    return x


def generators(seed: int) -> tuple[torch.Generator, torch.Generator, torch.Generator]:
    """The shuffle, dropout and noise generators of one fit: every draw after the initial
    weights comes from them, so what a caller does with torch's global RNG between two
    epochs cannot change the weights."""
    return tuple(torch.Generator().manual_seed(seed + k) for k in range(3))  # type: ignore[return-value]


class Autoencoder(EpochProgress, Recommender):
    """A model whose network maps a batch of binary histories to item scores."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        super().__init__(config)
        self.net: nn.Module | None = None

    def fit(self, data: InteractionData) -> Self:
        for _ in self.fit_epochs(data):
            pass
        return self

    @abstractmethod
    def fit_epochs(self, data: InteractionData, epochs: int | None = None) -> Iterator[int]:
        """Train for ``epochs`` (the config's by default), yielding the number of epochs done
        after each one; between yields the model scores with the weights so far. Stopping
        after ``e`` epochs gives the same weights as fitting with ``epochs=e``."""

    @abstractmethod
    def _new_net(self) -> nn.Module:
        """An untrained network for ``self.n_items`` and the config."""

    def _require_net(self) -> nn.Module:
        if self.net is None:
            raise ModelError(f"{self.name} model has no network; call fit() or load() first")
        return self.net

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        net = self._require_net()
        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        threads = getattr(self.config, "num_threads", None)
        with torch_threads(threads), torch.inference_mode():
            for start in range(0, len(histories), SCORE_CHUNK):
                chunk = histories[start : start + SCORE_CHUNK]
                rows = torch.from_numpy(history_matrix(chunk, self.n_items).toarray())
                out[start : start + len(chunk)] = net(rows).numpy()
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return module_state(self._require_net())

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        net = self._new_net()
        load_module_state(net, arrays, self.name)
        self.net = net
