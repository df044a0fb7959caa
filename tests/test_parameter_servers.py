"""zoo.parameter_servers' pieces that need no cluster: ShardedAdam's step against Keras' Adam (dense) and against
plain numpy lazy Adam (rows of a table), its refusals, and the epoch backup's round trip. (A real cluster on
loopback, killed and resumed: tests/recipes/test_parameter_servers.py.)"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.errors import ZooInputError
from zoo.parameter_servers import EpochBackup, ShardedAdam


def numpy_adam(value, gradients, rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam as Keras writes it, on rows that each gradient touches only ("lazy": the others keep their moments)."""
    m, v = np.zeros_like(value), np.zeros_like(value)
    for step, (rows, gradient) in enumerate(gradients, start=1):
        alpha = rate * np.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
        summed = np.zeros_like(value)
        np.add.at(summed, rows, gradient)
        touched = np.unique(rows)
        m[touched] = beta_1 * m[touched] + (1 - beta_1) * summed[touched]
        v[touched] = beta_2 * v[touched] + (1 - beta_2) * summed[touched] ** 2
        value[touched] -= alpha * m[touched] / (np.sqrt(v[touched]) + epsilon)
    return value


def test_on_dense_gradients_a_step_is_keras_adams():
    start = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    ours, theirs = keras.Variable(start), keras.Variable(start)
    sharded = ShardedAdam([ours], tf.distribute.get_strategy(), learning_rate=0.01)
    adam = keras.optimizers.Adam(0.01)
    for seed in range(5):
        gradient = tf.constant(np.random.default_rng(seed + 1).normal(size=(4, 3)).astype(np.float32))
        sharded.apply([gradient])
        adam.apply([gradient], [theirs])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_on_a_tables_rows_only_those_rows_and_their_moments_change_summed_over_repeats():
    rng = np.random.default_rng(1)
    start = rng.normal(size=(6, 2)).astype(np.float32)
    table = keras.Variable(start)
    sharded = ShardedAdam([table], tf.distribute.get_strategy(), learning_rate=0.05)
    gradients = [(np.array([0, 2, 2]), rng.normal(size=(3, 2)).astype(np.float32)),
                 (np.array([5, 0]), rng.normal(size=(2, 2)).astype(np.float32))]
    for rows, values in gradients:
        sharded.apply([tf.IndexedSlices(tf.constant(values), tf.constant(rows))])
    expected = numpy_adam(start.copy(), gradients, 0.05)
    np.testing.assert_allclose(table.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(table.numpy()[[1, 3, 4]], start[[1, 3, 4]])  # never touched


@pytest.mark.parametrize("optimizer, message", [
    (keras.optimizers.SGD(0.1), "trains with Adam only; the model is compiled with SGD"),
    (keras.optimizers.AdamW(0.1), "trains with Adam only; the model is compiled with AdamW"),
    (keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)), "not a schedule"),
])
def test_what_it_cannot_apply_is_a_one_line_refusal(optimizer, message):
    with pytest.raises(ZooInputError, match=message):
        ShardedAdam.from_keras(optimizer, [keras.Variable(np.zeros(2))], tf.distribute.get_strategy())


def test_the_epoch_backup_brings_back_weights_moments_and_seed_states(tmp_path):
    def model():
        inputs = keras.Input((3,))
        outputs = keras.layers.Dense(2)(keras.layers.Dropout(0.5, seed=1)(inputs))
        built = keras.Model(inputs, outputs)
        built.compile(optimizer=keras.optimizers.Adam(0.1))
        return built

    trained, fresh = model(), model()
    optimizer = ShardedAdam.from_keras(trained.optimizer, trained.trainable_variables, tf.distribute.get_strategy())
    optimizer.apply([tf.ones_like(v.value) for v in trained.trainable_variables])
    trained.layers[1].seed_generator.next()
    EpochBackup(tmp_path, trained, optimizer).save(3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parameter-servers-3.npz", "parameter-servers.json"]
    restored = ShardedAdam.from_keras(fresh.optimizer, fresh.trainable_variables, tf.distribute.get_strategy())
    assert EpochBackup(tmp_path, fresh, restored).restore() == 3
    for a, b in zip(trained.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for a, b in zip(optimizer.state(), restored.state()):
        np.testing.assert_array_equal(a, b)
    assert EpochBackup(tmp_path / "none", fresh, restored).restore() == 0
