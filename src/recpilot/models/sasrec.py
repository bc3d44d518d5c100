"""SASRec (Kang & McAuley 2018): a causal self-attention next-item model in PyTorch.

Training uses every prefix of every sequence at once: a window of up to ``max_len + 1`` items
gives inputs ``s[:-1]`` and next-item targets ``s[1:]`` at each position, under a causal mask,
with **full-softmax cross-entropy** over all items (tied input/output item embeddings).
Sequences longer than the window are cut into consecutive windows from the most recent end;
batches group windows of similar length, trimmed to their longest, to spend little on padding.
Windows are right-padded, so a causal position never sees padding and no key mask is needed.

A history scores ``h_last · E`` where ``h_last`` is the final hidden state after its last
``max_len`` items. The state dict is saved as numpy arrays (no ``torch.save``/pickle).
Training is seeded (``seed``) inside a forked RNG, so the caller's global torch RNG is left
untouched; with the same ``num_threads`` a seed reproduces the same weights.

``num_threads`` defaults to 1: the matrices are small, and intra-op threads gained little
here while they slowed training about 5× on a busy 2-core machine (spinning OpenMP workers).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Self

import numpy as np
import torch
from pydantic import Field
from torch import nn

from recpilot.catalog.interactions import InteractionData
from recpilot.errors import ModelError

from .base import ModelConfig, Recommender
from .progress import EpochProgress
from .torch_support import load_module_state, module_state, torch_threads

log = logging.getLogger(__name__)


class SASRecConfig(ModelConfig):
    max_len: int = Field(50, ge=1, description="Most recent items the model attends to.")
    embedding_size: int = Field(64, ge=8)
    num_layers: int = Field(2, ge=1)
    num_heads: int = Field(2, ge=1)
    dropout: float = Field(0.2, ge=0.0, lt=1.0)
    epochs: int = Field(15, ge=1)
    batch_size: int = Field(128, ge=1)
    learning_rate: float = Field(2e-3, gt=0.0)
    reg: float = Field(0.0, ge=0.0, description="AdamW weight decay.")
    seed: int = 42
    num_threads: int | None = Field(
        1, ge=1, description="torch threads while fitting/scoring; None = torch's setting."
    )


class SASRecNet(nn.Module):
    """Item + learned position embeddings → pre-norm transformer encoder (causal)."""

    def __init__(self, n_items: int, c: SASRecConfig) -> None:
        super().__init__()
        d = c.embedding_size
        self.items = nn.Embedding(n_items + 1, d, padding_idx=0)  # index 0 is padding
        self.positions = nn.Embedding(c.max_len, d)
        self.dropout = nn.Dropout(c.dropout)
        layer = nn.TransformerEncoderLayer(
            d, c.num_heads, dim_feedforward=2 * d, dropout=c.dropout,
            activation="gelu", batch_first=True, norm_first=True,
        )  # fmt: skip
        self.encoder = nn.TransformerEncoder(layer, c.num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        nn.init.normal_(self.items.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.02)
        with torch.no_grad():
            self.items.weight[0].zero_()

    def forward(self, seqs: torch.Tensor) -> torch.Tensor:
        """Hidden states ``(batch, length, d)`` for right-padded item sequences (1-based)."""
        length = seqs.shape[1]
        pos = torch.arange(length, device=seqs.device)
        x = self.items(seqs) * (self.items.embedding_dim**0.5) + self.positions(pos)[None]
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=seqs.device)
        h = self.encoder(self.dropout(x), mask=mask, is_causal=True)
        return self.norm(h)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores over the real items (padding column dropped)."""
        return hidden @ self.items.weight[1:].T


