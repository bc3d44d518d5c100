"""Mult-VAE (Liang et al., WWW 2018, "Variational Autoencoders for Collaborative
Filtering") in PyTorch on the CPU.

A user's binary history ``x`` is L2-normalised, dropped out (training only) and encoded by
``tanh`` layers into a Gaussian ``q(z|x)``; the decoder maps ``z`` back to logits over all
items, trained with the multinomial log-likelihood ``Σ_i x_i log softmax(logits)_i`` minus
``beta`` times the KL divergence to ``N(0, I)``, ``beta`` annealed linearly from 0 over
``anneal_steps`` batches and capped at ``beta`` (the paper's partial regularisation).
A history scores the decoder's logits at the encoder's mean (no sampling): any history,
not just a training user's, is folded in by one forward pass.

Training is seeded inside a forked RNG, so the caller's torch RNG is untouched; a seed and
the same ``num_threads`` give the same weights. :meth:`MultVAE.fit_epochs` yields after
every epoch with the model usable, so a caller can stop it on a validation metric
(``bench/recbole_side_by_side/tune.py`` picks ``epochs`` that way).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import torch
from pydantic import Field
from torch import nn

from recpilot.catalog.interactions import InteractionData

from .autoencoder import Autoencoder, binary_tensor, generators
from .base import ModelConfig
from .torch_support import torch_threads

log = logging.getLogger(__name__)


class MultVAEConfig(ModelConfig):
    # Architecture of the paper ([n_items → 600 → 200 → 600 → n_items]); epochs picked on
    # ML-100K's validation part (bench/recbole_side_by_side/tuned.json).
    hidden_size: int = Field(600, ge=1, description="Width of the encoder/decoder layer.")
    embedding_size: int = Field(200, ge=1, description="Dimension of the latent z.")
    dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Input dropout while training.")
    beta: float = Field(0.2, ge=0.0, description="Cap of the annealed KL weight.")
    anneal_steps: int = Field(2000, ge=1, description="Batches over which beta rises from 0.")
    epochs: int = Field(60, ge=1)
    batch_size: int = Field(100, ge=1)
    learning_rate: float = Field(1e-3, gt=0.0)
    reg: float = Field(0.0, ge=0.0, description="Adam weight decay.")
    seed: int = 42
    num_threads: int | None = Field(
        1, ge=1, description="torch threads while fitting/scoring; None = torch's setting."
    )


class MultVAENet(nn.Module):
    """Encoder ``x → tanh(hidden) → (mu, logvar)``; decoder ``z → tanh(hidden) → logits``."""

    def __init__(self, n_items: int, c: MultVAEConfig) -> None:
        super().__init__()
        self.encoder = nn.Linear(n_items, c.hidden_size)
        self.latent = nn.Linear(c.hidden_size, 2 * c.embedding_size)
        self.decoder = nn.Linear(c.embedding_size, c.hidden_size)
        self.output = nn.Linear(c.hidden_size, n_items)
        self.dropout = c.dropout
        for layer in (self.encoder, self.latent, self.decoder, self.output):
            nn.init.xavier_normal_(layer.weight)
            nn.init.normal_(layer.bias, std=0.001)

    def encode(
        self, x: torch.Tensor, dropout: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(mu, logvar)``; with a ``dropout`` generator the input is dropped out from it."""
        h = nn.functional.normalize(x, dim=1)
        if dropout is not None and self.dropout > 0:
            keep = torch.rand(h.shape, generator=dropout) >= self.dropout
            h = h * keep / (1.0 - self.dropout)
        mu, logvar = self.latent(torch.tanh(self.encoder(h))).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.output(torch.tanh(self.decoder(z)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores: the decoder at the encoder's mean."""
        return self.decode(self.encode(x)[0])


class MultVAE(Autoencoder):
    """Variational autoencoder with a multinomial likelihood over the items."""

    name = "multvae"
    config_class = MultVAEConfig
    config: MultVAEConfig

    def fit_epochs(self, data: InteractionData, epochs: int | None = None) -> Iterator[int]:
        c = self.config
        x = binary_tensor(data)
        with torch.random.fork_rng(devices=[]):  # initial weights only
            torch.manual_seed(c.seed)
            net = MultVAENet(data.n_items, c)
        shuffle, dropout, noise = generators(c.seed)
        optim = torch.optim.Adam(net.parameters(), lr=c.learning_rate, weight_decay=c.reg)
        self.net, self.n_items, self.fitted = net, data.n_items, True
        step = 0
        for epoch in range(epochs if epochs is not None else c.epochs):
            total = 0.0
            with torch_threads(c.num_threads):
                for batch in torch.randperm(len(x), generator=shuffle).split(c.batch_size):
                    rows = x[batch]
                    mu, logvar = net.encode(rows, dropout)
                    eps = torch.randn(mu.shape, generator=noise)
                    logits = net.decode(mu + eps * torch.exp(0.5 * logvar))
                    nll = -(nn.functional.log_softmax(logits, dim=1) * rows).sum(1).mean()
                    kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
                    loss = nll + min(c.beta, step / c.anneal_steps) * kl
                    optim.zero_grad()
                    loss.backward()
                    optim.step()
                    step += 1
                    total += loss.item() * len(batch)
            mean_loss = total / max(len(x), 1)
            log.debug("multvae epoch=%d loss=%.4f", epoch + 1, mean_loss)
            self._epoch_done(epoch, mean_loss)
            yield epoch + 1

    def _new_net(self) -> MultVAENet:
        return MultVAENet(self.n_items, self.config)
