import keras

from zoo.custom.masked_mean_pooling import MaskedMeanPooling

POOLINGS = ("mean", "bilstm")


@keras.saving.register_keras_serializable(package="zoo")
class TextEmbedding(keras.layers.Layer):
    """Strings in, one vector per string out: TextVectorization -> Embedding (masked) -> mean or BiLSTM.

    A plain Keras layer: `adapt()` it on training texts (or pass `vocabulary`), then use it in any model. Its
    tokenisation is TextVectorization's (core TF string ops), so an export runs on any TF Serving.

    Args:
        max_tokens: vocabulary size, the padding and OOV tokens included.
        output_dim: size of the vectors (with "bilstm", the LSTM's output is 2 x lstm_units).
        sequence_length: tokens kept per string; longer strings are truncated.
        pooling: "mean" (masked mean of the token vectors) or "bilstm" (a bidirectional LSTM's final states).
        lstm_units: units per direction for "bilstm" (default output_dim // 2).
        vocabulary: a list of tokens, instead of `adapt()`.
        standardize: TextVectorization's standardisation.

    Example:
    ```python
    embed = zoo.custom.TextEmbedding(max_tokens=20_000, output_dim=64)
    embed.adapt(train_texts)
    text = keras.Input(shape=(), dtype="string", name="text")
    encoder = keras.Model(text, embed(text))
    ```
    """

    def __init__(self, max_tokens=20_000, output_dim=64, sequence_length=64, pooling="mean", lstm_units=None,
                 vocabulary=None, standardize="lower_and_strip_punctuation", **kwargs):
        super().__init__(**kwargs)
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        self.max_tokens, self.output_dim, self.sequence_length = max_tokens, output_dim, sequence_length
        self.pooling, self.standardize = pooling, standardize
        self.lstm_units = lstm_units or max(output_dim // 2, 1)

        # === Layers ===
        self.vectorize = keras.layers.TextVectorization(
            max_tokens=max_tokens, output_sequence_length=sequence_length, standardize=standardize,
            vocabulary=vocabulary, name="vectorize")
        self.embedding = keras.layers.Embedding(max_tokens, output_dim, mask_zero=True, name="token_embedding")
        if pooling == "mean":
            self.pool = MaskedMeanPooling(name="mean_pooling")
        else:
            self.pool = keras.layers.Bidirectional(keras.layers.LSTM(self.lstm_units), name="bilstm")

    def adapt(self, texts, batch_size=1024):
        """Builds the vocabulary from training texts (a list, array or tf.data.Dataset of strings)."""
        self.vectorize.adapt(texts, batch_size=batch_size)

    def get_vocabulary(self):
        return self.vectorize.get_vocabulary()

    def build(self, input_shape):
        self.embedding.build((None, self.sequence_length))
        pooled_input = (None, self.sequence_length, self.output_dim)
        self.pool.build(pooled_input)
        self.built = True

    def call(self, texts):
        token_ids = self.vectorize(texts)
        mask = keras.ops.not_equal(token_ids, 0)
        return self.pool(self.embedding(token_ids), mask=mask)

    def compute_output_shape(self, input_shape):
        width = self.output_dim if self.pooling == "mean" else 2 * self.lstm_units
        return (input_shape[0], width)

    def get_config(self):
        # === Config ===
        return {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "output_dim": self.output_dim,
            "sequence_length": self.sequence_length,
            "pooling": self.pooling,
            "lstm_units": self.lstm_units,
            "vocabulary": self.get_vocabulary(),
            "standardize": self.standardize,
        }
