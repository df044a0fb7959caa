"""An export used from Keras 3: TFSMLayer through zoo.load_export, composed with new layers and trained."""

import keras
import numpy as np
import tensorflow as tf

import zoo


def test_export_composes_into_a_new_keras_model(text_model, exported):
    encoder = zoo.load_export(exported)
    text = keras.Input(shape=(), dtype="string", name="text")
    label = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(4, activation="relu")(encoder(text)))
    model = keras.Model(text, label)
    texts = tf.constant(["the cat sat", "a dog ran", "the dog", "cat"])
    np.testing.assert_allclose(encoder(texts).numpy(), text_model(texts)["embedding"].numpy(), atol=1e-6)
    model.compile("adam", "binary_crossentropy")
    head_before = [w.numpy().copy() for w in model.trainable_weights]
    model.fit(texts, np.array([1, 0, 0, 1]), epochs=1, verbose=0)
    assert encoder.trainable_weights == []  # the export is frozen; only the new head learns
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(head_before, model.trainable_weights))


def test_tfsmlayer_directly_returns_the_named_outputs(exported):
    layer = keras.layers.TFSMLayer(str(exported), call_endpoint="serving_default")
    assert set(layer({"text": tf.constant(["a dog"])})) == {"embedding"}
