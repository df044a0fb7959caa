"""Every way a user loads an export, checked against its `serving_default` signature (the model server's view):
zoo.load_export, `zoo embed` (text-in exports), tf.saved_model.load(path)(x), hub.load(path)(x),
hub.KerasLayer(path) in a tf_keras model without naming a signature, and keras.layers.TFSMLayer.

The recipe tests call `check_every_loader` on the exports each recipe makes."""

import json

import keras
import numpy as np
import tensorflow as tf
import tensorflow_hub as hub
import tf_keras

import zoo
from zoo.cli import main as zoo_main


def assert_same(actual, expected, where):
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and set(actual) == set(expected), f"{where}: outputs {actual}"
        for name in expected:
            assert_same(actual[name], expected[name], f"{where}, output {name}")
        return
    actual, expected = np.asarray(actual), np.asarray(expected)
    if expected.dtype.kind in "SOU":
        assert actual.tolist() == expected.tolist(), where
    else:
        np.testing.assert_allclose(actual, expected, atol=1e-5, err_msg=where)


def check_every_loader(path, inputs, capsys=None):
    """`inputs`: {input name: values} for the export at `path`. `capsys` (pytest's) checks `zoo embed` too."""
    path = str(path)
    signature = tf.saved_model.load(path).signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    tensors = {name: tf.constant(inputs[name], specs[name].dtype) for name in specs}
    expected = {name: value.numpy() for name, value in signature(**tensors).items()}
    one_input = tensors[next(iter(specs))] if len(specs) == 1 else tensors
    one_output = expected[next(iter(expected))] if len(expected) == 1 else expected

    assert_same(zoo.load_export(path, output=None)(tensors), expected, "zoo.load_export")
    assert_same(tf.saved_model.load(path)(one_input), one_output, "tf.saved_model.load(path)(x)")
    assert_same(hub.load(path)(one_input), one_output, "hub.load(path)(x)")
    keras_inputs = {name: tf_keras.Input(shape=spec.shape[1:], dtype=spec.dtype, name=name)
                    for name, spec in specs.items()}
    hub_layer = hub.KerasLayer(path)
    legacy = tf_keras.Model(keras_inputs, hub_layer(keras_inputs[next(iter(specs))] if len(specs) == 1
                                                   else keras_inputs))
    assert_same(legacy(tensors), one_output, "hub.KerasLayer(path) in a tf_keras model")
    assert_same(keras.layers.TFSMLayer(path, call_endpoint="serving_default")(tensors), expected, "TFSMLayer")

    if capsys is not None:
        check_zoo_embed(path, specs, inputs, expected, capsys)


def check_zoo_embed(path, specs, inputs, expected, capsys):
    """`zoo embed`: a text a line for a text export, a JSON object of the inputs a line for any other."""
    columns = {name: np.asarray(inputs[name]).tolist() for name in specs}
    columns = {name: [v.decode() if isinstance(v, bytes) else v for v in values] for name, values in columns.items()}
    texts = len(specs) == 1 and specs[next(iter(specs))].dtype == tf.string
    rows = columns[next(iter(specs))] if texts else [
        {name: columns[name][i] for name in specs} for i in range(len(columns[next(iter(specs))]))]
    capsys.readouterr()
    assert zoo_main(["embed", path, *(rows if texts else [json.dumps(row) for row in rows])]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["text" if texts else "inputs"] for line in lines] == rows
    for name in ["embedding"] if "embedding" in expected else sorted(expected):
        printed = [line[name] for line in lines]
        if expected[name].dtype.kind in "SO":
            assert printed == [[v.decode() for v in row] for row in expected[name].tolist()], "zoo embed"
        else:
            np.testing.assert_allclose(printed, expected[name], atol=1e-5, err_msg="zoo embed")
