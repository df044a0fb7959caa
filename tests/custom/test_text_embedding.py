import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import TextEmbedding

TEXTS = ["the cat sat on the mat", "a dog ran in the park", "the dog sat", "cats and dogs"]


def adapted(**kwargs):
    layer = TextEmbedding(max_tokens=40, output_dim=6, sequence_length=5, **kwargs)
    layer.adapt(TEXTS)
    return layer


@pytest.mark.parametrize("pooling, width", [("mean", 6), ("bilstm", 6)])
def test_strings_in_vectors_out(pooling, width):
    layer = adapted(pooling=pooling)
    out = layer(tf.constant(["the cat", "", "zebra quagga", "The CAT!"])).numpy()
    assert out.shape == (4, width) and np.isfinite(out).all()
    np.testing.assert_array_equal(out[1], np.zeros(width))  # empty string: zeros, not NaN
    np.testing.assert_allclose(out[0], out[3], atol=1e-6)  # lower-cased, punctuation stripped


def test_mean_pooling_is_the_mean_of_the_token_vectors():
    layer = adapted()
    pooled = layer(tf.constant(["the cat sat"])).numpy()[0]
    ids = layer.vectorize(tf.constant(["the cat sat"])).numpy()[0]
    expected = layer.embedding.embeddings.numpy()[ids[ids > 0]].mean(axis=0)
    assert (ids > 0).sum() == 3
    np.testing.assert_allclose(pooled, expected, rtol=1e-6)


def test_mean_pooling_is_token_pooling_and_builds_no_deprecated_layer():
    from zoo.pooling import TokenPooling

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        layer = adapted()
    assert type(layer.pool) is TokenPooling and layer.pool.pooling == "mean"


def test_tokens_past_the_sequence_length_are_dropped():
    layer = adapted()
    np.testing.assert_allclose(layer(tf.constant(["the cat sat on the mat"])).numpy(),
                               layer(tf.constant(["the cat sat on the dog"])).numpy(), atol=1e-6)


def test_config_round_trip_keeps_the_vocabulary():
    layer = adapted(pooling="bilstm", lstm_units=2)
    clone = TextEmbedding.from_config(layer.get_config())
    assert clone.get_vocabulary() == layer.get_vocabulary()
    assert clone.compute_output_shape((None,)) == (None, 4)


def test_composes_and_learns_in_a_functional_model():
    layer = adapted()
    text = keras.Input(shape=(), dtype="string")
    model = keras.Model(text, keras.layers.Dense(1, activation="sigmoid")(layer(text)))
    model.compile(keras.optimizers.Adam(0.05), "binary_crossentropy")
    x, y = tf.constant(TEXTS * 8), np.array([1, 0, 0, 1] * 8)
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first / 2


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be one of"):
        TextEmbedding(pooling="max")
