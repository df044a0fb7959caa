"""Word2Vec and FastText at a high learning rate: the batched step scales each input row's summed update as
sequential SGD would move it (NegativeSamplingModel's `sequential_scaling`), so they learn where summed updates
diverged (issue 24: skip-gram and FastText at chance from a rate of 0.075-0.1 on the shipped corpus)."""

import numpy as np
import pytest
import tensorflow as tf

from tests.static.test_word2vec import SMALL, planted_corpus, planted_spearman
from zoo.static.corpus import Corpus
from zoo.static.fasttext import FastText
from zoo.static.negative_sampling_model import NegativeSamplingModel, _sequential_scales
from zoo.static.word2vec import Word2Vec

HIGH = {**SMALL, "alpha": 0.2}  # on this corpus, summed updates left skip-gram at 0.30 and FastText at 0.11


@pytest.mark.parametrize("trainer", [lambda: Word2Vec(mode="skipgram", **HIGH),
                                     lambda: Word2Vec(mode="cbow", **HIGH),
                                     lambda: FastText(mode="skipgram", bucket=5000, **HIGH)],
                         ids=["skipgram", "cbow", "fasttext-skipgram"])
def test_a_high_learning_rate_learns_the_planted_structure(trainer):
    trained = planted_spearman(trainer().fit(planted_corpus(), verbose=0).vectors)
    shuffled = planted_spearman(trainer().fit(planted_corpus(shuffled=True), verbose=0).vectors)
    # 0.554 is the most a Spearman against a same-topic flag reaches here (ties): every trainer reaches it.
    assert trained > 0.5 and trained > shuffled + 0.4, (trained, shuffled)


def sequential_distance(curvature, steps):
    """The distance n SGD steps of curvature a cover on a 1-D quadratic, started 1 away from its minimum."""
    position = 1.0
    for _ in range(steps):
        position -= curvature * position  # a step: rate x gradient, the gradient being (second derivative) x position
    return 1.0 - position


@pytest.mark.parametrize("curvature", [1e-4, 0.01, 0.1, 0.5, 0.9])
@pytest.mark.parametrize("steps", [1, 2, 7, 40])
def test_the_scaled_sum_of_steps_covers_what_the_steps_one_by_one_would(curvature, steps):
    scale = _sequential_scales(tf.constant([float(steps)]), tf.constant([steps * curvature]))[0].numpy()
    summed = steps * curvature  # the distance the summed steps cover: overshoots once it passes 1
    np.testing.assert_allclose(scale * summed, sequential_distance(curvature, steps), rtol=1e-4)


