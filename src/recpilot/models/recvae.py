"""RecVAE (Shenbin et al., WSDM 2020, "RecVAE: a New Variational Autoencoder for Top-N
Recommendations with Implicit Feedback") in PyTorch on the CPU.

What it changes over Mult-VAE (:mod:`recpilot.models.multvae`), after the authors' code:

* the encoder is five dense layers, each ``LayerNorm(swish(W h + the earlier layers' sum))``,
  over the L2-normalised, dropped-out history; the decoder is one linear layer;
* the KL term is taken to a **composite prior**, a mixture of ``N(0, I)`` (weight 3/20), the
  posterior of a frozen copy of the encoder from the previous epoch (3/4) and a wide
  ``N(0, e^10 I)`` (1/10), estimated at one sample of ``z``;
* the KL weight of a user is ``gamma`` times the size of their history (β rescaled per user);
* each epoch trains the encoder for ``encoder_epochs`` passes (input dropout on), copies it
  into the prior, then trains the decoder for ``decoder_epochs`` passes (no dropout), each
  part with its own Adam optimiser.

A history scores the decoder's logits at the encoder's mean, as in Mult-VAE. Training is
seeded from the model's own generators, so the caller's torch RNG is untouched and a seed
with the same ``num_threads`` gives the same weights; :meth:`RecVAE.fit_epochs` yields after
every epoch with the model usable (``bench/recbole_side_by_side/tune.py`` early-stops on it).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator

import torch
from pydantic import Field
from torch import nn

from recpilot.catalog.interactions import InteractionData

from .autoencoder import Autoencoder, binary_tensor, generators
from .base import ModelConfig
from .torch_support import torch_threads

log = logging.getLogger(__name__)

#: Mixture weights of the composite prior: standard normal, previous posterior, wide normal.
PRIOR_WEIGHTS = (3 / 20, 3 / 4, 1 / 10)
WIDE_LOGVAR = 10.0
ENCODER_LAYERS = 5
_LOG_2PI = math.log(2 * math.pi)


class RecVAEConfig(ModelConfig):
    # The paper's sizes; gamma, learning rate, batch and epochs picked on ML-100K's
    # validation part (bench/recbole_side_by_side/tuned.json; the paper's are 0.005, 5e-4,
    # 500 and 50 for ML-20M, where a batch of 500 is a small share of the users).
    hidden_size: int = Field(600, ge=1, description="Width of the encoder's layers.")
    embedding_size: int = Field(200, ge=1, description="Dimension of the latent z.")
    dropout: float = Field(0.5, ge=0.0, lt=1.0, description="Input dropout of encoder passes.")
    gamma: float = Field(
        0.02, ge=0.0, description="KL weight per history item (β = gamma · |history|)."
    )
    epochs: int = Field(58, ge=1)
    encoder_epochs: int = Field(3, ge=1, description="Encoder passes per epoch.")
    decoder_epochs: int = Field(1, ge=1, description="Decoder passes per epoch.")
    batch_size: int = Field(100, ge=1)
    learning_rate: float = Field(1e-3, gt=0.0)
    seed: int = 42
    num_threads: int | None = Field(
        1, ge=1, description="torch threads while fitting/scoring; None = torch's setting."
    )


def log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Element-wise log density of ``N(mu, exp(logvar))`` at ``z``."""
    return -0.5 * (logvar + _LOG_2PI + (z - mu).pow(2) / logvar.exp())


