import keras
import tensorflow as tf

COMBINERS = ("mean", "sqrtn", "sum")
PUNCTUATION = r"[[:punct:]]"


@keras.saving.register_keras_serializable(package="zoo")
class StaticTextEncoder(keras.layers.Layer):
    """Sentences in, one vector each out, with TF-Hub text-embedding (text_embeddings_v2) semantics.

    Punctuation becomes a space, the text splits on whitespace, each token is looked up, and the token vectors
    are combined: "sum", "mean" (sum / n) or "sqrtn" (sum / sqrt(n)), n counting unknown tokens too, which add
    zeros (or their OOV bucket's row, or, for a fastText model's subwords, fastText's n-gram vector): "lizard. dog"
    with sqrtn gives dog / sqrt(2) where "lizard" is unknown; an empty string gives zeros. Only core TF string
    ops, so an export of it runs on any TF Serving.

    Args:
        word_vectors: a `VectorsEmbedding` (the words, their vectors, what unknown words get).
        combiner: "sqrtn" (default), "mean" or "sum".
        lowercase: lowercase the text first (default True).

    Input/Output: text, (batch,) strings -> (batch, output_dim) float32.

    Example:
    ```python
    encoder = StaticTextEncoder(vectors.embedding_layer(), combiner="sqrtn")   # or vectors.text_encoder()
    encoder(tf.constant(["the cat sat"]))   # (1, dim)
    ```
    """

    def __init__(self, word_vectors, combiner="sqrtn", lowercase=True, **kwargs):
        super().__init__(**kwargs)
        if combiner not in COMBINERS:
            raise ValueError(f"combiner must be one of {COMBINERS}, not {combiner!r}")
        self.combiner, self.lowercase = combiner, lowercase

        # === Layers ===
        self.word_vectors = word_vectors

    @property
    def output_dim(self):
        return self.word_vectors.output_dim

    def tokenize(self, texts):
        if self.lowercase:
            texts = tf.strings.lower(texts, encoding="utf-8")
        return tf.strings.split(tf.strings.regex_replace(texts, PUNCTUATION, " "))

    def build(self, input_shape):
        self.word_vectors.build((None, None))
        self.built = True

    def call(self, texts):
        tokens = self.tokenize(texts)
        vectors = tf.ragged.map_flat_values(self.word_vectors, tokens)
        total = tf.reduce_sum(vectors, axis=1)
        if self.combiner == "sum":
            return total
        count = tf.maximum(tf.cast(tokens.row_lengths(), total.dtype), 1.0)[:, None]
        return total / (count if self.combiner == "mean" else tf.sqrt(count))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    # === Config ===
    def get_config(self):
        return {**super().get_config(), "word_vectors": keras.saving.serialize_keras_object(self.word_vectors),
                "combiner": self.combiner, "lowercase": self.lowercase}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["word_vectors"] = keras.saving.deserialize_keras_object(config["word_vectors"])
        return cls(**config)
