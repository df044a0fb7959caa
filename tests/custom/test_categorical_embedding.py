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
