"""TokenPooling against plain numpy, for every pooling: with a padding mask, with the Keras mask of an
Embedding(mask_zero=True), with no mask; all-masked rows give zeros; old names and old configs still work."""

import json
import warnings
import zipfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.pooling import POOLINGS, TokenPooling

RNG = np.random.default_rng(0)
VECTORS = RNG.normal(size=(4, 5, 3)).astype(np.float32)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0, 0, 0, 0, 0]], np.int32)  # right padding
TOKEN_IDS = MASK * RNG.integers(1, 20, size=MASK.shape)  # id 0 is padding, as Embedding(mask_zero=True) reads it


def numpy_pooling(pooling, vectors, mask):
    rows = []
    for row, m in zip(vectors, mask.astype(bool)):
        kept = row[m]
        if not len(kept):  # nothing to pool
            rows.append(np.zeros(row.shape[-1], np.float32))
            continue
        rows.append({"mean": kept.mean(0), "max": kept.max(0), "cls": row[0], "last": kept[-1]}[pooling])
    return np.stack(rows)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_with_a_padding_mask_equals_numpy(pooling):
    pooled = TokenPooling(pooling)(VECTORS, MASK).numpy()
    np.testing.assert_allclose(pooled, numpy_pooling(pooling, VECTORS, MASK), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(pooled[3], np.zeros(3))  # all masked: zeros, not NaN nor -3e38


@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_with_a_boolean_padding_mask_equals_numpy(pooling):
    pooled = TokenPooling(pooling)(VECTORS, MASK.astype(bool)).numpy()
    np.testing.assert_allclose(pooled, numpy_pooling(pooling, VECTORS, MASK), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_with_the_keras_mask_of_a_masking_embedding_equals_numpy(pooling):
    embedding = keras.layers.Embedding(20, 3, mask_zero=True)
    token_vectors = embedding(TOKEN_IDS)
    assert getattr(token_vectors, "_keras_mask", None) is not None
    pooled = TokenPooling(pooling)(token_vectors)
    expected = numpy_pooling(pooling, token_vectors.numpy(), MASK)
    np.testing.assert_allclose(pooled.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert np.isfinite(pooled.numpy()).all() and not pooled.numpy()[3].any()
    assert getattr(pooled, "_keras_mask", None) is None  # the mask is consumed


@pytest.mark.parametrize("pooling", POOLINGS)
def test_pooling_in_a_functional_model_reads_the_embeddings_mask(pooling):
    token_ids = keras.Input(shape=(5,), dtype="int32")
    embedding = keras.layers.Embedding(20, 3, mask_zero=True)
    pooled = TokenPooling(pooling)(embedding(token_ids))
    assert pooled.shape == (None, 3)
    model = keras.Model(token_ids, keras.layers.Dense(2)(pooled))  # Dense after it: no mask to warn about
    vectors = embedding(TOKEN_IDS).numpy()
    np.testing.assert_allclose(keras.Model(token_ids, pooled)(TOKEN_IDS).numpy(),
                               numpy_pooling(pooling, vectors, MASK), rtol=1e-6, atol=1e-6)
    assert model(TOKEN_IDS).shape == (4, 2)


@pytest.mark.parametrize("pooling", POOLINGS)
def test_without_a_mask_every_step_counts(pooling):
    np.testing.assert_allclose(TokenPooling(pooling)(VECTORS).numpy(),
                               numpy_pooling(pooling, VECTORS, np.ones_like(MASK)), rtol=1e-6, atol=1e-6)


def test_the_padding_mask_wins_over_the_keras_mask():
    token_vectors = keras.layers.Embedding(20, 3, mask_zero=True)(TOKEN_IDS)
    only_first = np.zeros_like(MASK)
    only_first[:, 0] = 1
    np.testing.assert_allclose(TokenPooling("mean")(token_vectors, only_first).numpy(),
                               token_vectors.numpy()[:, 0], rtol=1e-6)
    np.testing.assert_allclose(TokenPooling("mean")(token_vectors, mask=only_first.astype(bool)).numpy(),
                               token_vectors.numpy()[:, 0], rtol=1e-6)


@pytest.mark.parametrize("pooling", ["mean", "max", "last"])
def test_padding_values_never_leak(pooling):
    poisoned = VECTORS.copy()
    poisoned[~MASK.astype(bool)] = 1e6
    np.testing.assert_allclose(TokenPooling(pooling)(poisoned, MASK).numpy(),
                               TokenPooling(pooling)(VECTORS, MASK).numpy())


def test_it_runs_in_a_tf_function_with_unknown_shapes():
    pool = TokenPooling("last")
    run = tf.function(pool, input_signature=[tf.TensorSpec([None, None, 3]), tf.TensorSpec([None, None], tf.int32)])
    np.testing.assert_allclose(run(VECTORS, MASK).numpy(), numpy_pooling("last", VECTORS, MASK), atol=1e-6)


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="unknown pooling 'sum'"):
        TokenPooling("sum")


def test_the_default_is_mean_and_the_config_round_trips():
    assert TokenPooling().pooling == "mean"
    layer = TokenPooling("last", name="p")
    assert layer.get_config()["pooling"] == "last" and "mode" not in layer.get_config()
    clone = TokenPooling.from_config(layer.get_config())
    assert (clone.pooling, clone.name) == ("last", "p")


def test_mode_is_a_deprecated_alias_of_pooling():
    with pytest.warns(DeprecationWarning, match=r"^TokenPooling\(mode=\.\.\.\) is deprecated and will be removed in "
                                                r"the next release: use pooling=\.\.\. instead$"):
        layer = TokenPooling(mode="max")
    assert layer.pooling == "max"
    np.testing.assert_allclose(layer(VECTORS, MASK).numpy(), numpy_pooling("max", VECTORS, MASK), atol=1e-6)
    with pytest.warns(DeprecationWarning, match=r"^TokenPooling\.mode is deprecated and will be removed in the next "
                                                r"release: use TokenPooling\.pooling instead$"):
        assert layer.mode == "max"
    with pytest.raises(TypeError, match=r"TokenPooling\(\) got both pooling= and mode="):
        TokenPooling("mean", mode="max")
    with pytest.raises(TypeError, match="both"):
        TokenPooling(pooling="cls", mode="cls")


def test_an_old_config_with_mode_loads_without_a_warning():
    config = {**TokenPooling("cls", name="p").get_config()}
    config["mode"] = config.pop("pooling")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = TokenPooling.from_config(config)
    assert layer.pooling == "cls"


def test_the_registered_name_is_unchanged_and_zoo_contextual_still_exports_it():
    import zoo.contextual

    assert keras.saving.get_registered_name(TokenPooling) == "zoo>TokenPooling"
    assert zoo.contextual.TokenPooling is TokenPooling


def old_format(path, rewrite):
    """The .keras file at `path` with its config.json rewritten by `rewrite(layer config dict)` for each layer."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    for layer in config["config"]["layers"]:
        rewrite(layer)
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_a_model_saved_with_the_old_module_and_argument_loads(tmp_path):
    vectors = keras.Input(shape=(5, 3))
    padding_mask = keras.Input(shape=(5,), dtype="int32")
    model = keras.Model([vectors, padding_mask], TokenPooling("last", name="pool")(vectors, padding_mask))
    model.save(tmp_path / "model.keras")

    def as_before(layer):  # what a model saved with zoo.contextual.token_pooling's TokenPooling(mode=) holds
        if layer["class_name"] == "TokenPooling":
            layer["module"] = "zoo.contextual.token_pooling"
            layer["config"]["mode"] = layer["config"].pop("pooling")
            assert layer["registered_name"] == "zoo>TokenPooling"

    old_format(tmp_path / "model.keras", as_before)
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert loaded.get_layer("pool").pooling == "last"
    np.testing.assert_allclose(loaded([VECTORS, MASK]).numpy(), numpy_pooling("last", VECTORS, MASK), atol=1e-6)


def test_masked_mean_pooling_is_a_deprecated_mean_token_pooling():
    from zoo.custom import MaskedMeanPooling

    with pytest.warns(DeprecationWarning, match=r"^zoo\.custom\.MaskedMeanPooling is deprecated and will be removed "
                                                r"in the next release: use zoo\.pooling\.TokenPooling\('mean'\) "
                                                r"instead$"):
        layer = MaskedMeanPooling()
    assert isinstance(layer, TokenPooling) and layer.pooling == "mean"
    assert keras.saving.get_registered_name(MaskedMeanPooling) == "zoo>MaskedMeanPooling"
    token_vectors = keras.layers.Embedding(20, 3, mask_zero=True)(TOKEN_IDS)
    np.testing.assert_allclose(layer(token_vectors).numpy(), TokenPooling("mean")(token_vectors).numpy())
    with pytest.raises(ValueError, match="mean only"):
        MaskedMeanPooling(pooling="max")