class RecVAEEncoder(nn.Module):
    """Five densely connected swish + LayerNorm layers → ``(mu, logvar)``."""

    def __init__(self, n_items: int, hidden_size: int, embedding_size: int) -> None:
        super().__init__()
        sizes = [n_items] + [hidden_size] * (ENCODER_LAYERS - 1)
        self.layers = nn.ModuleList(nn.Linear(n, hidden_size) for n in sizes)
        self.norms = nn.ModuleList(
            nn.LayerNorm(hidden_size, eps=0.1) for _ in range(ENCODER_LAYERS)
        )
        self.mu = nn.Linear(hidden_size, embedding_size)
        self.logvar = nn.Linear(hidden_size, embedding_size)

    def forward(
        self, x: torch.Tensor, dropout: float = 0.0, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = nn.functional.normalize(x, dim=1)
        if dropout > 0 and generator is not None:
            keep = torch.rand(h.shape, generator=generator) >= dropout
            h = h * keep / (1.0 - dropout)
        earlier: torch.Tensor | None = None  # the sum of the layers so far
        for layer, norm in zip(self.layers, self.norms, strict=True):
            pre = layer(h) if earlier is None else layer(h) + earlier
            h = norm(pre * torch.sigmoid(pre))
            earlier = h if earlier is None else earlier + h
        return self.mu(h), self.logvar(h)


class RecVAENet(nn.Module):
    """Encoder, the frozen previous encoder of the composite prior, and a linear decoder."""

    def __init__(self, n_items: int, c: RecVAEConfig) -> None:
        super().__init__()
        self.encoder = RecVAEEncoder(n_items, c.hidden_size, c.embedding_size)
        self.previous = RecVAEEncoder(n_items, c.hidden_size, c.embedding_size)
        self.previous.requires_grad_(False)
        self.decoder = nn.Linear(c.embedding_size, n_items)
        self.update_prior()

    def update_prior(self) -> None:
        self.previous.load_state_dict(self.encoder.state_dict())

    def log_prior(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Element-wise log density of the composite prior at ``z`` for histories ``x``."""
        prev_mu, prev_logvar = self.previous(x)
        zero = torch.zeros_like(z)
        parts = (
            log_normal(z, zero, zero),
            log_normal(z, prev_mu, prev_logvar),
            log_normal(z, zero, torch.full_like(z, WIDE_LOGVAR)),
        )
        weighted = [p + math.log(w) for p, w in zip(parts, PRIOR_WEIGHTS, strict=True)]
        return torch.logsumexp(torch.stack(weighted, dim=-1), dim=-1)

    def loss(
        self,
        x: torch.Tensor,
        gamma: float,
        dropout: float,
        dropout_rng: torch.Generator,
        noise_rng: torch.Generator,
    ) -> torch.Tensor:
        """Negative ELBO: multinomial log-likelihood minus the per-user weighted KL."""
        mu, logvar = self.encoder(x, dropout, dropout_rng)
        z = mu + torch.randn(mu.shape, generator=noise_rng) * torch.exp(0.5 * logvar)
        nll = -(nn.functional.log_softmax(self.decoder(z), dim=1) * x).sum(1).mean()
        kl = (log_normal(z, mu, logvar) - self.log_prior(x, z)).sum(1)
        return nll + (gamma * x.sum(1) * kl).mean()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores: the decoder at the encoder's mean."""
        return self.decoder(self.encoder(x)[0])


class RecVAE(Autoencoder):
    """Mult-VAE with a composite prior, a deeper encoder and alternating updates."""

    name = "recvae"
    config_class = RecVAEConfig
    config: RecVAEConfig

    def fit_epochs(self, data: InteractionData, epochs: int | None = None) -> Iterator[int]:
        c = self.config
        x = binary_tensor(data)
        with torch.random.fork_rng(devices=[]):  # initial weights only
            torch.manual_seed(c.seed)
            net = RecVAENet(data.n_items, c)
        shuffle, dropout, noise = generators(c.seed)
        encoder_opt = torch.optim.Adam(net.encoder.parameters(), lr=c.learning_rate)
        decoder_opt = torch.optim.Adam(net.decoder.parameters(), lr=c.learning_rate)
        self.net, self.n_items, self.fitted = net, data.n_items, True
        phases = ((encoder_opt, c.encoder_epochs, c.dropout), (decoder_opt, c.decoder_epochs, 0.0))
        for epoch in range(epochs if epochs is not None else c.epochs):
            total = 0.0
            with torch_threads(c.num_threads):
                for optim, passes, rate in phases:
                    for _ in range(passes):
                        for batch in torch.randperm(len(x), generator=shuffle).split(c.batch_size):
                            loss = net.loss(x[batch], c.gamma, rate, dropout, noise)
                            net.zero_grad()
                            loss.backward()
                            optim.step()
                            total += loss.item() * len(batch)
                    if optim is encoder_opt:
                        net.update_prior()
            mean_loss = total / max(len(x) * (c.encoder_epochs + c.decoder_epochs), 1)
            log.debug("recvae epoch=%d loss=%.4f", epoch + 1, mean_loss)
            self._epoch_done(epoch, mean_loss)
            yield epoch + 1

    def _new_net(self) -> RecVAENet:
        return RecVAENet(self.n_items, self.config)
