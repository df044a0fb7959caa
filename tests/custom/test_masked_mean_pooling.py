"""MaskedMeanPooling, deprecated: TokenPooling("mean") under its old name, which old .keras files still load."""

import json
import zipfile

import keras
import numpy as np
import pytest

from zoo.custom import MaskedMeanPooling

pytestmark = pytest.mark.filterwarnings("ignore:zoo.custom.MaskedMeanPooling is deprecated:DeprecationWarning")


def test_matches_numpy_and_gives_zeros_for_fully_masked_rows():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=bool)
    pooled = MaskedMeanPooling()(values, mask=mask).numpy()
    np.testing.assert_allclose(pooled[0], values[0, :2].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pooled[1], values[1].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(pooled[2], np.zeros(4))
    np.testing.assert_allclose(MaskedMeanPooling()(values).numpy(), values.mean(axis=1), rtol=1e-6)


def test_construction_warns():
    with pytest.warns(DeprecationWarning, match="MaskedMeanPooling is deprecated"):
        MaskedMeanPooling()


def test_an_old_keras_file_with_it_loads(tmp_path):
    token_ids = keras.Input(shape=(4,), dtype="int32")
    pooled = MaskedMeanPooling(name="mean")(keras.layers.Embedding(10, 3, mask_zero=True)(token_ids))
    model = keras.Model(token_ids, pooled)
    model.save(tmp_path / "model.keras")
    with zipfile.ZipFile(tmp_path / "model.keras") as archive:  # as the old class saved it: no `pooling`
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    layer = next(layer for layer in config["config"]["layers"] if layer["class_name"] == "MaskedMeanPooling")
    assert layer["registered_name"] == "zoo>MaskedMeanPooling"
    del layer["config"]["pooling"]
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    ids = np.array([[3, 4, 0, 0], [0, 0, 0, 0]], np.int32)
    np.testing.assert_allclose(loaded(ids).numpy(), model(ids).numpy(), atol=1e-6)
    assert isinstance(loaded.get_layer("mean"), MaskedMeanPooling)
