import keras

from zoo.pooling import TokenPooling

POOLINGS = ("mean", "bilstm")


@keras.saving.register_keras_serializable(package="zoo")
class TextEmbedding(keras.layers.Layer):
    """Strings in, one vector per string out: TextVectorization -> Embedding (masked) -> mean or BiLSTM.

    A plain Keras layer, trained with the model around it: `adapt()` it on training texts (or pass `vocabulary`),
    then use it in any model. Its tokenisation is TextVectorization's (core TF string ops), so an export runs on
    any TF Serving. Padding is masked: an empty string gives the zero vector with "mean".

    Args:
        max_tokens: vocabulary size, the padding and OOV tokens included. Default 20_000.
        output_dim: size of the token vectors, and of the output with "mean". Default 64.
        sequence_length: tokens kept per string; longer strings are truncated. Default 64.
        pooling: "mean" (masked mean of the token vectors, `zoo.pooling.TokenPooling`) or "bilstm" (a
            bidirectional LSTM's final states). Default "mean".
        lstm_units: units per direction for "bilstm"; None: output_dim // 2. Default None.
        vocabulary: a list of tokens, instead of `adapt()`. Default None.
        standardize: TextVectorization's standardisation. Default "lower_and_strip_punctuation".
        **kwargs: `keras.layers.Layer` arguments (`name`, `trainable`, ...).

    Input/Output:
        text: (batch,) string -> embedding: (batch, output_dim) float32 with "mean", (batch, 2 x lstm_units)
        float32 with "bilstm".

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
            self.pool = TokenPooling("mean", name="mean_pooling")
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