def training_windows(sequences: Sequence[np.ndarray], max_len: int) -> np.ndarray:
    """Right-padded windows of ``max_len + 1`` items (1-based ids, 0 = pad), cut from the end
    of each sequence with ``max_len`` steps, so every transition is a target exactly once."""
    rows: list[np.ndarray] = []
    for seq in sequences:
        s = np.asarray(seq, dtype=np.int64) + 1
        end = len(s)
        while end >= 2:
            start = max(0, end - max_len - 1)
            window = np.zeros(max_len + 1, dtype=np.int64)
            window[: end - start] = s[start:end]
            rows.append(window)
            end = start + 1
            if start == 0:
                break
    if not rows:
        return np.zeros((0, max_len + 1), dtype=np.int64)
    return np.stack(rows)


def _length_batches(
    lengths: torch.Tensor, batch_size: int, generator: torch.Generator
) -> list[torch.Tensor]:
    """Shuffled batches of windows of similar length (less padding), in shuffled order."""
    perm = torch.randperm(len(lengths), generator=generator)
    by_length = perm[torch.argsort(lengths[perm], stable=True)]
    batches = list(by_length.split(batch_size))
    order = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[k] for k in order]


class SASRec(EpochProgress, Recommender):
    """Self-attentive sequential recommender."""

    name = "sasrec"
    config_class = SASRecConfig
    config: SASRecConfig

    def __init__(self, config: SASRecConfig | None = None) -> None:
        super().__init__(config)
        self.net: SASRecNet | None = None

    def fit(self, data: InteractionData) -> Self:
        c = self.config
        windows = torch.from_numpy(training_windows(data.sequences(), c.max_len))
        with torch_threads(c.num_threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(c.seed)
            net = SASRecNet(data.n_items, c)
            optim = torch.optim.AdamW(net.parameters(), lr=c.learning_rate, weight_decay=c.reg)
            shuffle = torch.Generator().manual_seed(c.seed)
            lengths = (windows > 0).sum(dim=1)
            for epoch in range(c.epochs):
                net.train()
                total, count = 0.0, 0
                for batch in _length_batches(lengths, c.batch_size, shuffle):
                    seqs = windows[batch, : int(lengths[batch].max())]  # trailing pads cut
                    inputs, targets = seqs[:, :-1], seqs[:, 1:] - 1  # pad target → -1
                    real = targets >= 0  # full softmax only where there is a next item
                    logits = net.logits(net(inputs)[real])
                    loss = nn.functional.cross_entropy(logits, targets[real])
                    optim.zero_grad()
                    loss.backward()
                    optim.step()
                    total += loss.item() * int(real.sum())
                    count += int(real.sum())
                mean_loss = total / max(count, 1)
                log.debug("sasrec epoch=%d loss=%.4f", epoch + 1, mean_loss)
                self._epoch_done(epoch, mean_loss)
        net.eval()
        self.net = net
        self.n_items = data.n_items
        self.fitted = True
        return self

    def _require_net(self) -> SASRecNet:
        if self.net is None:
            raise ModelError("sasrec model has no network; call fit() or load() first")
        return self.net

    def _score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        net = self._require_net()
        max_len = self.config.max_len
        out = np.zeros((len(histories), self.n_items), dtype=np.float32)
        with torch_threads(self.config.num_threads), torch.inference_mode():
            for start in range(0, len(histories), 256):
                chunk = histories[start : start + 256]
                seqs = np.zeros((len(chunk), max_len), dtype=np.int64)
                last = np.zeros(len(chunk), dtype=np.int64)
                for row, h in enumerate(chunk):
                    tail = np.asarray(h, dtype=np.int64)[-max_len:] + 1
                    seqs[row, : len(tail)] = tail
                    last[row] = max(len(tail) - 1, 0)
                hidden = net(torch.from_numpy(seqs))
                final = hidden[torch.arange(len(chunk)), torch.from_numpy(last)]
                out[start : start + len(chunk)] = net.logits(final).numpy()
        return out

    def _state(self) -> dict[str, np.ndarray]:
        return module_state(self._require_net())

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        net = SASRecNet(self.n_items, self.config)
        load_module_state(net, arrays, "sasrec")
        net.eval()
        self.net = net
