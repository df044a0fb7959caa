"""`Int8Products`: a BERT backbone's dense products in int8 on oneDNN's quantized CPU kernel, served by TensorFlow.

What runs: each of a layer's four dense products (the fused query/key/value projection, the attention output,
the two feed-forward layers) as `QuantizedMatMulWithBiasAndDequantize`: uint8 activations x int8 weights, int32
sums, float32 out, the op TensorFlow's x86 builds register with oneDNN (on the int8 units of AVX-512 VNNI or AMX).
Everything else runs as in `fused_bert`: the attention's scores and their sum over the values in bfloat16 where
the CPU has it (else float32); embeddings, residual sums, layer norms, softmax, GELU and pooling in float32.

How it is quantised, each choice measured on all-MiniLM-L6-v2 (2,000 STS-B sentences, cosine to float32;
BENCHMARKS.md, "Sentence encoding"):
- Weights: int8 with one scale per output column. One scale per matrix gave a minimum cosine of 0.42 where
  per column gives 0.98. The kernel takes a single weight range, so the int8 values go in at scale 1 and the
  column scales multiply its float output.
- Activations: per token (row), at run time. Each row is divided by its largest |value|, shifted into [0, 2] and
  quantised to uint8 in the kernel's SCALED mode; the shift comes back out through the bias (minus the kernel's
  column sums) and the row's scale multiplies the output. One range for the whole batch, as ONNX Runtime's
  dynamic quantisation takes, gave a minimum cosine of 0.60 and STS-B 80.96: the few tokens with large
  feed-forward activations set everyone's step. (The shift is by hand because the kernel's own asymmetric mode,
  MIN_FIRST, returned wrong sums with a float32 output on TF 2.21: checked against a float product.)
- Smoothing (SmoothQuant, Xiao et al. 2023): per input channel, s = max|x| ** alpha / max|w| ** (1 - alpha),
  with max|x| from a calibration set of sentences; activations are divided by s and the weight rows multiplied
  by it, so that the channels with large activations stop setting every row's step. alpha 0.5 raised the
  minimum cosine from 0.980 to 0.988 and STS-B from 81.86 to 82.04 (float32: 82.03).

Written by hand because neither library has it for TF's CPU kernels: Keras 3's `quantize("int8")` runs about 4x
slower than float32 there (no int8 matrix product on that path: issue 26), and TensorFlow's own quantisation
tools make TFLite models, not SavedModels. The weights are a snapshot: quantise again after training.
"""

import keras
import numpy as np
import tensorflow as tf

from zoo.contextual import fused_bert
from zoo.errors import ZooInputError
from zoo.precision import BFLOAT16_CPU_FLAGS, cpu_flags

PRODUCTS = ("qkv", "attention_output", "intermediate", "output")  # a layer's dense products, in fused_bert's names
SMOOTHING_ALPHA = 0.5
WEIGHT_LEVELS = 127.0  # int8 weights in [-127, 127], symmetric


def product_key(index, name):
    """How product `name` of layer `index` is named here, e.g. "3/qkv" (its weights, the calibration's maxima)."""
    return f"{index}/{name}"


def product_shapes(num_layers, hidden_dim, intermediate_dim):
    """{product key: (inputs, outputs)} of a BERT backbone's dense products."""
    shapes = {"qkv": (hidden_dim, 3 * hidden_dim), "attention_output": (hidden_dim, hidden_dim),
              "intermediate": (hidden_dim, intermediate_dim), "output": (intermediate_dim, hidden_dim)}
    return {product_key(index, name): shapes[name] for index in range(num_layers) for name in PRODUCTS}


