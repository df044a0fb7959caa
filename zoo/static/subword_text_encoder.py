import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class SubwordTextEncoder(keras.layers.Layer):
    """Sentences in, one vector each out: a subword tokenizer's pieces looked up in a static table and averaged.

    What model2vec's `StaticModel` and sentence-transformers' `StaticEmbedding` compute, as a Keras layer: the
    text is tokenised as the teacher model tokenises it (its KerasHub tokenizer, e.g. MiniLM's WordPiece), the
    unknown-token piece is left out (as model2vec does), and the vector is the mean of the pieces' rows; a text
    with no known piece gives zeros. The tokenizer runs TF Text ops (WordPiece), which TF Serving's model server
    links; the rest is core TF.

    Args:
        tokenizer: a KerasHub tokenizer layer, strings -> ragged token ids (no special tokens added).
        vocabulary_size, output_dim: the table's shape (rows = token ids).
        unknown_id: the id of the unknown-token piece, left out of the mean (None: keep every piece).
        table_dtype: the dtype the table is stored in: "float32", or "float16" for an export half the size
            (vectors are averaged in float32 either way).
        table: (vocabulary_size, output_dim) initial rows; omitted when Keras rebuilds the layer (the table is
            then a saved weight).

    Input/Output: text, (batch,) strings -> (batch, output_dim) float32.

    Example:
    ```python
    vectors = zoo.static.distill(zoo.contextual.TextEncoder.from_preset())   # a zoo.Vectors with a tokenizer
    encoder = vectors.text_encoder()          # a keras.Model around this layer: text -> {"embedding"}
    ```
    """

    def __init__(self, tokenizer, vocabulary_size, output_dim, unknown_id=None, table_dtype="float32", table=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.vocabulary_size, self.output_dim = int(vocabulary_size), int(output_dim)
        self.unknown_id = None if unknown_id is None else int(unknown_id)
        self.table_dtype = table_dtype
        initializer = "zeros" if table is None else keras.initializers.Constant(table)

        # === Layers ===
        self.tokenizer = tokenizer
        self.vectors = keras.layers.Embedding(self.vocabulary_size, self.output_dim, trainable=False, name="vectors",
                                              embeddings_initializer=initializer, dtype=table_dtype)

    def build(self, input_shape):
        self.vectors.build((None, None))
        self.built = True

    def token_ids(self, texts):
        """Ragged token ids of each text, the unknown piece left out."""
        ids = self._tokenize(texts)
        if not isinstance(ids, tf.RaggedTensor):  # a tokenizer padding to a sequence length
            ids = tf.RaggedTensor.from_tensor(ids, padding=0)
        if self.unknown_id is not None:
            ids = tf.ragged.boolean_mask(ids, tf.not_equal(ids, tf.cast(self.unknown_id, ids.dtype)))
        return ids

    def _tokenize(self, texts):
        if not tf.executing_eagerly():
            return self.tokenizer(texts)
        # Called eagerly, KerasHub tokenizers turn ragged ids into Python lists: run it as a tf.function instead.
        if not hasattr(self, "_tokenize_fn"):
            function = tf.function(self.tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])
            object.__setattr__(self, "_tokenize_fn", function)  # a cache, not a tracked part of the layer
        return self._tokenize_fn(tf.reshape(texts, [-1]))

    def call(self, texts):
        ids = self.token_ids(tf.convert_to_tensor(texts))
        rows = tf.cast(tf.gather(self.vectors.embeddings, ids), "float32")
        total = tf.reduce_sum(rows, axis=1)
        count = tf.maximum(tf.cast(ids.row_lengths(), "float32"), 1.0)[:, None]
        return total / count

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    # === Config ===
    def get_config(self):
        return {**super().get_config(), "tokenizer": keras.saving.serialize_keras_object(self.tokenizer),
                "vocabulary_size": self.vocabulary_size, "output_dim": self.output_dim,
                "unknown_id": self.unknown_id, "table_dtype": self.table_dtype}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["tokenizer"] = keras.saving.deserialize_keras_object(config["tokenizer"])
        return cls(**config)
