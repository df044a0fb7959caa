"""fused_bert: the same token vectors as KerasHub's BertBackbone, from its live variables."""

import keras
import keras_hub
import numpy as np
import pytest
import tensorflow as tf

from zoo.contextual import fused_bert
from zoo.precision import BFLOAT16_CPU_FLAGS, cpu_flags


def tiny_bert(num_layers, num_heads, hidden_dim, seed=3):
    keras.utils.set_random_seed(seed)
    return keras_hub.models.BertBackbone(vocabulary_size=50, num_layers=num_layers, num_heads=num_heads,
                                         hidden_dim=hidden_dim, intermediate_dim=2 * hidden_dim,
                                         max_sequence_length=24, num_segments=2)


def features(lengths, steps, seed=0):
    rng = np.random.default_rng(seed)
    padding_mask = (np.arange(steps)[None, :] < np.asarray(lengths)[:, None]).astype("int32")
    return {"token_ids": (rng.integers(1, 50, (len(lengths), steps)) * padding_mask).astype("int32"),
            "segment_ids": (rng.integers(0, 2, (len(lengths), steps)) * padding_mask).astype("int32"),
            "padding_mask": padding_mask}


@pytest.mark.parametrize("num_layers,num_heads,hidden_dim", [(1, 1, 8), (2, 2, 8), (3, 4, 16)])
@pytest.mark.parametrize("lengths,steps", [([5], 5), ([7, 3, 1], 7), ([4, 4], 9)])
def test_token_vectors_equal_the_keras_hub_backbone(num_layers, num_heads, hidden_dim, lengths, steps):
    backbone = tiny_bert(num_layers, num_heads, hidden_dim)
    batch = features(lengths, steps)
    expected = backbone(batch, training=False)["sequence_output"].numpy()
    ours = fused_bert.sequence_output(backbone, batch).numpy()
    # padded positions too: their queries see the same keys in both
    np.testing.assert_allclose(ours, expected, atol=2e-5, rtol=1e-5)


def test_the_live_weights_are_used():
    backbone = tiny_bert(2, 2, 8)
    batch = features([6, 2], 6)
    kernel = backbone.transformer_layers[1]._self_attention_layer._key_dense.kernel
    kernel.assign(kernel.numpy() * 3.0)  # as fine-tuning would change it
    np.testing.assert_allclose(fused_bert.sequence_output(backbone, batch).numpy(),
                               backbone(batch, training=False)["sequence_output"].numpy(), atol=2e-5)


def test_gradients_reach_the_backbone_variables():
    backbone = tiny_bert(1, 2, 8)
    batch = features([4, 3], 4)
    with tf.GradientTape(persistent=True) as tape:
        ours = tf.reduce_sum(fused_bert.sequence_output(backbone, batch) ** 2)
        theirs = tf.reduce_sum(backbone(batch, training=False)["sequence_output"] ** 2)
    query = backbone.transformer_layers[0]._self_attention_layer._query_dense.kernel
    np.testing.assert_allclose(tape.gradient(ours, query.value), tape.gradient(theirs, query.value), atol=1e-4)


def test_only_the_structure_written_out_is_claimed():
    assert fused_bert.supports(tiny_bert(1, 2, 8))
    gpt2 = keras_hub.models.GPT2Backbone(vocabulary_size=20, num_layers=1, num_heads=2, hidden_dim=8,
                                         intermediate_dim=16, max_sequence_length=16)
    assert not fused_bert.supports(gpt2)
    pre_norm = tiny_bert(1, 2, 8)
    pre_norm.transformer_layers[0].normalize_first = True
    assert not fused_bert.supports(pre_norm)


needs_bfloat16_cpu = pytest.mark.skipif(not cpu_flags() & set(BFLOAT16_CPU_FLAGS),
                                        reason="bfloat16 precision needs a CPU with AVX-512 BF16 or AMX")


