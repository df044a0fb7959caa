"""RankingStage against plain numpy: its features (retrieval logit, the history's item-to-item score, log
popularity; zeros for no candidate), its ranking by the scorer's weights, and `fit` learning, with keras-rs's
pairwise loss, to weigh the feature that decides the planted positives."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import RankingStage

IDS = ["a", "b", "c", "d"]
WEIGHTS = np.arange(16, dtype=np.float32).reshape(4, 4) / 10
COUNTS = np.array([3, 0, 10, 1])


def stage(k=2, max_length=2):
    layer = RankingStage(IDS, k=k, temperature=0.5, max_length=max_length)
    layer.set_tables(WEIGHTS, COUNTS)
    return layer


def test_the_features_are_the_logit_the_historys_item_to_item_score_and_log_popularity():
    scores = np.array([[1.0, 0.5, 0.2], [0.3, 0.1, 0.0]], np.float32)
    rows = np.array([[2, 0, 3], [1, -1, -1]], np.int32)
    histories = ["a b c", "unknown d d"]  # the latest 2: "b c"; "d d" (unknown left out, repeats count)
    features = stage().features(tf.constant(scores), tf.constant(rows), tf.constant(histories)).numpy()
    profile = np.stack([WEIGHTS[[1, 2]].sum(axis=0), WEIGHTS[[3, 3]].sum(axis=0)])
    for user in range(2):
        for slot, row in enumerate(rows[user]):
            expected = [0, 0, 0] if row < 0 else [scores[user, slot] / 0.5, profile[user, row], np.log1p(COUNTS[row])]
            np.testing.assert_allclose(features[user, slot], expected, rtol=1e-5)


def test_it_keeps_the_k_best_by_the_scorers_weights_and_none_last():
    layer = stage(k=3)
    layer.scorer.kernel.assign(np.array([[0.0], [1.0], [0.0]], np.float32))  # the item-to-item score alone
    scores = tf.constant([[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.0, 0.0]])
    rows = tf.constant([[0, 1, 2, 3], [0, 3, -1, -1]])
    top_scores, top_rows = (x.numpy() for x in layer([scores, rows, tf.constant(["a", "b"])]))
    assert top_rows[0].tolist() == np.argsort(-WEIGHTS[0])[:3].tolist()  # the row of "a", best first
    assert top_rows[1].tolist() == [3, 0, -1] and top_scores[1, 2] == RankingStage.NO_CANDIDATE


def test_fit_learns_to_weigh_the_feature_that_decides_the_positives():
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(4, 4)).astype(np.float32)
    layer = RankingStage(IDS, k=2, temperature=1.0, max_length=1)
    layer.set_tables(weights, np.ones(4))
    histories = np.array([IDS[i] for i in rng.integers(0, 4, 400)])
    rows = np.tile(np.arange(4, dtype=np.int32), (400, 1))
    scores = rng.normal(size=(400, 4)).astype(np.float32)  # retrieval scores that say nothing
    item_to_item = weights[[IDS.index(h) for h in histories]]
    labels = (item_to_item == item_to_item.max(axis=1, keepdims=True)).astype(np.float32)  # the planted positive
    layer.fit(scores, rows, histories, labels, epochs=20)
    kernel = layer.scorer.kernel.numpy().ravel()
    assert kernel[1] > 5 * abs(kernel[0])
    _, top = layer([tf.constant(scores), tf.constant(rows), tf.constant(histories)])
    assert np.mean(labels[np.arange(400), top.numpy()[:, 0]]) > 0.95


def test_it_needs_the_item_ids():
    with pytest.raises(ValueError, match="item ids"):
        RankingStage([])
