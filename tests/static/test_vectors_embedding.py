"""VectorsEmbedding: known words give their rows; unknown words zeros, a hashed OOV row, or subword vectors."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.static.vectors import Vectors

KEYS = ["dog", "cat", "fish"]
MATRIX = np.arange(6, dtype=np.float32).reshape(3, 2) + 1


@pytest.mark.parametrize("oov", [None, "zeros"])
def test_known_words_give_their_rows_and_unknown_words_zeros(oov):
    layer = Vectors(KEYS, MATRIX).embedding_layer(oov=oov)
    out = layer(tf.constant([["cat", "lizard"], ["fish", "dog"]])).numpy()
    np.testing.assert_array_equal(out, [[MATRIX[1], [0, 0]], [MATRIX[2], MATRIX[0]]])


@pytest.mark.parametrize("buckets", [1, 4])
def test_unknown_words_share_hashed_oov_rows_that_train(buckets):
    layer = Vectors(KEYS, MATRIX).embedding_layer(oov=buckets, trainable=True)
    unknown = ["lizard", "newt", "axolotl", "gecko", "skink"]
    layer.build((None,))
    table = layer.embedding.embeddings
    table.assign(tf.concat([tf.range(buckets, dtype=tf.float32)[:, None] * [[1.0, -1.0]] + 10, MATRIX], 0))
    # The independent reference: StringLookup hashes unknown words with FarmHash, as to_hash_bucket_fast does.
    expected_rows = tf.strings.to_hash_bucket_fast(unknown, buckets).numpy()
    np.testing.assert_array_equal(layer(tf.constant(unknown)).numpy(), table.numpy()[expected_rows])
    np.testing.assert_array_equal(layer(tf.constant(["dog"])).numpy(), [MATRIX[0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.constant(["lizard"])))
    gradient = tf.convert_to_tensor(tape.gradient(loss, table)).numpy()
    assert np.flatnonzero(gradient.any(axis=1)).tolist() == [expected_rows[0]]


@pytest.mark.parametrize("oov", ["subwords", 0, -2, "buckets"])
def test_bad_oov_choices_say_what_is_allowed(oov):
    with pytest.raises(ValueError, match="oov"):
        Vectors(KEYS, MATRIX).embedding_layer(oov=oov)
