"""Token vectors -> one sentence vector: mean, [CLS], max or last token, padding excluded."""

import keras

MODES = ("mean", "cls", "max", "last")


@keras.saving.register_keras_serializable(package="zoo")
class TokenPooling(keras.layers.Layer):
    """(batch, steps, dim) token vectors and a (batch, steps) padding mask -> (batch, dim).

    - "mean": mean of the unpadded tokens (Sentence-BERT's default);
    - "cls": the first token (BERT's [CLS]);
    - "max": the per-dimension maximum over the unpadded tokens;
    - "last": the last unpadded token (GPT-style: the only token that has seen the whole text).

    Written here (KerasHub's BertTextEmbedder pools inside its model, for BERT only, without "last"); the padding
    is on the right, as zoo's packing and KerasHub's packers put it.
    """

    def __init__(self, mode: str = "mean", **kwargs):
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f"unknown pooling {mode!r}; choose one of {', '.join(MODES)}")
        self.mode = mode

    def call(self, token_vectors, padding_mask):
        mask = keras.ops.cast(padding_mask, token_vectors.dtype)
        if self.mode == "cls":
            return token_vectors[:, 0, :]
        if self.mode == "last":
            last = keras.ops.maximum(keras.ops.cast(keras.ops.sum(mask, axis=1), "int32") - 1, 0)
            return keras.ops.take_along_axis(token_vectors, last[:, None, None], axis=1)[:, 0, :]
        if self.mode == "max":
            lowest = keras.ops.cast(keras.ops.convert_to_tensor(-3.0e38), token_vectors.dtype)
            return keras.ops.max(keras.ops.where(mask[:, :, None] > 0, token_vectors, lowest), axis=1)
        total = keras.ops.sum(token_vectors * mask[:, :, None], axis=1)
        return total / keras.ops.maximum(keras.ops.sum(mask, axis=1, keepdims=True), 1.0)

    def compute_output_shape(self, token_vectors_shape, padding_mask_shape=None):
        return (token_vectors_shape[0], token_vectors_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
