import keras
import numpy as np
import tensorflow as tf

from zoo.static.fasttext_subwords import mean_of_rows, ngram_buckets


@keras.saving.register_keras_serializable(package="zoo")
class VectorsEmbedding(keras.layers.Layer):
    """Words in, their pretrained vectors out: StringLookup -> keras.layers.Embedding holding the vectors.

    Unknown words get zeros (`oov_buckets=0`), one of `oov_buckets` hashed rows (trainable when the layer is), or,
    given a fastText model's `subwords`, fastText's vector from their char n-grams, computed in the graph with
    core TF ops (the n-gram rows sit in the same Embedding table, after the words).

    The vocabulary is saved as an asset (the StringLookup's vocabulary.txt) and the table as a weight, so a
    `.keras` file holds them once and the config stays small; `get_config` keeps only their sizes.

    Args:
        keys: the words, in the order of the rows of `matrix`. Omitted when Keras rebuilds the layer from its
            config (the vocabulary and table then come from the saved assets and weights).
        matrix: (len(keys), output_dim) vectors.
        oov_buckets: hashed rows for unknown words; 0 gives them zeros (or subword vectors).
        subwords: a `zoo.static.fasttext_subwords.Subwords` (a fastText `.bin`'s n-gram buckets), or None.
        trainable: whether fit updates the table.
        vocabulary_size, output_dim, subword_lengths: the sizes, in place of `keys`, `matrix` and `subwords`
            (what `get_config` returns).

    Input/Output: words, strings of any shape (dense or ragged) -> that shape + (output_dim,), float32.

    Example:
    ```python
    layer = zoo.Vectors.load("glove.6B.100d.txt").embedding_layer()
    layer(tf.constant([["the", "cat"]]))  # (1, 2, 100)
    ```
    """

    def __init__(self, keys=None, matrix=None, oov_buckets=0, subwords=None, trainable=False, *,
                 vocabulary_size=None, output_dim=None, subword_lengths=None, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if subwords is not None and oov_buckets:
            raise ValueError("choose OOV buckets or fastText subwords for unknown words, not both")
        if keys is not None:
            matrix = np.asarray(matrix, dtype=np.float32)
            vocabulary_size, output_dim = len(keys), matrix.shape[1]
            if subwords is not None:
                subword_lengths = (subwords.min_n, subwords.max_n, subwords.bucket)
        elif vocabulary_size is None or output_dim is None:
            raise ValueError("give keys and matrix, or vocabulary_size and output_dim (from a saved config)")
        self.num_keys, self.output_dim, self.oov_buckets = int(vocabulary_size), int(output_dim), oov_buckets
        self.num_oov_rows = max(oov_buckets, 1)
        self.subword_lengths = tuple(subword_lengths) if subword_lengths else None
        rows = self.num_oov_rows + self.num_keys + (self.subword_lengths[2] if self.subword_lengths else 0)
        initializer = "zeros"
        if keys is not None:
            parts = [np.zeros((self.num_oov_rows, self.output_dim), np.float32), matrix]
            if subwords is not None:
                parts.append(np.asarray(subwords.buckets, np.float32))
            initializer = keras.initializers.Constant(np.concatenate(parts))

        # === Layers ===
        # The vocabulary is set after construction, so that StringLookup saves it as an asset, not in its config.
        self.lookup = keras.layers.StringLookup(num_oov_indices=self.num_oov_rows, mask_token=None,
                                                name="word_lookup")
        if keys is not None:
            self.lookup.set_vocabulary(list(keys))
        self.embedding = keras.layers.Embedding(rows, self.output_dim, trainable=trainable, name="vectors",
                                                embeddings_initializer=initializer)

    @property
    def dim(self):
        """Deprecated: use `output_dim`."""
        return self.output_dim

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.built = True

    def call(self, words):
        ids = self.lookup(words)
        vectors = self.embedding(ids)
        if self.subword_lengths is None:
            return vectors
        return self._with_subword_vectors(words, ids, vectors)

    def _with_subword_vectors(self, words, ids, vectors):
        """Replaces the zero vectors of unknown words by the mean of their n-gram rows (fastText's OOV vector)."""
        if isinstance(words, tf.RaggedTensor):
            return words.with_flat_values(self._with_subword_vectors(words.flat_values, ids.flat_values,
                                                                     vectors.flat_values))
        flat_vectors = tf.reshape(vectors, [-1, self.output_dim])
        unknown = tf.where(tf.reshape(ids, [-1]) < self.num_oov_rows)
        unknown_words = tf.gather(tf.reshape(words, [-1]), unknown[:, 0])
        min_n, max_n, bucket = self.subword_lengths
        rows = ngram_buckets(unknown_words, min_n, max_n, bucket) + (self.num_oov_rows + self.num_keys)
        subword_vectors = mean_of_rows(self.embedding.embeddings, rows)
        flat_vectors = tf.tensor_scatter_nd_update(flat_vectors, unknown, subword_vectors)
        return tf.reshape(flat_vectors, tf.shape(vectors))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    # === Config ===
    def get_config(self):
        return {**super().get_config(), "oov_buckets": self.oov_buckets, "vocabulary_size": self.num_keys,
                "output_dim": self.output_dim, "subword_lengths": self.subword_lengths}
