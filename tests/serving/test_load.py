"""An export used from Keras 3: TFSMLayer through zoo.load_export, composed with new layers and trained."""

import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.errors import ZooInputError


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


def test_a_model_around_an_export_saves_and_reloads(text_model, exported, tmp_path):
    text = keras.Input(shape=(), dtype="string", name="text")
    model = keras.Model(text, keras.layers.Dense(3)(zoo.load_export(exported)(text)))
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    texts = tf.constant(["the cat sat", "a dog"])
    np.testing.assert_allclose(reloaded(texts).numpy(), model(texts).numpy(), atol=1e-6)
    assert reloaded.layers[1].trainable is False


def test_an_output_the_export_lacks_is_a_clear_error(exported):
    with pytest.raises(ZooInputError, match=r"tiny/1: has no output 'vectors'; it has embedding"):
        zoo.load_export(exported, output="vectors")


TEXT_OPS_EXPORT = """
import sys, tensorflow as tf, tensorflow_text as text
class Normalizer(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.string)])
    def __call__(self, texts):
        return {"embedding": tf.cast(tf.strings.length(text.normalize_utf8(texts, "NFKC")), tf.float32)}
module = Normalizer()
tf.saved_model.save(module, sys.argv[1], signatures={"serving_default": module.__call__})
"""
LOAD_WITHOUT_TEXT_IMPORT = """
import sys
sys.argv[0] = "zoo"  # as the zoo command runs: `import zoo` then registers nothing, so TF Text is not imported
import zoo
from zoo.serving.load import register_export_ops
assert "tensorflow_text" not in sys.modules
register_export_ops(sys.argv[1])
import tensorflow as tf
print(tf.saved_model.load(sys.argv[1]).signatures["serving_default"](texts=tf.constant(["ﬁne"]))["embedding"].numpy())
"""


@pytest.mark.slow
def test_tf_text_ops_are_registered_when_an_export_needs_them(tmp_path):
    folder = tmp_path / "normalizer"
    subprocess.run([sys.executable, "-c", TEXT_OPS_EXPORT, str(folder)], check=True, capture_output=True)
    result = subprocess.run([sys.executable, "-c", LOAD_WITHOUT_TEXT_IMPORT, str(folder)], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("[4.]")  # NFKC turns the ligature into "fine"


def test_a_wrong_input_is_a_clear_error_naming_the_export(exported):
    encoder = zoo.load_export(exported)
    with pytest.raises(ZooInputError, match=r"tiny/1: input 'text' must be string, not float32"):
        encoder(tf.constant([1.0]))
    with pytest.raises(ZooInputError, match=r"tiny/1: takes the inputs \['text'\]; 'text' is missing"):
        encoder({"words": tf.constant(["a"])})
