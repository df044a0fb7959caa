"""Each sentence-pair loss against a plain numpy computation of its published formula, and its Keras contract."""

import keras
import numpy as np
import pytest

from zoo.contextual import AnglELoss, CoSENTLoss, CosineSimilarityLoss, MultipleNegativesRankingLoss

RNG = np.random.default_rng(7)


def normalized(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def numpy_cosines(pairs):
    return (normalized(pairs[:, 0]) * normalized(pairs[:, 1])).sum(-1)


def numpy_angle_similarities(pairs):
    """AnglE's complex-space form (Li & Li 2023, github.com/SeanLee97/AnglE): the real and imaginary halves
    divided, not the cosine + sine form the implementation uses."""
    x, y = pairs[:, 0], pairs[:, 1]
    if x.shape[1] % 2:
        x, y = (np.pad(v, [(0, 0), (0, 1)]) for v in (x, y))
    a, b = np.split(x, 2, axis=1)
    c, d = np.split(y, 2, axis=1)
    z = (c ** 2 + d ** 2).sum(1, keepdims=True)
    re, im = (a * c + b * d) / z, (b * c - a * d) / z
    dz, dw = np.sqrt((a ** 2 + b ** 2).sum(1, keepdims=True)), np.sqrt(z)
    re, im = re / (dz / dw), im / (dz / dw)
    return np.abs(np.concatenate([re, im], 1).sum(1))


def numpy_ranking_loss(similarities, gold, scale=20.0):
    """log(1 + sum over i, j with gold_i > gold_j of exp(scale * (s_j - s_i))), written as a double loop."""
    terms = [np.exp(scale * (similarities[j] - similarities[i]))
             for i in range(len(gold)) for j in range(len(gold)) if gold[i] > gold[j]]
    return np.log1p(np.sum(terms))


@pytest.mark.parametrize("dim", [6, 7])
def test_cosine_similarity_loss_is_the_mean_squared_error_of_the_cosines(dim):
    pairs, gold = RNG.normal(size=(5, 2, dim)), RNG.uniform(size=5)
    expected = np.mean((numpy_cosines(pairs) - gold) ** 2)
    np.testing.assert_allclose(float(CosineSimilarityLoss()(gold, pairs)), expected, rtol=1e-5)


@pytest.mark.parametrize("dim", [6, 7])
def test_cosent_loss_ranks_every_ordered_two_pairs(dim):
    pairs, gold = RNG.normal(size=(6, 2, dim)), np.array([0.0, 5.0, 2.5, 2.5, 4.0, 1.0])  # a tie: no term
    expected = numpy_ranking_loss(numpy_cosines(pairs), gold)
    np.testing.assert_allclose(float(CoSENTLoss()(gold, pairs)), expected, rtol=1e-5)
    np.testing.assert_allclose(float(CoSENTLoss(scale=5.0)(gold, pairs)),
                               numpy_ranking_loss(numpy_cosines(pairs), gold, 5.0), rtol=1e-5)


@pytest.mark.parametrize("dim", [6, 7])
def test_angle_loss_is_cosent_over_the_complex_angle_similarity(dim):
    pairs, gold = RNG.normal(size=(6, 2, dim)), RNG.uniform(0, 5, size=6)
    expected = numpy_ranking_loss(numpy_angle_similarities(pairs), gold)
    np.testing.assert_allclose(float(AnglELoss()(gold, pairs)), expected, rtol=1e-4)


@pytest.mark.parametrize("columns", [2, 3])
def test_multiple_negatives_ranking_loss_is_the_cross_entropy_of_each_anchor_over_all_candidates(columns):
    rows = RNG.normal(size=(4, columns, 5))
    anchors = normalized(rows[:, 0])
    candidates = normalized(np.concatenate([rows[:, k] for k in range(1, columns)]))  # positives, then negatives
    logits = 20.0 * anchors @ candidates.T
    log_softmax = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) \
        - logits.max(1, keepdims=True)
    expected = -np.mean([log_softmax[i, i] for i in range(4)])
    np.testing.assert_allclose(float(MultipleNegativesRankingLoss()(np.zeros(4), rows)), expected, rtol=1e-5)


def test_the_ranking_losses_fall_when_the_cosines_follow_the_gold_order():
    gold = np.array([0.0, 1.0, 2.0, 3.0])
    angles = np.array([0.7, 0.5, 0.3, 0.1])  # similar pairs at small angles (below pi/4, where AnglE's
    # |cos - sin| of two unit vectors in the plane also falls with the angle): the right order
    right = np.stack([np.stack([[1.0, 0.0], [np.cos(a), np.sin(a)]]) for a in angles])
    wrong = right[::-1].copy()
    for loss in (CoSENTLoss(), AnglELoss()):
        assert float(loss(gold, right)) < 1.0 < float(loss(gold, wrong))


@pytest.mark.parametrize("loss", [CosineSimilarityLoss(), CoSENTLoss(scale=10.0), AnglELoss(scale=15.0),
                                  MultipleNegativesRankingLoss(scale=30.0)], ids=lambda loss: loss.name)
def test_each_loss_round_trips_through_its_config(loss):
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert type(copy) is type(loss) and copy.get_config() == loss.get_config()
    pairs, gold = RNG.normal(size=(4, 2, 6)), RNG.uniform(size=4)
    np.testing.assert_allclose(float(copy(gold, pairs)), float(loss(gold, pairs)), rtol=1e-6)
