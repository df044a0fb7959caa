import keras
import tensorflow as tf

from zoo.static.vectors_embedding import VectorsEmbedding

COMBINERS = ("mean", "sqrtn", "sum")
PUNCTUATION = r"[[:punct:]]"


class StaticTextEncoder(keras.layers.Layer):
    """Sentences in, one vector each out, with TF-Hub text-embedding (text_embeddings_v2) semantics.

    Punctuation becomes a space, the text splits on whitespace, each token is looked up, and the token vectors
    are combined: "sum", "mean" (sum / n) or "sqrtn" (sum / sqrt(n)), n counting unknown tokens too, which add
    zeros (or their OOV bucket's row, or, for a fastText model's `subwords`, fastText's n-gram vector): "lizard. dog" with sqrtn gives dog / sqrt(2) where "lizard" is unknown; an empty string gives zeros.
    Only core TF string ops, so an export of it runs on any TF Serving. Input (batch,) strings; output
    (batch, dim).
    """

    def __init__(self, keys, matrix, combiner="sqrtn", lowercase=True, oov_buckets=0, subwords=None,
                 **kwargs):
        super().__init__(**kwargs)
        if combiner not in COMBINERS:
            raise ValueError(f"combiner must be one of {COMBINERS}, not {combiner!r}")
        self.combiner, self.lowercase = combiner, lowercase

        # === Layers ===
        self.word_vectors = VectorsEmbedding(keys, matrix, oov_buckets, subwords, name="word_vectors")

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
        return (input_shape[0], self.word_vectors.dim)
