"""The Keras contract every public zoo layer keeps, as one helper (in the spirit of KerasHub's `run_layer_test`):

1. `input -> zoo layer -> Dense` builds as a functional model, and one training step runs;
2. the model saves to `.keras` and loads in a process that has run nothing but `import zoo` (and keras) and other
   models' loads (`FreshLoader`), giving the same outputs to float tolerance;
3. the model exports with `zoo.export` and passes `zoo check`.

Large state (tables, vocabularies) must be weights or assets: the helper also bounds the size of the saved
config, so a vocabulary that sneaks into the JSON fails here.
"""

import atexit
import json
import pickle
import subprocess
import sys
import threading
import zipfile

import keras
import numpy as np
import tensorflow as tf

import zoo

# One loader process for the test session: it imports zoo and keras, then loads each model it is sent. Loading a
# model registers nothing (Keras finds classes only among those registered, and `import zoo` registers them all),
# so each load sees exactly what a fresh process after a bare `import zoo` would; sharing it saves a TensorFlow
# start-up (seconds) a contract row.
LOADER = """
import json, pickle, sys, traceback
import zoo
import keras
import tensorflow as tf
for line in sys.stdin:
    model_path, inputs_path, outputs_path = json.loads(line)
    try:
        model = keras.models.load_model(model_path)
        with open(inputs_path, "rb") as handle:
            inputs = tf.nest.map_structure(tf.constant, pickle.load(handle))
        outputs = model.predict(inputs, verbose=0)
        with open(outputs_path, "wb") as handle:
            pickle.dump(outputs, handle)
        answer = "ok"
    except Exception:
        answer = traceback.format_exc()
    print("@@loaded " + json.dumps(answer), flush=True)
"""


class FreshLoader:
    """The loader process, started on first use and stopped at exit; `load(model, inputs, outputs)` returns "ok"
    or the loader's traceback."""

    process = None

    @classmethod
    def load(cls, *paths, timeout=600):
        if cls.process is None or cls.process.poll() is not None:
            cls.process = subprocess.Popen([sys.executable, "-c", LOADER], stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            atexit.register(cls.process.kill)
        cls.process.stdin.write(json.dumps([str(p) for p in paths]) + "\n")
        cls.process.stdin.flush()
        timer = threading.Timer(timeout, cls.process.kill)
        timer.start()
        try:
            for line in cls.process.stdout:
                if line.startswith("@@loaded "):
                    return json.loads(line[len("@@loaded "):])
        finally:
            timer.cancel()
        return f"the loader process ended (exit code {cls.process.wait()})"


def check_keras_contract(layer, inputs, sample, tmp_path, most_config_bytes=20_000, export=True, atol=1e-5):
    """Runs the contract for `layer`, called on the Keras inputs `inputs` (a keras.Input or a dict of them) with
    the numpy `sample` (matching `inputs`). Returns the trained model."""
    features = layer(inputs)
    if isinstance(features, dict):  # a text encoder model's named output
        features = features["embedding"]
    output = keras.layers.Dense(2, name="head")(features)
    model = keras.Model(inputs, output)
    model.compile(optimizer="adam", loss="mse")
    batch = len(next(iter(sample.values())) if isinstance(sample, dict) else sample)
    tensors = tf.nest.map_structure(tf.constant, sample)  # Keras takes 1-D string arrays only as numpy
    model.fit(tensors, np.random.default_rng(0).normal(size=(batch, 2)).astype("float32"), epochs=1, verbose=0)
    expected = model.predict(tensors, verbose=0)

    path = tmp_path / "model.keras"
    model.save(path)
    config = zipfile.ZipFile(path).read("config.json")
    assert len(config) <= most_config_bytes, f"the saved config is {len(config):,} bytes: large state belongs in " \
                                             "weights or assets"
    json.loads(config)
    with open(tmp_path / "inputs.pkl", "wb") as handle:
        pickle.dump(sample, handle)
    answer = FreshLoader.load(path, tmp_path / "inputs.pkl", tmp_path / "outputs.pkl")
    assert answer == "ok", f"keras.models.load_model after `import zoo` failed:\n{answer[-3000:]}"
    with open(tmp_path / "outputs.pkl", "rb") as handle:
        np.testing.assert_allclose(pickle.load(handle), expected, atol=atol)

    if export:
        warmup = {name: value[:2] for name, value in sample.items()} if isinstance(sample, dict) else None
        if warmup is None:
            warmup = {model.inputs[0].name: sample[:2]}
        exported = zoo.export(model, "contract", warmup, root=tmp_path / "saved_models", output_name="output")
        zoo.check(exported)
    return model
