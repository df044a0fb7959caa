"""The static text encoder: TF-Hub text-embedding semantics against a numpy reference, served three ways."""

import os
import re

import gensim
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.static.vectors import Vectors

GLOVE = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", "test_glove.txt")
SENTENCES = ["The quick fox, of the city.", "", "unknownword and THE", "!!!", "to be or not to be"]


def numpy_reference(vectors, text, combiner):
    tokens = re.sub(r"[^\w\s]", " ", text.lower()).split()
    rows = [vectors[t] if t in vectors else np.zeros(vectors.dim, np.float32) for t in tokens]
    if not rows:
        return np.zeros(vectors.dim, np.float32)
    total = np.sum(rows, axis=0)
    return {"sum": total, "mean": total / len(rows), "sqrtn": total / np.sqrt(len(rows))}[combiner]


@pytest.mark.parametrize("combiner", ["mean", "sqrtn", "sum"])
def test_matches_the_numpy_reference_on_real_glove_vectors(combiner):
    vectors = Vectors.load(GLOVE)
    encoded = vectors.text_encoder(combiner=combiner)(tf.constant(SENTENCES))["embedding"].numpy()
    expected = np.stack([numpy_reference(vectors, s, combiner) for s in SENTENCES])
    np.testing.assert_allclose(encoded, expected, rtol=1e-5, atol=1e-6)


def test_tf_hub_example_an_unknown_word_counts_but_adds_zeros():
    vectors = Vectors(["dog"], np.array([[3.0, 4.0]], np.float32))
    out = vectors.text_encoder(combiner="sqrtn")(tf.constant(["lizard. dog", ""]))["embedding"].numpy()
    np.testing.assert_allclose(out, [[3 / np.sqrt(2), 4 / np.sqrt(2)], [0, 0]], rtol=1e-6)


def test_embedding_layer_looks_up_words_and_gives_unknown_words_zeros():
    vectors = Vectors.load(GLOVE)
    out = vectors.embedding_layer()(tf.constant([["the", "notaword"], ["of", "was"]])).numpy()
    np.testing.assert_array_equal(out[0, 0], vectors["the"])
    np.testing.assert_array_equal(out[0, 1], np.zeros(vectors.dim))
    np.testing.assert_array_equal(out[1, 1], vectors["was"])
    assert vectors.embedding_layer().trainable_weights == []


@pytest.fixture(scope="module")
def glove_export(tmp_path_factory):
    vectors = Vectors.load(GLOVE)
    encoder = vectors.text_encoder()
    path = zoo.export(encoder, "glove_test", {"text": SENTENCES}, root=tmp_path_factory.mktemp("sm"))
    return vectors, encoder, path


def test_the_export_passes_zoo_check_with_core_ops_only(glove_export):
    report = zoo.check(glove_export[2])
    assert not report.needs_tensorflow_text and report.ops["unknown"] == []
    assert report.runs[0]["outputs"]["embedding"] == {"dtype": "float32", "shape": [len(SENTENCES), 50]}


def test_the_export_loads_with_hub_load_hub_keraslayer_and_keras_3(glove_export):
    import keras
    import tensorflow_hub as hub
    import tf_keras

    vectors, encoder, path = glove_export
    texts = tf.constant(SENTENCES)
    expected = encoder(texts)["embedding"].numpy()
    served = hub.load(str(path)).signatures["serving_default"](text=texts)["embedding"].numpy()
    np.testing.assert_allclose(served, expected, atol=1e-6)

    text = tf_keras.Input(shape=(), dtype=tf.string)
    hub_layer = hub.KerasLayer(str(path), signature="serving_default", signature_outputs_as_dict=True)
    legacy = tf_keras.Model(text, tf_keras.layers.Dense(2)(hub_layer({"text": text})["embedding"]))
    assert legacy(texts).shape == (len(SENTENCES), 2)

    keras3 = zoo.load_export(path)
    np.testing.assert_allclose(keras3(texts).numpy(), expected, atol=1e-6)
    assert isinstance(keras3, keras.layers.Layer)


@pytest.mark.parametrize("texts", [["the cat", "cat"], [""], []], ids=["every word known", "no words", "no texts"])
def test_subword_encoder_takes_batches_without_an_unknown_word(texts):
    from zoo.static.fasttext_subwords import Subwords

    rng = np.random.default_rng(0)
    vectors = Vectors(["the", "cat"], rng.normal(size=(2, 3)).astype(np.float32),
                      subwords=Subwords(rng.normal(size=(20, 3)).astype(np.float32), 3, 4))
    encoder = vectors.text_encoder()
    out = encoder(tf.constant(texts, tf.string))["embedding"].numpy()
    expected = [np.sum([vectors.matrix[vectors.keys.index(w)] for w in t.split()], axis=0) / np.sqrt(len(t.split()))
                if t else np.zeros(3) for t in texts]
    np.testing.assert_allclose(out, np.reshape(expected, (len(texts), 3)), atol=1e-6)
