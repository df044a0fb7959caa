"""Unsupervised SimCSE around a tiny BERT: the loss against numpy, two dropout views, learning, and bad input."""

import numpy as np
import pytest

from tests.contextual.tiny_models import tiny_bert_encoder
from zoo.contextual import MultipleNegativesRankingLoss
from zoo.contextual.simcse import SimCSETrainer
from zoo.errors import ZooInputError

TEXTS = ["the quick brown fox", "hello world !", "the fox . the fox", "a b c d e f", "cafe !", "the brown fox",
         "a quick world", "b c", "hello the fox", "d e f !"]


def numpy_simcse_loss(views, temperature):
    u = views[:, 0] / np.linalg.norm(views[:, 0], axis=1, keepdims=True)
    v = views[:, 1] / np.linalg.norm(views[:, 1], axis=1, keepdims=True)
    logits = u @ v.T / temperature
    logits -= logits.max(1, keepdims=True)
    log_softmax = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return -np.diag(log_softmax)


@pytest.mark.parametrize("temperature", [0.05, 1.0])
def test_the_loss_is_the_in_batch_cross_entropy_of_cosines_over_the_temperature(temperature):
    views = np.random.default_rng(0).normal(size=(6, 2, 5)).astype(np.float32)
    simcse_loss = MultipleNegativesRankingLoss(scale=1.0 / temperature, reduction=None)  # what SimCSETrainer uses
    loss = simcse_loss(np.arange(6), views).numpy()
    np.testing.assert_allclose(loss, numpy_simcse_loss(views.astype(np.float64), temperature), rtol=1e-4, atol=1e-6)
    scaled = views * np.array([2.0, 0.5], np.float32)[None, :, None]  # cosines: the vectors' lengths do not count
    np.testing.assert_allclose(simcse_loss(np.arange(6), scaled).numpy(), loss, rtol=1e-4, atol=1e-6)


def test_training_mode_gives_two_dropout_views_and_fitting_lowers_the_loss():
    encoder = tiny_bert_encoder()
    trainer = SimCSETrainer(encoder, sequence_length=12, batch_size=10, learning_rate=3e-3)
    features = encoder.preprocess(TEXTS)
    views = trainer.model(features, training=True).numpy()
    assert views.shape == (len(TEXTS), 2, encoder.output_dim)
    assert not np.allclose(views[:, 0], views[:, 1])  # different dropout masks
    still = trainer.model(features, training=False).numpy()
    np.testing.assert_allclose(still[:, 0], still[:, 1], atol=1e-6)
    np.testing.assert_allclose(still[:, 0], encoder.encode(TEXTS), atol=1e-5)  # the encoder's own vectors
    before = encoder.encode(TEXTS)
    trainer.fit(TEXTS * 3, epochs=8, verbose=0)
    losses = trainer.history.history["loss"]
    assert losses[-1] < losses[0], losses
    assert not np.allclose(encoder.encode(TEXTS), before)  # the encoder was trained in place


def test_fewer_than_two_texts_with_tokens_are_an_input_error():
    trainer = SimCSETrainer(tiny_bert_encoder())
    with pytest.raises(ZooInputError, match="two texts at least"):
        trainer.fit(["the fox", "", "  "], verbose=0)
