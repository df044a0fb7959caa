import keras

from zoo.pooling import TokenPooling

CELLS = ("lstm", "gru")
POOLINGS = ("mean", "max")


@keras.saving.register_keras_serializable(package="zoo")
class RNNEncoder(keras.layers.Layer):
    """Strings (or token ids) in, one vector each out: TextVectorization -> Embedding -> (Bi)LSTM or (Bi)GRU over
    the tokens -> masked mean or max of the recurrent states.

    A plain Keras layer, trained with the model around it (a classifier, a siamese similarity model...): `adapt()`
    it on training texts (or pass `vocabulary`). Padding never counts: the recurrent layer gets the padding mask
    (the backward direction starts at each text's own last token) and the pooling leaves padded steps out, so a
    text gives the same vector alone or in a batch of longer ones, and an empty string gives zeros. Each batch is
    cut to its longest text before the recurrent layer (fewer steps to run; the result is the same). Tokenisation
    is TextVectorization's (core TF string ops), so an export of it runs on any TF Serving.

    Args:
        max_tokens: vocabulary size, the padding and OOV tokens included. Default 20_000.
        output_dim: size of the token vectors (the Embedding). Default 64.
        units: units of the recurrent layer, per direction. Default 64.
        cell: "lstm" or "gru". Default "lstm".
        pooling: "mean" or "max" of the recurrent states over the unpadded steps (`zoo.pooling.TokenPooling`).
            Default "mean".
        bidirectional: run the text both ways and concatenate the two states at each step. Default True.
        sequence_length: tokens kept per text; longer texts are truncated. Default 64.
        dropout: dropout of the recurrent layer's inputs, in training. Default 0.0.
        vocabulary: a list of tokens, instead of `adapt()`. Default None.
        standardize: TextVectorization's standardisation. Default "lower_and_strip_punctuation".
        **kwargs: `keras.layers.Layer` arguments (`name`, `trainable`, ...).

    Input/Output:
        text: (batch,) string, or token_ids: (batch, steps) int with 0 as padding on the right (ids of this
        layer's vocabulary, as `vectorize` gives them) -> embedding: (batch, units) float32, (batch, 2 x units)
        when bidirectional.

    Example:
    ```python
    encode = zoo.custom.RNNEncoder(max_tokens=20_000, output_dim=64, units=64, cell="gru", pooling="max")
    encode.adapt(train_texts)
    text = keras.Input(shape=(), dtype="string", name="text")
    encoder = keras.Model(text, {"embedding": encode(text)})        # text -> embedding, (batch, 128)
    ```
    """

    def __init__(self, max_tokens=20_000, output_dim=64, units=64, cell="lstm", pooling="mean", bidirectional=True,
                 sequence_length=64, dropout=0.0, vocabulary=None, standardize="lower_and_strip_punctuation",
                 **kwargs):
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, not {cell!r}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {pooling!r}")
        self.max_tokens, self.output_dim, self.units = max_tokens, output_dim, units
        self.cell, self.pooling, self.bidirectional = cell, pooling, bidirectional
        self.sequence_length, self.dropout, self.standardize = sequence_length, dropout, standardize

        # === Layers ===
        self.vectorize = keras.layers.TextVectorization(
            max_tokens=max_tokens, output_sequence_length=sequence_length, standardize=standardize, name="vectorize")
        if vocabulary is not None:  # set after construction: Keras saves it as an asset, not in the config
            self.vectorize.set_vocabulary(vocabulary)
        self.embedding = keras.layers.Embedding(max_tokens, output_dim, mask_zero=True, name="token_embedding")
        recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
        self.rnn = recurrent(units, return_sequences=True, dropout=dropout, name=cell)
        if bidirectional:
            self.rnn = keras.layers.Bidirectional(self.rnn, name=f"bi{cell}")
        self.pool = TokenPooling(pooling, name=f"{pooling}_pooling")

    def adapt(self, texts, batch_size=1024):
        """Builds the vocabulary from training texts (a list, array or tf.data.Dataset of strings)."""
        self.vectorize.adapt(texts, batch_size=batch_size)

    def get_vocabulary(self):
        return self.vectorize.get_vocabulary()

    @property
    def embedding_dim(self):
        """The width of the output: units, twice that when bidirectional."""
        return self.units * (2 if self.bidirectional else 1)

    def build(self, input_shape):
        self.embedding.build((None, None))
        self.rnn.build((None, None, self.output_dim))
        self.pool.build((None, None, self.embedding_dim))
        self.built = True

    def token_ids(self, inputs):
        """Strings -> (batch, sequence_length) token ids, 0-padded on the right; token ids pass through."""
        if keras.backend.standardize_dtype(inputs.dtype) == "string":
            return self.vectorize(inputs)
        return keras.ops.cast(inputs, "int32")

    def call(self, inputs, training=None):
        token_ids = self.token_ids(inputs)
        # Cut the padding every row of the batch has (at least one step is kept, so an all-empty batch runs):
        # the mask below leaves padding out anyway, this only saves the recurrent layer the steps.
        steps = keras.ops.arange(1, keras.ops.shape(token_ids)[1] + 1, dtype="int32")
        used = keras.ops.max(keras.ops.where(keras.ops.not_equal(token_ids, 0), steps[None, :], 0), initial=1)
        token_ids = token_ids[:, :used]
        mask = keras.ops.not_equal(token_ids, 0)
        states = self.rnn(self.embedding(token_ids), mask=mask, training=training)
        return self.pool(states, mask=mask)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.embedding_dim)

    def get_config(self):
        # === Config ===
        return {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "output_dim": self.output_dim,
            "units": self.units,
            "cell": self.cell,
            "pooling": self.pooling,
            "bidirectional": self.bidirectional,
            "sequence_length": self.sequence_length,
            "dropout": self.dropout,
            "standardize": self.standardize,
        }
