"""Mult-VAE: seeded training is reproducible, stopping early equals a shorter fit, and the
score is the decoder at the encoder's mean."""

from __future__ import annotations

import numpy as np
import torch

from recpilot.catalog.interactions import InteractionData
from recpilot.models.multvae import MultVAE, MultVAEConfig
from recpilot.testing.models import BLOCK_A, BLOCK_B

SMALL = {
    "hidden_size": 32, "embedding_size": 8, "batch_size": 20, "learning_rate": 0.01,
    "anneal_steps": 100,
}  # fmt: skip


def weights(model: MultVAE) -> dict[str, np.ndarray]:
    return model._state()


def test_same_seed_same_weights_other_seed_other_weights(blocks: InteractionData) -> None:
    first = MultVAE(MultVAEConfig(**SMALL, epochs=5, seed=7)).fit(blocks)
    torch.rand(100)  # the caller's global RNG use between fits does not matter
    second = MultVAE(MultVAEConfig(**SMALL, epochs=5, seed=7)).fit(blocks)
    other = MultVAE(MultVAEConfig(**SMALL, epochs=5, seed=8)).fit(blocks)
    for key, value in weights(first).items():
        np.testing.assert_array_equal(value, weights(second)[key])
    assert any(not np.array_equal(v, weights(other)[k]) for k, v in weights(first).items())


def test_stopping_after_e_epochs_equals_fitting_e_epochs(blocks: InteractionData) -> None:
    short = MultVAE(MultVAEConfig(**SMALL, epochs=4)).fit(blocks)
    long = MultVAE(MultVAEConfig(**SMALL, epochs=10))
    for done in long.fit_epochs(blocks):
        long.score([[0, 1]])  # scoring between epochs is allowed and changes nothing
        torch.rand(10)
        if done == 4:
            break
    np.testing.assert_array_equal(short.score([[0, 1], [12]]), long.score([[0, 1], [12]]))


def test_score_is_the_decoder_at_the_mean(blocks: InteractionData) -> None:
    model = MultVAE(MultVAEConfig(**SMALL, epochs=3)).fit(blocks)
    assert model.net is not None
    x = torch.zeros((1, blocks.n_items))
    x[0, [BLOCK_A[0], BLOCK_B[1]]] = 1.0
    with torch.no_grad():
        expected = model.net.decode(model.net.encode(x)[0]).numpy()
    np.testing.assert_allclose(model.score([[BLOCK_A[0], BLOCK_B[1]]]), expected, rtol=1e-5)


def test_epoch_callback_sees_every_epoch(blocks: InteractionData) -> None:
    seen: list[tuple[int, int]] = []
    model = MultVAE(MultVAEConfig(**SMALL, epochs=3))
    model.epoch_callback = lambda done, total, loss: seen.append((done, total))
    model.fit(blocks)
    assert seen == [(1, 3), (2, 3), (3, 3)]
