"""RecVAE: seeded training is reproducible, stopping early equals a shorter fit, the prior
follows the encoder, and the score is the decoder at the encoder's mean."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from recpilot.catalog.interactions import InteractionData
from recpilot.eval.metrics import top_k_items
from recpilot.models.recvae import RecVAE, RecVAEConfig
from recpilot.testing.models import BLOCK_A, BLOCK_B

SMALL = {"hidden_size": 32, "embedding_size": 8, "batch_size": 20, "learning_rate": 0.01}


def weights(model: RecVAE) -> dict[str, np.ndarray]:
    return model._state()


def test_same_seed_same_weights_other_seed_other_weights(blocks: InteractionData) -> None:
    first = RecVAE(RecVAEConfig(**SMALL, epochs=3, seed=7)).fit(blocks)
    torch.rand(100)  # the caller's global RNG use between fits does not matter
    second = RecVAE(RecVAEConfig(**SMALL, epochs=3, seed=7)).fit(blocks)
    other = RecVAE(RecVAEConfig(**SMALL, epochs=3, seed=8)).fit(blocks)
    for key, value in weights(first).items():
        np.testing.assert_array_equal(value, weights(second)[key])
    assert any(not np.array_equal(v, weights(other)[k]) for k, v in weights(first).items())


def test_the_kl_weight_is_part_of_the_loss(blocks: InteractionData) -> None:
    plain = RecVAE(RecVAEConfig(**SMALL, epochs=2, gamma=0.0)).fit(blocks)
    weighted = RecVAE(RecVAEConfig(**SMALL, epochs=2, gamma=0.05)).fit(blocks)
    assert not np.array_equal(
        weights(plain)["net.decoder.weight"], weights(weighted)["net.decoder.weight"]
    )


def test_stopping_after_e_epochs_equals_fitting_e_epochs(blocks: InteractionData) -> None:
    short = RecVAE(RecVAEConfig(**SMALL, epochs=2)).fit(blocks)
    long = RecVAE(RecVAEConfig(**SMALL, epochs=6))
    for done in long.fit_epochs(blocks):
        long.score([[0, 1]])  # scoring between epochs is allowed and changes nothing
        torch.rand(10)
        if done == 2:
            break
    np.testing.assert_array_equal(short.score([[0, 1], [12]]), long.score([[0, 1], [12]]))


def test_the_prior_holds_the_encoder_of_the_last_encoder_phase(blocks: InteractionData) -> None:
    model = RecVAE(RecVAEConfig(**SMALL, epochs=2)).fit(blocks)
    assert model.net is not None
    start = RecVAE(RecVAEConfig(**SMALL, epochs=1))
    next(start.fit_epochs(blocks, epochs=0), None)  # initial weights only
    encoder = model.net.encoder.state_dict()
    previous = model.net.previous.state_dict()
    for key, value in encoder.items():
        torch.testing.assert_close(previous[key], value)  # copied after the encoder passes
    assert start.net is not None
    moved = start.net.encoder.state_dict()["layers.0.weight"]
    assert not torch.equal(moved, encoder["layers.0.weight"])  # and the encoder trained


def test_score_is_the_decoder_at_the_mean(blocks: InteractionData) -> None:
    model = RecVAE(RecVAEConfig(**SMALL, epochs=2)).fit(blocks)
    assert model.net is not None
    x = torch.zeros((1, blocks.n_items))
    x[0, [BLOCK_A[0], BLOCK_B[1]]] = 1.0
    with torch.no_grad():
        expected = model.net.decoder(model.net.encoder(x)[0]).numpy()
    scores = model.score([[BLOCK_A[0], BLOCK_B[1]]])
    assert scores.shape == (1, blocks.n_items)
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_ranked_with_the_history_masked_recommends_the_rest_of_its_block(
    blocks: InteractionData,
) -> None:
    model = RecVAE(RecVAEConfig(**SMALL, epochs=15, seed=3)).fit(blocks)
    history = BLOCK_A[:4]
    seen = sp.csr_matrix((np.ones(4), ([0] * 4, history)), shape=(1, blocks.n_items))
    top = top_k_items(model.score([history]), 5, seen)[0].tolist()
    assert not set(top) & set(history)
    assert set(top) <= set(BLOCK_A[4:]), top
