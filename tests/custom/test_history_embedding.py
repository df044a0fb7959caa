"""HistoryEmbedding against plain numpy: mean pooling is the mean of the known items' rows (unknown ids and padding
left out, repeats counted, the latest max_length kept, zeros for nothing known); attention pooling is a convex
combination of those rows that depends on recency; bad arguments are refused."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import HistoryEmbedding

ITEMS = ["10", "20", "30", "40"]


def layer(pooling, max_length=3):
    history = HistoryEmbedding(4, vocabulary=ITEMS, max_length=max_length, pooling=pooling)
    history(tf.constant(["10"]))  # builds
    return history


def rows(history, ids):
    table = history.item_embedding.embeddings.numpy()
    return table[[ITEMS.index(i) + 1 for i in ids]]  # row 0: the lookup's OOV


@pytest.mark.parametrize("text, kept", [
    ("10 20", ["10", "20"]),
    ("10 unknown 20", ["10", "20"]),            # an unknown id is left out
    ("20 20 30", ["20", "20", "30"]),           # repeats count
    ("10 20 30 40", ["20", "30", "40"]),        # the latest 3
    ("40  30", ["40", "30"]),                   # extra spaces
])
def test_mean_pooling_is_the_mean_of_the_known_latest_items(text, kept):
    history = layer("mean")
    np.testing.assert_allclose(history(tf.constant([text])).numpy()[0], rows(history, kept).mean(axis=0), atol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_a_history_with_nothing_known_gives_zeros(pooling):
    out = layer(pooling)(tf.constant(["", "unknown other", "10"])).numpy()
    assert np.all(out[:2] == 0) and np.any(out[2] != 0) and np.all(np.isfinite(out))


def test_attention_pooling_is_a_convex_combination_that_depends_on_recency():
    history = layer("attention")
    one = history(tf.constant(["30"])).numpy()[0]
    np.testing.assert_allclose(one, rows(history, ["30"])[0], atol=1e-6)  # one item: its row
    table = rows(history, ["10", "20"])
    forward, backward = history(tf.constant(["10 20", "20 10"])).numpy()
    weight = np.linalg.lstsq(table.T, forward, rcond=None)[0]  # forward = w1 row10 + w2 row20
    assert np.all(weight > 0) and abs(weight.sum() - 1) < 1e-4
    assert not np.allclose(forward, backward)  # the same items, another order: another weighting
    mean = layer("mean")
    a, b = mean(tf.constant(["10 20", "20 10"])).numpy()
    np.testing.assert_allclose(a, b, atol=1e-6)  # the mean ignores order


@pytest.mark.parametrize("kwargs, message", [
    ({"vocabulary": ITEMS, "pooling": "max"}, "pooling must be"),
    ({"vocabulary": []}, "needs the item ids"),
    ({"vocabulary": ITEMS, "max_length": 0}, "max_length must be at least 1"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HistoryEmbedding(4, **kwargs)
