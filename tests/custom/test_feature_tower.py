import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import BucketizedEmbedding, CategoricalEmbedding, FeatureTower, TextEmbedding
from zoo.static.vectors import Vectors

FEATURES = {"user_id": np.array(["1", "2", "never seen"]), "age": np.array([17, 30, 90], np.float32),
            "genres": np.array(["Action Comedy", "", "Drama"])}


def make_tower(**kwargs):
    return FeatureTower({
        "user_id": CategoricalEmbedding(8, vocabulary=["1", "2"], oov_rate=0.2),
        "age": BucketizedEmbedding([18, 25], 4),
        "genres": CategoricalEmbedding(4, vocabulary=["Action", "Comedy", "Drama"], separator=" "),
    }, **{"output_dim": 6, **kwargs})


def test_named_inputs_of_the_declared_dtypes_and_unit_vectors_out():
    tower = make_tower()
    assert {name: tensor.dtype for name, tensor in tower.input.items()} == {
        "user_id": "string", "age": "float32", "genres": "string"}
    out = keras.ops.convert_to_numpy(tower(FEATURES))
    assert out.shape == (3, 6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, rtol=1e-5)


def test_without_normalize_and_hidden_layers_it_is_one_linear_map_of_the_concatenation():
    tower = make_tower(hidden_units=(), normalize=False)
    layers = tower.feature_layers
    concatenated = np.concatenate([keras.ops.convert_to_numpy(layers[name](FEATURES[name])) for name in FEATURES],
                                  axis=1)
    kernel, bias = tower.get_layer("output").get_weights()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(tower(FEATURES)), concatenated @ kernel + bias, atol=1e-6)


def test_a_text_encoder_is_a_feature():
    words = Vectors(["star", "wars", "toy", "story"], np.eye(4, dtype=np.float32))
    title = TextEmbedding(max_tokens=50, output_dim=5)
    title.adapt(["star wars", "toy story"])
    tower = FeatureTower({"title": words.text_encoder(), "title_words": title}, output_dim=3)
    out = tower({"title": tf.constant(["Star Wars", "Toy Story"]), "title_words": tf.constant(["star", "toy"])})
    assert out.shape == (2, 3)


def test_config_and_keras_file_round_trip(tmp_path):
    tower = make_tower()
    expected = keras.ops.convert_to_numpy(tower(FEATURES))
    clone = FeatureTower.from_config(tower.get_config())
    assert clone.feature_names == tower.feature_names and clone.count_params() == tower.count_params()
    tower.save(tmp_path / "tower.keras")
    loaded = keras.saving.load_model(tmp_path / "tower.keras")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(FEATURES)), expected, atol=1e-6)


def test_it_needs_a_feature():
    with pytest.raises(ValueError, match="at least one feature"):
        FeatureTower({})
