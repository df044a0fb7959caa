"""mean_of_rows averages n-gram rows without copying one row per n-gram (fuzzing found a 10 MB request that took
16 GB: 1,000 words of 10,000 characters, 40 million n-gram rows gathered before the sum)."""

import numpy as np
import tensorflow as tf

from zoo.static.fasttext_subwords import mean_of_rows

TABLE = np.random.default_rng(0).normal(size=(7, 3)).astype("float32")
ROWS = tf.ragged.constant([[0, 1, 1], [], [6], [2, 3, 4, 5]], dtype=tf.int64)


def test_the_mean_of_each_words_rows_with_and_without_an_extra_row():
    expected = np.stack([TABLE[[0, 1, 1]].mean(0), np.zeros(3), TABLE[6], TABLE[2:6].mean(0)])
    np.testing.assert_allclose(mean_of_rows(tf.constant(TABLE), ROWS), expected, rtol=1e-6)
    extra = np.ones((4, 3), np.float32)
    with_extra = np.stack([(TABLE[[0, 1, 1]].sum(0) + 1) / 4, np.ones(3), (TABLE[6] + 1) / 2,
                           (TABLE[2:6].sum(0) + 1) / 5])
    np.testing.assert_allclose(mean_of_rows(tf.constant(TABLE), ROWS, extra), with_extra, rtol=1e-6)


def test_no_row_is_copied_per_ngram_and_the_gradient_stays_sparse():
    table = tf.Variable(TABLE)
    graph = tf.function(lambda: mean_of_rows(table, ROWS)).get_concrete_function().graph
    reads = [op.outputs[0] for op in graph.get_operations() if op.type == "ReadVariableOp"]
    users = {op.type for op in graph.get_operations() if any(t is r for t in op.inputs for r in reads)}
    users |= {op.type for op in graph.get_operations() if op.type == "ResourceGather"}
    assert users == {"SparseSegmentSumWithNumSegments"}, f"the table goes to {sorted(users)}"
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(mean_of_rows(table, ROWS))
    gradient = tape.gradient(loss, table)
    assert isinstance(gradient, tf.IndexedSlices)  # a trainable table gets a sparse update, as with tf.gather
    dense = tf.convert_to_tensor(gradient).numpy()
    np.testing.assert_allclose(dense[:, 0], [1 / 3, 2 / 3, 1 / 4, 1 / 4, 1 / 4, 1 / 4, 1], rtol=1e-6)
