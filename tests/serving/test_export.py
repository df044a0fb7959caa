"""zoo.export: versioned, atomic, named signatures, warm-up requests, models.config, one copy of each weight."""

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.apis import prediction_log_pb2
from tensorflow_serving.config import model_server_config_pb2

import zoo.serving.versioned_export as export_module
from tests.conftest import make_text_model
from zoo.serving import export, versions


def test_signature_has_the_models_own_names(exported):
    signature = tf.saved_model.load(str(exported)).signatures["serving_default"]
    assert list(signature.structured_input_signature[1]) == ["text"]
    assert list(signature.structured_outputs) == ["embedding"]
    assert signature.structured_outputs["embedding"].dtype == tf.float32


def test_the_export_computes_what_the_model_computes(text_model, exported):
    texts = tf.constant(["the cat sat", "unknown words only", ""])
    served = tf.saved_model.load(str(exported)).signatures["serving_default"](text=texts)["embedding"]
    np.testing.assert_allclose(served.numpy(), text_model(texts)["embedding"].numpy(), atol=1e-6)


def test_warmup_requests_are_predict_requests_tf_serving_reads(exported):
    records = list(tf.data.TFRecordDataset(str(exported / "assets.extra/tf_serving_warmup_requests")))
    assert len(records) == 1
    log = prediction_log_pb2.PredictionLog.FromString(records[0].numpy())
    request = log.predict_log.request
    assert (request.model_spec.name, request.model_spec.signature_name) == ("tiny", "serving_default")
    assert tf.make_ndarray(request.inputs["text"]).tolist() == [b"the cat", b"a dog in the park", b""]


def test_versions_count_up_and_models_config_lists_every_model(text_model, tmp_path):
    warmup = {"text": ["a dog"]}
    first = export(text_model, "alpha", warmup, root=tmp_path)
    second = export(text_model, "alpha", warmup, root=tmp_path)
    export(text_model, "beta", warmup, root=tmp_path)
    assert (first.name, second.name) == ("1", "2") and versions(tmp_path / "alpha") == [1, 2]
    config = text_format.Parse((tmp_path / "models.config").read_text(),
                               model_server_config_pb2.ModelServerConfig())
    entries = [(c.name, c.base_path, c.model_platform) for c in config.model_config_list.config]
    assert entries == [("alpha", "/models/alpha", "tensorflow"), ("beta", "/models/beta", "tensorflow")]


def test_an_interrupted_export_leaves_no_version_folder(text_model, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "write_warmup_requests", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(text_model, "gamma", {"text": ["a"]}, root=tmp_path)
    assert list((tmp_path / "gamma").iterdir()) == []


def test_a_killed_exports_temporary_folder_is_removed_by_the_next(text_model, tmp_path):
    abandoned = tmp_path / "delta" / ".tmp-999999999-deadbeef"  # no process has this id
    abandoned.mkdir(parents=True)
    (abandoned / "saved_model.pb").write_bytes(b"half")
    export(text_model, "delta", {"text": ["a"]}, root=tmp_path)
    assert sorted(p.name for p in (tmp_path / "delta").iterdir()) == ["1"]


def test_each_weight_is_saved_once(tmp_path):
    model = make_text_model(dim=256)  # 50 x 256 float32 = 51,200 bytes of weights
    path = export(model, "sized", {"text": ["a"]}, root=tmp_path)
    saved = sum(f.stat().st_size for f in (path / "variables").glob("variables.data-*"))
    assert 51_200 <= saved < 1.1 * 51_200


def test_several_named_inputs(tmp_path):
    import keras

    age = keras.Input(shape=(), dtype="float32", name="age")
    city = keras.Input(shape=(), dtype="string", name="city")
    lookup = keras.layers.StringLookup(vocabulary=["paris", "rome"], output_mode="one_hot")
    features = keras.layers.Concatenate()([keras.layers.Reshape((1,))(age), lookup(city)])
    model = keras.Model({"age": age, "city": city}, {"embedding": keras.layers.Dense(4)(features)})
    path = export(model, "features", {"age": [31.0, 45.0], "city": ["rome", "oslo"]}, root=tmp_path)
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    assert sorted(signature.structured_input_signature[1]) == ["age", "city"]
    out = signature(age=tf.constant([31.0]), city=tf.constant(["paris"]))["embedding"]
    assert out.shape == (1, 4)


def test_warmup_examples_must_cover_every_input(text_model, tmp_path):
    with pytest.raises(ValueError, match="warm-up examples lack input 'text'"):
        export(text_model, "epsilon", {"words": ["a"]}, root=tmp_path)
    assert list((tmp_path / "epsilon").iterdir()) == []