class Int8Products(keras.layers.Layer):  # made by TextEncoder, never from a config: not registered
    """A BERT backbone's dense products, quantised (see the module): the `products` of `fused_bert.sequence_output`.

    Made with `Int8Products.from_backbone(backbone, calibration_batches)`, which sizes it from the backbone and
    quantises its current weights; `Int8Products(num_layers, hidden_dim, intermediate_dim)` alone holds zeros
    until `quantize_backbone` fills it or saved weights are loaded into it.

    Args:
        num_layers, hidden_dim, intermediate_dim: the backbone's.

    Per layer and product it holds: `kernel` (inputs, outputs) int8; `column_scales` and `column_sums`
    (outputs,) float32, the int8 kernel's scale and sum per column; `inverse_smoothing` (inputs,) float32; `bias`
    (outputs,) float32. None is trainable.
    """

    def __init__(self, num_layers, hidden_dim, intermediate_dim, **kwargs):
        super().__init__(**kwargs)
        # === Config ===
        self.num_layers = int(num_layers)
        self.hidden_dim = int(hidden_dim)
        self.intermediate_dim = int(intermediate_dim)
        # the attention's own products: bfloat16 where this CPU runs it natively, else float32
        self.attention_dtype = tf.bfloat16 if cpu_flags() & set(BFLOAT16_CPU_FLAGS) else tf.float32
        # === Layers === (weights only)
        self.product_weights = {}
        for key, (inputs, outputs) in product_shapes(num_layers, hidden_dim, intermediate_dim).items():
            add = lambda part, shape, dtype="float32": self.add_weight(
                shape=shape, dtype=dtype, initializer="zeros", trainable=False,
                name=f"layer_{key.replace('/', '_')}_{part}")
            self.product_weights[key] = {
                "kernel": add("kernel", (inputs, outputs), "int8"), "column_scales": add("column_scales", (outputs,)),
                "column_sums": add("column_sums", (outputs,)), "inverse_smoothing": add("inverse_smoothing", (inputs,)),
                "bias": add("bias", (outputs,))}
        self.built = True

    @classmethod
    def from_backbone(cls, backbone, calibration_batches, alpha=SMOOTHING_ALPHA):
        """Sized from a KerasHub BertBackbone and quantised from its weights now; `calibration_batches`: packed
        features (see `TextEncoder.pack`) whose activations give the smoothing (see `quantize_backbone`)."""
        products = cls(backbone.num_layers, backbone.hidden_dim, backbone.intermediate_dim, name="int8_products")
        products.quantize_backbone(backbone, input_maxima(backbone, calibration_batches), alpha)
        return products

    def quantize_backbone(self, backbone, maxima, alpha=SMOOTHING_ALPHA):
        """Fills the weights from `backbone`'s: `maxima` {product key: (inputs,) largest |activation|
        seen at the product's input} sets the smoothing, with `alpha` (0 to 1) its share of the activations'."""
        for index, layer in enumerate(backbone.transformer_layers):
            for name, weights in fused_bert.product_weights(layer, backbone.hidden_dim).items():
                kernel, bias = (np.asarray(value, np.float64) for value in weights())
                largest_input = np.maximum(maxima[product_key(index, name)], 1e-5)
                largest_weight = np.maximum(np.abs(kernel).max(1), 1e-5)
                smoothing = largest_input ** alpha / largest_weight ** (1 - alpha)
                smoothed = kernel * smoothing[:, None]
                scales = np.maximum(np.abs(smoothed).max(0), 1e-12) / WEIGHT_LEVELS
                quantized = np.round(smoothed / scales).astype(np.int8)
                variables = self.product_weights[product_key(index, name)]
                variables["kernel"].assign(quantized)
                variables["column_scales"].assign(scales.astype(np.float32))
                variables["column_sums"].assign(quantized.sum(0, dtype=np.int64).astype(np.float32))
                variables["inverse_smoothing"].assign((1 / smoothing).astype(np.float32))
                variables["bias"].assign(bias.astype(np.float32))

    def dense(self, x, index, name, weights=None):
        """x @ kernel + bias of product `name` of layer `index`, in int8 (`weights`, the float ones, unused)."""
        variables = self.product_weights[product_key(index, name)]
        x = x * variables["inverse_smoothing"]
        row_scales = tf.reduce_max(tf.abs(x), 1, keepdims=True) + 1e-12
        shifted = tf.raw_ops.QuantizeV2(input=x / row_scales + 1.0, min_range=0.0, max_range=2.0, T=tf.quint8,
                                        mode="SCALED")
        product = tf.raw_ops.QuantizedMatMulWithBiasAndDequantize(
            a=shifted.output, b=tf.bitcast(tf.convert_to_tensor(variables["kernel"]), tf.qint8),
            bias=-tf.convert_to_tensor(variables["column_sums"]),  # takes the shift (+1 x column sums) back out
            min_a=shifted.output_min, max_a=shifted.output_max, min_b=-WEIGHT_LEVELS, max_b=WEIGHT_LEVELS,
            min_freezed_output=0.0, max_freezed_output=0.0, Toutput=tf.float32, input_quant_mode="SCALED")
        return tf.nn.bias_add(product * row_scales * variables["column_scales"], variables["bias"])

    def get_config(self):
        return {**super().get_config(), "num_layers": self.num_layers, "hidden_dim": self.hidden_dim,
                "intermediate_dim": self.intermediate_dim}


class InputMaxima(fused_bert.FloatProducts):
    """float32 products that also keep each product's largest |input| per channel (the calibration's record)."""

    def __init__(self):
        super().__init__(tf.float32)
        self.maxima = {}

    def dense(self, x, index, name, weights):
        self.maxima[product_key(index, name)] = tf.reduce_max(tf.abs(x), 0)
        return super().dense(x, index, name, weights)


def input_maxima(backbone, feature_batches):
    """{product key: (inputs,) largest |input|} over `feature_batches` (packed features), float32."""
    def record(features):
        recorder = InputMaxima()
        fused_bert.sequence_output(backbone, features, products=recorder)
        return recorder.maxima

    run = tf.function(record, reduce_retracing=True)
    maxima = {}
    for features in feature_batches:
        for key, value in run(features).items():
            maxima[key] = np.maximum(maxima.get(key, 0.0), value.numpy())
    if not maxima:
        raise ZooInputError("int8 calibration needs at least one sentence")
    return maxima