def test_one_step_is_left_alone_and_a_step_past_the_curvature_is_a_newton_step():
    scales = _sequential_scales(tf.constant([1.0, 0.5, 1.0, 3.0, 2.0, 1.0]),
                                tf.constant([0.3, 0.2, 0.0, 6.0, 1e-8, 4.0])).numpy()
    # one step, or less (a weight below 1), of curvature below 1: unchanged; no curvature (no pair): unchanged;
    # 3 steps of curvature 2 each, or one of 4: to the minimum (1 / total curvature)
    np.testing.assert_allclose(scales, [1, 1, 1, 1 / 6, 1, 1 / 4], rtol=1e-5)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_each_input_rows_summed_update_is_scaled_by_its_steps_and_curvature_and_outputs_are_not():
    """The model's scaled step against the plain one and the scales computed here in numpy, on a packed batch with
    a row in two examples and two rows in one (each example's steps: its positive weights; its curvature: rate x
    the second derivative along its hidden gradient)."""
    rng = np.random.default_rng(0)
    batch = {  # 4 examples in 2 groups of 2, sharing 3 noise words a group
        "input_ids": np.array([1, 2, 2, 5, 1], np.int32), "input_examples": np.array([0, 1, 1, 2, 3], np.int32),
        "input_weights": np.array([1, .5, .5, 1, 1], np.float32),
        "input_update_weights": np.array([1, 1, 1, 1, .5], np.float32),
        "positive_ids": np.array([[3, 4], [3, 3], [0, 5], [6, 1]], np.int32),
        "positive_weights": np.array([[1, 1], [1, 0], [1, 0.25], [0.5, 0]], np.float32),
        "noise_ids": np.array([[6, 5, 3], [1, 1, 2]], np.int32),
        "noise_weights": np.array([0.5, 1, 0.25, 2], np.float32), "learning_rate": np.float32(1.0)}
    inputs = rng.normal(0, 0.3, (10, 4)).astype(np.float32)
    outputs = rng.normal(0, 1.0, (7, 4)).astype(np.float32)  # a high rate on large rows: scales well below 1
    results = {}
    for scaled in (False, True):
        model = NegativeSamplingModel(10, 7, 4, sequential_scaling=scaled)
        _, new_inputs, new_outputs = model.update({k: tf.constant(v) for k, v in batch.items()},
                                                  tf.constant(inputs), tf.constant(outputs))
        results[scaled] = new_inputs.numpy(), new_outputs.numpy()

    hidden = np.zeros((4, 4), np.float32)
    np.add.at(hidden, batch["input_examples"], inputs[batch["input_ids"]] * batch["input_weights"][:, None])
    positive_rows, noise_rows = outputs[batch["positive_ids"]], np.repeat(outputs[batch["noise_ids"]], 2, axis=0)
    positive_scores = np.einsum("cd,ckd->ck", hidden, positive_rows)
    noise_scores = np.einsum("cd,csd->cs", hidden, noise_rows)
    gradient = (np.einsum("ck,ckd->cd", batch["positive_weights"] * sigmoid(-positive_scores), positive_rows)
                - np.einsum("c,cs,csd->cd", batch["noise_weights"], sigmoid(noise_scores), noise_rows))
    direction = gradient / np.linalg.norm(gradient, axis=1, keepdims=True)
    curvature = (np.einsum("ck,ck->c", batch["positive_weights"] * sigmoid(positive_scores) * sigmoid(-positive_scores),
                           np.einsum("ckd,cd->ck", positive_rows, direction) ** 2)
                 + batch["noise_weights"] * np.einsum("cs,cs->c", sigmoid(noise_scores) * sigmoid(-noise_scores),
                                                      np.einsum("csd,cd->cs", noise_rows, direction) ** 2))
    steps = batch["positive_weights"].sum(axis=1)
    expected = results[False][0].copy()
    for row in np.unique(batch["input_ids"]):
        entries = batch["input_ids"] == row
        weights, examples = batch["input_update_weights"][entries], batch["input_examples"][entries]
        n, total = max((weights * steps[examples]).sum(), 1), (weights * curvature[examples]).sum()
        scale = (1 - (1 - min(total / n, 1)) ** n) / total
        expected[row] = inputs[row] + scale * (results[False][0][row] - inputs[row])
        assert scale < (0.3 if row in (1, 2) else 0.9)  # rows 1 and 2: two examples, or two rows of one
    np.testing.assert_allclose(results[True][0], expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(results[True][1], results[False][1])


@pytest.mark.parametrize("trainer, alpha, scaled", [
    (Word2Vec, None, False), (Word2Vec, 0.05, False), (Word2Vec, 0.075, True), (Word2Vec, 0.2, True),
    (FastText, None, False), (FastText, 0.1, True)])
def test_skip_gram_scales_its_steps_above_the_rate_where_the_plain_step_still_learns(trainer, alpha, scaled):
    assert trainer(mode="skipgram", alpha=alpha).sequential_scaling() is scaled
    assert trainer(mode="cbow", alpha=alpha).sequential_scaling() is False  # CBOW learns up to 0.2 without it


@pytest.mark.parametrize("mode, training_words, expected", [
    ("skipgram", 10**9, 0.025),  # a large corpus: word2vec.c's rates
    ("cbow", 10**9, 0.05),
    ("skipgram", 40_000_000, 0.025),  # from BASE_ALPHA_WORDS on
    ("skipgram", 2_350_000, 0.025 * np.sqrt(40_000_000 / 2_350_000)),  # the shipped corpus x 5 epochs: about 0.1
    ("cbow", 2_350_000, 0.2),  # 0.206, kept at MAX_ALPHA
    ("skipgram", 250_000, 0.2),  # the Lee corpus x 5 epochs
    ("skipgram", 0, 0.2),
])
def test_the_default_learning_rate_rises_as_the_corpus_shrinks(mode, training_words, expected):
    assert Word2Vec.default_alpha(mode, training_words) == pytest.approx(expected)


@pytest.mark.parametrize("trainer", [Word2Vec, lambda **kw: FastText(bucket=2000, **kw)], ids=["word2vec", "fasttext"])
def test_fit_takes_the_rule_s_rate_unless_given_one(trainer):
    corpus = Corpus.build(planted_corpus(40), min_count=1, progress=False)
    by_rule = trainer(**dict(SMALL, epochs=1)).fit(corpus, verbose=0)
    assert by_rule.alpha == Word2Vec.default_alpha("skipgram", corpus.total_words) == 0.2  # a tiny corpus
    assert by_rule.sequential_scaling() and by_rule.settings["alpha"] is None
    given = trainer(**dict(SMALL, epochs=1, alpha=0.03)).fit(corpus, verbose=0)
    assert given.alpha == 0.03 and not given.sequential_scaling()