@needs_bfloat16_cpu
@pytest.mark.parametrize("num_layers,num_heads,hidden_dim", [(1, 1, 8), (3, 4, 16)])
def test_bfloat16_products_stay_within_bfloat16_rounding_of_float32(num_layers, num_heads, hidden_dim):
    full, reduced, _ = full_and_reduced(num_layers, num_heads, hidden_dim, precision="bfloat16")
    cosine = (reduced * full).sum(-1) / np.linalg.norm(full, axis=-1) / np.linalg.norm(reduced, axis=-1)
    assert 0 < np.abs(reduced - full).max() < 1e-3 and cosine.min() > 0.9999  # rounded, and only by rounding


def full_and_reduced(num_layers, num_heads, hidden_dim, **reduction):
    """Token vectors of a batch of 3 through a tiny BERT at float32 and as `reduction` (sequence_output's
    arguments) says, both float32 numpy, and the batch's padding mask (bool)."""
    backbone = tiny_bert(num_layers, num_heads, hidden_dim)
    reduction = {name: value(backbone) if callable(value) else value for name, value in reduction.items()}
    batch = features([7, 3, 1], 7)
    reduced = fused_bert.sequence_output(backbone, batch, **reduction)
    assert reduced.dtype == tf.float32
    return fused_bert.sequence_output(backbone, batch).numpy(), reduced.numpy(), batch["padding_mask"].astype(bool)


@needs_bfloat16_cpu
def test_every_matrix_product_of_a_bfloat16_pass_takes_bfloat16():
    backbone = tiny_bert(2, 2, 8)
    batch = features([4, 3], 4)
    products = {"MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum"}
    for precision, dtype in (("float32", tf.float32), ("bfloat16", tf.bfloat16)):
        graph = tf.function(lambda f: fused_bert.sequence_output(backbone, f, precision)).get_concrete_function(
            {k: tf.TensorSpec([None, None], tf.int32) for k in batch}).graph
        found = [op for op in graph.get_operations() if op.type in products]
        assert len(found) == 2 * 6  # a layer: the projections, scores, context, output, two feed-forward
        assert {op.inputs[0].dtype for op in found} == {dtype}


@pytest.mark.parametrize("num_layers,num_heads,hidden_dim", [(1, 1, 8), (3, 4, 16)])
@pytest.mark.parametrize("lengths,steps", [([5], 5), ([7, 3, 1], 7), ([4, 4], 9)])
def test_the_training_pass_without_dropout_equals_the_keras_hub_backbone_on_real_tokens(
        num_layers, num_heads, hidden_dim, lengths, steps):
    backbone = tiny_bert(num_layers, num_heads, hidden_dim)
    batch = features(lengths, steps)
    expected = backbone(batch, training=False)["sequence_output"].numpy()
    ours = fused_bert.training_sequence_output(backbone, batch, keras.random.SeedGenerator(1), rate=0.0).numpy()
    real = batch["padding_mask"].astype(bool)
    np.testing.assert_allclose(ours[real], expected[real], atol=2e-5, rtol=1e-5)
    assert (ours[~real] == 0).all()  # padded places never went through the layers


def test_the_training_pass_drops_out_and_its_gradients_reach_every_weight_it_uses():
    backbone = tiny_bert(2, 2, 8)
    backbone.dropout = 0.5  # KerasHub's attribute: the default rate of the training pass
    batch = features([6, 2], 6)
    seed = keras.random.SeedGenerator(7)
    first, second = (fused_bert.training_sequence_output(backbone, batch, seed).numpy() for _ in range(2))
    real = batch["padding_mask"].astype(bool)
    assert not np.allclose(first[real], second[real])  # fresh masks each call
    variables = [v for v in backbone.trainable_variables if "pooled_dense" not in v.path]
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(fused_bert.training_sequence_output(backbone, batch, seed) ** 2)
    gradients = tape.gradient(loss, variables)
    assert all(g is not None for g in gradients), [v.path for v, g in zip(variables, gradients) if g is None]
