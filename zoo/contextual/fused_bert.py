"""A fused pass through KerasHub's `BertBackbone` (fewer, larger ops), over the backbone's own variables.

Why by hand: KerasHub's BERT layer projects queries, keys and values with three `EinsumDense` layers, and on
TensorFlow's CPU kernels an `Einsum` costs more than a `MatMul` of the same FLOPs (see BENCHMARKS.md: the
backbone's per-op profile); each layer is also many small ops. Here the three projections are one `MatMul` over
their kernels concatenated, the 1/sqrt(head size) query scale is folded into those kernels, and the output
projection is a `MatMul` too: the same arithmetic in fewer, larger ops (see BENCHMARKS.md for the gain).

The fused kernels are concatenated from the live variables on every call (no slower than kernels concatenated
once, ahead; see BENCHMARKS.md), so a fine-tuned backbone is always what runs, and an export that uses this saves
each weight once. `sequence_output` is the inference pass; `training_sequence_output` the training one (dropout,
and only the real tokens through the dense products). `supports(backbone)` says whether a backbone has exactly the
structure written out here (post-norm BERT layers, approximate GELU, as `keras_hub.models.BertBackbone` builds
them); callers fall back to the Keras model otherwise.

Precision: "bfloat16" runs every matrix product (the projections, the attention scores and their sum over the
values, the feed-forward layers) in bfloat16, with float32 accumulation in oneDNN's kernels, and keeps the rest
in float32: embeddings, residual sums, layer norms, softmax, GELU and pooling. The casts are ops of the graph, so
an export computes at the precision it was made with, on any TensorFlow (TF Serving included) that has
bfloat16 CPU kernels; no session option or graph rewrite is needed where it is served. Measured on
all-MiniLM-L6-v2 (BENCHMARKS.md): 1.3-1.45x float32's sentences/s on a CPU with AVX-512 BF16, minimum cosine to
the float32 vectors 0.9999 over 2,000 STS-B sentences, STS-B test 82.04 against 82.03. int8: the dense products
go through `zoo.contextual.int8_products.Int8Products` (passed as `products`), the attention's in bfloat16.
"""

import keras
import tensorflow as tf

# A masked key's score gets this added, as Keras' Softmax does for float32.
MASKED_SCORE = -1e9
COMPUTE_DTYPES = {"float32": tf.float32, "bfloat16": tf.bfloat16}  # precision -> the matrix products' dtype


def supports(backbone):
    """True for a KerasHub BertBackbone whose layers are the post-norm, approximate-GELU ones it builds."""
    import keras_hub

    if type(backbone) is not keras_hub.models.BertBackbone:
        return False
    for layer in backbone.transformer_layers:
        if layer.normalize_first or getattr(layer.activation, "__name__", "") != "gelu_approximate":
            return False
    return True


def _layer_norm(x, layer):
    mean, variance = tf.nn.moments(x, [-1], keepdims=True)
    return (x - mean) * tf.math.rsqrt(variance + layer.epsilon) * layer.gamma + layer.beta


def _matmul(x, y, dtype, transpose_b=False):
    """x @ y with both cast to `dtype`, the product in float32 (no casts at float32)."""
    if dtype == tf.float32:
        return tf.matmul(x, y, transpose_b=transpose_b)
    return tf.cast(tf.matmul(tf.cast(x, dtype), tf.cast(y, dtype), transpose_b=transpose_b), tf.float32)


class FloatProducts:
    """The dense products of a layer at float32 or bfloat16 (both operands cast, the product back in float32)."""

    def __init__(self, dtype):
        self.dtype = self.attention_dtype = dtype

    def dense(self, x, index, name, weights):
        """x @ kernel + bias of product `name` ("qkv", "attention_output", "intermediate" or "output") of layer
        `index`; `weights()` gives that (kernel, bias) from the backbone's variables."""
        kernel, bias = weights()
        return tf.nn.bias_add(_matmul(x, kernel, self.dtype), bias)


def product_weights(layer, hidden_dim):
    """{product name: () -> (kernel, bias)} of one BERT layer, the kernels as 2-D matrices."""
    attention = layer._self_attention_layer
    heads, head_dim = attention._query_dense.kernel.shape[1:]
    output = attention._output_dense
    return {"qkv": lambda: _fused_projection(attention, hidden_dim),
            "attention_output": lambda: (tf.reshape(output.kernel, [heads * head_dim, hidden_dim]), output.bias),
            "intermediate": lambda: (layer._feedforward_intermediate_dense.kernel,
                                     layer._feedforward_intermediate_dense.bias),
            "output": lambda: (layer._feedforward_output_dense.kernel, layer._feedforward_output_dense.bias)}


def _fused_projection(attention, hidden_dim):
    """(hidden, 3 x hidden) kernel and (3 x hidden,) bias: query (scaled), key and value side by side."""
    heads, head_dim = attention._query_dense.kernel.shape[1:]
    scale = head_dim ** -0.5
    parts = [(attention._query_dense, scale), (attention._key_dense, 1.0), (attention._value_dense, 1.0)]
    kernel = tf.concat([tf.reshape(dense.kernel, [hidden_dim, heads * head_dim]) * s for dense, s in parts], 1)
    bias = tf.concat([tf.reshape(dense.bias, [heads * head_dim]) * s for dense, s in parts], 0)
    return kernel, bias


