"""Token vectors -> one vector: mean, first ([CLS]), max or last token, padding excluded. Shared by the families:
`zoo.contextual.TextEncoder` pools a backbone's token vectors with it, `zoo.custom.TextEmbedding` its embedded
tokens."""

import keras

from zoo.deprecation import renamed_arguments, renamed_attribute, with_current_names

POOLINGS = ("mean", "cls", "max", "last")
DEFAULT_POOLING = "mean"


@keras.saving.register_keras_serializable(package="zoo")
class TokenPooling(keras.layers.Layer):
    """Pools a sequence of token vectors into one vector per row, the padded steps left out.

    - "mean": mean of the unpadded tokens (Sentence-BERT's default);
    - "cls": the first token (BERT's [CLS]);
    - "max": the per-dimension maximum over the unpadded tokens;
    - "last": the last unpadded token (GPT-style: the only token that has seen the whole text).

    Which steps count: the `padding_mask` if one is given, else the Keras mask carried by the token vectors (from
    an `Embedding(mask_zero=True)`, say), else every step. Padding is on the right, as zoo's packing, KerasHub's
    packers and `TextVectorization` put it. A row with no step that counts pools to zeros, never NaN (a served
    encoder must answer an empty string). The layer consumes the mask: its output carries none.

    Written here, not taken from Keras or KerasHub: `keras.layers.GlobalAveragePooling1D` gives NaN for an
    all-masked row, and KerasHub's BertTextEmbedder pools inside its model, for BERT only, without "last".

    Args:
        pooling: "mean", "cls", "max" or "last". Default None, which means "mean".
        mode: the former name of `pooling`, deprecated (a DeprecationWarning); give one of the two, not both.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Input/Output:
        token_vectors: (batch, steps, dim) float; padding_mask (optional): (batch, steps) bool or int, nonzero for
        a real token; mask (optional, filled in by Keras from token_vectors' mask): (batch, steps) bool ->
        (batch, dim), the dtype of token_vectors.

    Example:
    ```python
    from zoo.pooling import TokenPooling    # also zoo.contextual.TokenPooling

    pool = TokenPooling("mean")
    pool(token_vectors, padding_mask)          # (batch, steps, dim), (batch, steps) -> (batch, dim)
    tokens = keras.layers.Embedding(1000, 16, mask_zero=True)(token_ids)
    pool(tokens)                               # the Embedding's mask: id 0 is padding
    ```
    """

    RENAMED_ARGUMENTS = {"mode": "pooling"}  # old name: new name (the old ones are accepted, with a warning)

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, pooling=None, **kwargs):
        super().__init__(**kwargs)
        pooling = DEFAULT_POOLING if pooling is None else pooling
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}")
        self.pooling = pooling

    mode = renamed_attribute("mode", "pooling")

    def call(self, token_vectors, padding_mask=None, mask=None):
        if padding_mask is None:
            padding_mask = mask
        if padding_mask is None:  # every step counts
            padding_mask = keras.ops.ones_like(token_vectors[:, :, 0])
        weights = keras.ops.cast(padding_mask, token_vectors.dtype)
        counts = keras.ops.sum(weights, axis=1, keepdims=True)  # (batch, 1)
        if self.pooling == "mean":
            total = keras.ops.sum(token_vectors * weights[:, :, None], axis=1)
            return total / keras.ops.maximum(counts, 1.0)
        if self.pooling == "cls":
            pooled = token_vectors[:, 0, :]
        elif self.pooling == "last":
            last = keras.ops.maximum(keras.ops.cast(counts[:, 0], "int32") - 1, 0)
            pooled = keras.ops.take_along_axis(token_vectors, last[:, None, None], axis=1)[:, 0, :]
        else:  # "max"
            lowest = keras.ops.cast(keras.ops.convert_to_tensor(-3.0e38), token_vectors.dtype)
            pooled = keras.ops.max(keras.ops.where(weights[:, :, None] > 0, token_vectors, lowest), axis=1)
        return keras.ops.where(counts > 0, pooled, keras.ops.zeros_like(pooled))  # nothing to pool: zeros

    def compute_mask(self, token_vectors, mask=None):
        return None

    def compute_output_shape(self, token_vectors_shape, padding_mask_shape=None):
        return (token_vectors_shape[0], token_vectors_shape[2])

    def get_config(self):
        return {**super().get_config(), "pooling": self.pooling}

    @classmethod
    def from_config(cls, config):
        return cls(**with_current_names(config, cls.RENAMED_ARGUMENTS))  # a config with `mode`: no warning
