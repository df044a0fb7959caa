import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import CategoricalEmbedding


@pytest.mark.parametrize("kwargs, known, unknown", [
    ({"vocabulary": ["rock", "jazz", "pop"]}, ["rock", "pop"], ["polka"]),
    ({"vocabulary": [3, 5, 7], "integer_keys": True}, [3, 7], [99]),
    ({"hashing_bins": 16}, ["rock", "pop"], ["polka"]),
])
def test_known_and_unknown_values_get_vectors(kwargs, known, unknown):
    layer = CategoricalEmbedding(output_dim=4, **kwargs)
    out = layer(tf.constant(known + unknown)).numpy()
    assert out.shape == (3, 4) and np.isfinite(out).all()
    assert not np.allclose(out[0], out[1])


def test_unknown_values_share_the_oov_bucket():
    layer = CategoricalEmbedding(output_dim=4, vocabulary=["a", "b"])
    out = layer(tf.constant(["x", "y", "a"])).numpy()
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], layer.embedding.embeddings.numpy()[0])


def test_adapt_then_multi_valued_input_and_config_round_trip():
    layer = CategoricalEmbedding(output_dim=3)
    layer.adapt(["a", "b", "b", "c"])
    assert layer(tf.constant([["a", "c"], ["b", "z"]])).shape == (2, 2, 3)
    clone = CategoricalEmbedding.from_config(layer.get_config())
    assert sorted(clone.get_vocabulary()) == ["a", "b", "c"]


def test_using_it_before_adapt_says_so():
    layer = CategoricalEmbedding(output_dim=3)
    with pytest.raises(ValueError, match="adapt\\(\\) the layer or pass a vocabulary"):
        layer(tf.constant(["a"]))


def test_composes_in_a_functional_model():
    genre = keras.Input(shape=(), dtype="string", name="genre")
    vector = CategoricalEmbedding(output_dim=4, vocabulary=["rock", "jazz"])(genre)
    model = keras.Model(genre, keras.layers.Dense(2)(vector))
    assert model(tf.constant(["jazz", "opera"])).shape == (2, 2)


def test_separated_values_average_their_vectors():
    layer = CategoricalEmbedding(output_dim=4, vocabulary=["Action", "Comedy", "Drama"], separator=" ")
    out = layer(tf.constant(["Action Comedy", "Drama", "", "  Drama  Western"])).numpy()
    table = layer.embedding.embeddings.numpy()  # row 0: the OOV bucket, then the vocabulary in order
    np.testing.assert_allclose(out[0], (table[1] + table[2]) / 2, rtol=1e-6)
    np.testing.assert_allclose(out[1], table[3], rtol=1e-6)
    np.testing.assert_array_equal(out[2], np.zeros(4))  # no value: the zero vector, not NaN
    np.testing.assert_allclose(out[3], (table[3] + table[0]) / 2, rtol=1e-6)  # an unknown value: its OOV vector


def test_other_separators_drop_empty_values():
    layer = CategoricalEmbedding(output_dim=2, vocabulary=["a", "b"], separator="|")
    out = layer(tf.constant(["a||b|", "b"])).numpy()
    table = layer.embedding.embeddings.numpy()
    np.testing.assert_allclose(out[0], (table[1] + table[2]) / 2, rtol=1e-6)


@pytest.mark.parametrize("num_oov_indices", [1, 3])
def test_oov_rate_sends_that_share_of_training_values_to_the_oov_buckets(num_oov_indices):
    layer = CategoricalEmbedding(output_dim=2, vocabulary=["a", "b"], num_oov_indices=num_oov_indices,
                                 oov_rate=0.3, seed=1)
    values = tf.constant(["a", "b"] * 5000)
    ids = layer._ids(values, training=True).numpy()
    assert abs((ids < num_oov_indices).mean() - 0.3) < 0.02
    assert set(np.unique(ids[ids < num_oov_indices])) == set(range(num_oov_indices))
    np.testing.assert_array_equal(layer._ids(values, training=False).numpy(), layer.lookup(values).numpy())


def test_oov_rate_needs_an_oov_bucket():
    with pytest.raises(ValueError, match="num_oov_indices >= 1"):
        CategoricalEmbedding(vocabulary=["a"], num_oov_indices=0, oov_rate=0.1)
