"""Int8Products: the int8 product equals its arithmetic written in numpy, and a quantised BERT stays near float32."""

import numpy as np
import pytest
import tensorflow as tf

from tests.contextual.test_fused_bert import features, full_and_reduced, tiny_bert
from zoo.contextual import fused_bert
from zoo.contextual.int8_products import PRODUCTS, Int8Products, input_maxima, product_key, product_shapes
from zoo.errors import ZooInputError
from zoo.precision import INT8_CPU_FLAGS, cpu_flags, require_int8_cpu

needs_int8_cpu = pytest.mark.skipif(not cpu_flags() & set(INT8_CPU_FLAGS),
                                    reason="int8 precision needs a CPU with AVX-512 VNNI, AVX-VNNI or AMX")


def quantized(backbone, lengths=(6, 2), steps=6, alpha=0.5):
    products = Int8Products(backbone.num_layers, backbone.hidden_dim, backbone.intermediate_dim)
    products.quantize_backbone(backbone, input_maxima(backbone, [features(lengths, steps, seed=9)]), alpha)
    return products


def numpy_int8_dense(x, variables):
    """The int8 product in plain numpy: per-row scale, shift into [0, 2], uint8 at 255/2 a unit, int32 sums."""
    x = x * variables["inverse_smoothing"]
    rows = np.abs(x).max(1, keepdims=True) + 1e-12
    levels = np.round((x / rows + 1.0) * 127.5).astype(np.int64)
    assert levels.min() >= 0 and levels.max() <= 255
    sums = levels @ variables["kernel"].astype(np.int64)  # exact integers
    return (sums / 127.5 - variables["column_sums"]) * rows * variables["column_scales"] + variables["bias"]


@needs_int8_cpu
@pytest.mark.parametrize("name", PRODUCTS)
def test_the_int8_product_equals_its_numpy_arithmetic(name):
    backbone = tiny_bert(2, 2, 16)
    products = quantized(backbone)
    inputs = product_shapes(2, 16, 32)[product_key(1, name)][0]
    x = np.random.default_rng(4).normal(size=(11, inputs)) * np.geomspace(0.01, 50, 11)[:, None]  # rows' ranges
    variables = {k: v.numpy() for k, v in products.product_weights[product_key(1, name)].items()}
    ours = products.dense(tf.constant(x.astype("float32")), 1, name).numpy()
    expected = numpy_int8_dense(x.astype(np.float64), variables)
    np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@needs_int8_cpu
def test_the_quantised_weights_hold_the_float_product_to_within_their_rounding():
    backbone = tiny_bert(1, 2, 16)
    products = quantized(backbone)
    for name, weights in fused_bert.product_weights(backbone.transformer_layers[0], 16).items():
        kernel, bias = (w.numpy() for w in weights())
        variables = {k: v.numpy() for k, v in products.product_weights[product_key(0, name)].items()}
        assert variables["kernel"].dtype == np.int8 and np.abs(variables["kernel"]).max() == 127
        assert (variables["column_sums"] == variables["kernel"].sum(0)).all()
        restored = variables["kernel"] * variables["column_scales"] * variables["inverse_smoothing"][:, None]
        # each weight within half a step of its column (steps scale with the smoothing of its row)
        step = variables["column_scales"][None, :] * variables["inverse_smoothing"][:, None]
        assert (np.abs(restored - kernel) <= 0.5 * step + 1e-7).all()
        np.testing.assert_array_equal(variables["bias"], bias)


@needs_int8_cpu
@pytest.mark.parametrize("num_layers,num_heads,hidden_dim", [(1, 1, 8), (3, 4, 16)])
def test_an_int8_pass_stays_near_float32(num_layers, num_heads, hidden_dim):
    full, reduced, mask = full_and_reduced(num_layers, num_heads, hidden_dim, products=quantized)
    cosine = (reduced * full).sum(-1) / np.linalg.norm(full, axis=-1) / np.linalg.norm(reduced, axis=-1)
    assert 0 < np.abs(reduced - full).max() and cosine[mask].min() > 0.99, cosine[mask].min()


@needs_int8_cpu
def test_the_calibration_records_the_largest_input_of_each_product():
    backbone = tiny_bert(2, 2, 8)
    batch = features([5, 2], 5)
    maxima = input_maxima(backbone, [batch, features([3], 3, seed=1)])
    assert set(maxima) == set(product_shapes(2, 8, 16))
    # the first layer's projection takes the normalised embeddings: their largest |value| per channel
    summed = (backbone.token_embedding.embeddings.numpy()[batch["token_ids"]]
              + backbone.position_embedding.position_embeddings.numpy()[None, :5]
              + backbone.segment_embedding.embeddings.numpy()[batch["segment_ids"]])
    norm = backbone.embeddings_layer_norm
    centred = summed - summed.mean(-1, keepdims=True)
    embeddings = (centred / np.sqrt(centred.var(-1, keepdims=True) + norm.epsilon) * norm.gamma.numpy()
                  + norm.beta.numpy())
    assert (maxima[product_key(0, "qkv")] >= np.abs(embeddings).reshape(-1, 8).max(0) - 1e-5).all()
    with pytest.raises(ZooInputError, match="at least one sentence"):
        input_maxima(backbone, [])


def test_int8_is_refused_without_vnni_or_with_onednn_off(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    with pytest.raises(ZooInputError, match="precision 'int8' needs a CPU with avx512_vnni"):
        require_int8_cpu(str(cpuinfo))
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f avx512_vnni\n")
    require_int8_cpu(str(cpuinfo))
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    with pytest.raises(ZooInputError, match="TF_ENABLE_ONEDNN_OPTS=0"):
        require_int8_cpu(str(cpuinfo))
