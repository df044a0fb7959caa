import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.contextual.tiny_models import tiny_bert_encoder
from zoo.custom import FeatureTower
from zoo.custom.cached_text_encoder import CachedTextEncoder
from zoo.static.vectors import Vectors

TITLES = ["the quick brown fox", "hello world", "a cafe !"]


def static_encoder():
    words = ["the", "quick", "brown", "fox", "hello", "world", "cafe"]
    return Vectors(words, np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)).text_encoder()


@pytest.mark.parametrize("make_encoder", [static_encoder, tiny_bert_encoder])
def test_known_and_new_texts_get_the_encoders_vectors(make_encoder):
    encoder = make_encoder()
    cached = CachedTextEncoder(encoder, TITLES + TITLES[:1])
    texts = ["hello world", "the fox", "the quick brown fox", "", "a cafe !"]  # two it has not seen
    expected = encoder(tf.constant(texts))
    expected = expected["embedding"] if isinstance(expected, dict) else expected
    np.testing.assert_allclose(cached(tf.constant(texts)).numpy(), expected.numpy(), atol=1e-5)
    assert cached.lookup.vocabulary_size() == 4 and not encoder.trainable


def test_known_texts_do_not_run_the_encoder():
    armed = tf.Variable(False)

    class GuardedEncoder(keras.layers.Layer):
        """Text length as a vector; once armed, fails on any non-empty batch."""

        def call(self, text):
            tf.debugging.assert_equal(tf.logical_and(armed, tf.size(text) > 0), False, "the encoder ran")
            return tf.ones((tf.shape(text)[0], 2)) * tf.cast(tf.strings.length(text)[:, None], "float32")

    cached = CachedTextEncoder(GuardedEncoder(), ["ab", "abcd"])
    armed.assign(True)
    np.testing.assert_array_equal(cached(tf.constant(["abcd", "ab"])).numpy(), [[4, 4], [2, 2]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="the encoder ran"):
        cached(tf.constant(["abc"]))


def test_in_a_tower_it_stays_frozen_and_round_trips(tmp_path):
    tower = FeatureTower({"title": CachedTextEncoder(tiny_bert_encoder(), TITLES)}, output_dim=3)
    assert [w.name for w in tower.trainable_weights if "vectors" in w.name] == []
    tower.save(tmp_path / "tower.keras")
    loaded = keras.saving.load_model(tmp_path / "tower.keras")
    titles = tf.constant(TITLES + ["brown world"])
    np.testing.assert_allclose(loaded({"title": titles}).numpy(), tower({"title": titles}).numpy(), atol=1e-6)


class LengthEncoder(keras.layers.Layer):
    """Text length as a 2-vector: a stand-in encoder."""

    def call(self, text):
        return tf.ones((tf.shape(text)[0], 2)) * tf.cast(tf.strings.length(text)[:, None], "float32")


def test_its_width_is_output_dim_and_an_old_config_with_dim_loads_without_a_warning():
    cached = CachedTextEncoder(LengthEncoder(), ["ab", "abcd"])
    assert cached.output_dim == 2 and cached.compute_output_shape((None,)) == (None, 2)
    config = cached.get_config()
    assert config["output_dim"] == 2 and "dim" not in config
    config["dim"] = config.pop("output_dim")
    with warnings.catch_warnings(), keras.saving.custom_object_scope({"LengthEncoder": LengthEncoder}):
        warnings.simplefilter("error", DeprecationWarning)
        clone = CachedTextEncoder.from_config(config)
    assert clone.output_dim == 2 and clone.table.shape == (3, 2)


def test_dim_is_a_deprecated_alias_of_output_dim():
    with pytest.warns(DeprecationWarning, match=r"^CachedTextEncoder\(dim=\.\.\.\) is deprecated and will be "
                                                r"removed in the next release: use output_dim=\.\.\. instead$"):
        cached = CachedTextEncoder(LengthEncoder(), ["ab"], dim=2)
    assert cached.output_dim == 2
    with pytest.warns(DeprecationWarning, match=r"^CachedTextEncoder\.dim is deprecated and will be removed in the "
                                                r"next release: use CachedTextEncoder\.output_dim instead$"):
        assert cached.dim == 2
    with pytest.raises(TypeError, match=r"CachedTextEncoder\(\) got both output_dim= and dim="):
        CachedTextEncoder(LengthEncoder(), ["ab"], output_dim=2, dim=2)