def _transformer_layer(x, mask_bias, layer, index, batch, steps, hidden_dim, products, rows=None,
                       dropout=tf.identity):
    """One post-norm BERT layer on (batch x steps, hidden) rows, or with `rows` (the real tokens' places in
    batch x steps) on the real tokens' rows alone; its dense products through `products`, the attention's in
    `products.attention_dtype`; `dropout` where KerasHub's layer has it (the attention's probabilities, the
    attention's output, the feed-forward output)."""
    heads, head_dim = layer._self_attention_layer._query_dense.kernel.shape[1:]
    weights = product_weights(layer, hidden_dim)
    dtype = products.attention_dtype
    qkv = products.dense(x, index, "qkv", weights["qkv"])
    if rows is not None:  # back to batch x steps for the attention; padded places zero (their keys are masked)
        qkv = _scatter_rows(qkv, rows, batch, steps)
    qkv = tf.cast(tf.reshape(qkv, [batch, steps, 3, heads, head_dim]), dtype)  # cast once, before the transpose
    query, key, value = tf.unstack(tf.transpose(qkv, [2, 0, 3, 1, 4]))  # each (batch, heads, steps, head_dim)
    scores = _matmul(query, key, dtype, transpose_b=True) + mask_bias
    context = _matmul(dropout(tf.nn.softmax(scores)), value, dtype)
    context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [-1, heads * head_dim])
    if rows is not None:
        context = tf.gather(context, rows)
    attended = products.dense(context, index, "attention_output", weights["attention_output"])
    x = _layer_norm(x + dropout(attended), layer._self_attention_layer_norm)
    hidden = tf.nn.gelu(products.dense(x, index, "intermediate", weights["intermediate"]), approximate=True)
    output = products.dense(hidden, index, "output", weights["output"])
    return _layer_norm(x + dropout(output), layer._feedforward_layer_norm)


def _scatter_rows(values, rows, batch, steps):
    """(tokens, width) rows of the real tokens -> (batch x steps, width), padded places zero."""
    return tf.scatter_nd(rows[:, None], values, tf.stack([tf.cast(batch * steps, tf.int64), values.shape[-1]]))


def _input_embeddings(backbone, token_ids, position_vectors, segment_ids):
    """The layer-normalised sum of token, position and segment embeddings (segment 0 without `segment_ids`)."""
    table = backbone.segment_embedding.embeddings
    segments = tf.gather(table, segment_ids) if segment_ids is not None else table[0]
    x = tf.gather(backbone.token_embedding.embeddings, token_ids) + position_vectors + segments
    return _layer_norm(x, backbone.embeddings_layer_norm)


def _mask_bias(padding_mask):
    """(batch, 1, 1, steps): MASKED_SCORE on padded keys, 0 elsewhere (keys only, as KerasHub masks them)."""
    return (1.0 - tf.cast(padding_mask, tf.float32))[:, None, None, :] * MASKED_SCORE


def sequence_output(backbone, features, precision="float32", products=None):
    """(batch, steps, hidden) token vectors of `features` (token_ids, padding_mask, segment_ids), as
    `backbone(features)["sequence_output"]` gives them in inference; `precision`: "float32" or "bfloat16", the
    matrix products' (see above). float32 out either way. `products`: what computes the dense products instead
    (`zoo.contextual.int8_products.Int8Products`, or a recorder of their inputs); `precision` is then unused."""
    products = products or FloatProducts(COMPUTE_DTYPES[precision])
    token_ids = tf.convert_to_tensor(features["token_ids"])
    batch, steps = tf.shape(token_ids)[0], tf.shape(token_ids)[1]
    hidden_dim = backbone.hidden_dim
    x = _input_embeddings(backbone, token_ids, backbone.position_embedding.position_embeddings[None, :steps],
                          features.get("segment_ids"))
    x = tf.reshape(x, [-1, hidden_dim])
    mask_bias = _mask_bias(features["padding_mask"])
    for index, layer in enumerate(backbone.transformer_layers):
        x = _transformer_layer(x, mask_bias, layer, index, batch, steps, hidden_dim, products)
    return tf.reshape(x, [batch, steps, hidden_dim])


def training_sequence_output(backbone, features, seed_generator, rate=None):
    """(batch, steps, hidden) token vectors of `features` in training: KerasHub's BERT with dropout at `rate`
    (default: the backbone's) where it has it, drawn from `seed_generator`, and only the real tokens through the
    embeddings, dense products, layer norms and GELU (the attention alone sees batch x steps). Padded places come
    out zero. The same arithmetic as `backbone(features, training=True)` on the real tokens (tested at rate 0);
    on sentence pairs of STS-B train, 42% of a padded batch's places are real tokens, and the forward and backward
    passes take half KerasHub's time (BENCHMARKS.md, fine-tuning)."""
    rate = backbone.dropout if rate is None else rate
    dropout = (lambda x: keras.random.dropout(x, rate, seed=seed_generator)) if rate else tf.identity
    mask = tf.cast(features["padding_mask"], tf.bool)
    batch, steps = tf.shape(mask)[0], tf.shape(mask)[1]
    places = tf.where(mask)  # (tokens, 2): (sentence, position) of each real token
    rows = places[:, 0] * tf.cast(steps, tf.int64) + places[:, 1]
    segment_ids = features.get("segment_ids")
    x = _input_embeddings(backbone, tf.gather_nd(features["token_ids"], places),
                          tf.gather(backbone.position_embedding.position_embeddings, places[:, 1]),
                          tf.gather_nd(segment_ids, places) if segment_ids is not None else None)
    x = dropout(x)
    mask_bias = _mask_bias(mask)
    products = FloatProducts(tf.float32)  # bfloat16 training: oneDNN's rewrite of the graph (BFloat16Steps)
    for index, layer in enumerate(backbone.transformer_layers):
        x = _transformer_layer(x, mask_bias, layer, index, batch, steps, backbone.hidden_dim, products, rows, dropout)
    return tf.reshape(_scatter_rows(x, rows, batch, steps), [batch, steps, backbone.hidden_dim])
