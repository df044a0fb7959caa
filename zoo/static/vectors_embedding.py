import keras
import numpy as np
import tensorflow as tf

from zoo.static.fasttext_subwords import mean_of_rows, ngram_buckets


class VectorsEmbedding(keras.layers.Layer):
    """Words in, their pretrained vectors out: StringLookup -> keras.layers.Embedding holding the vectors.

    Unknown words get zeros (`oov_buckets=0`), one of `oov_buckets` hashed rows (trainable when the layer is), or,
    given a fastText model's `subwords`, fastText's vector from their char n-grams, computed in the graph with
    core TF ops (the n-gram rows sit in the same Embedding table, after the words).
    Input: strings of any shape (dense or ragged); output: that shape + (dim,).
    """

    def __init__(self, keys, matrix, oov_buckets=0, subwords=None, trainable=False, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if subwords is not None and oov_buckets:
            raise ValueError("choose OOV buckets or fastText subwords for unknown words, not both")
        matrix = np.asarray(matrix, dtype=np.float32)
        self.num_keys, self.dim, self.oov_buckets = len(keys), matrix.shape[1], oov_buckets
        self.num_oov_rows = max(oov_buckets, 1)
        parts = [np.zeros((self.num_oov_rows, self.dim), np.float32), matrix]
        self.subword_lengths = None
        if subwords is not None:
            parts.append(np.asarray(subwords.buckets, np.float32))
            self.subword_lengths = (subwords.min_n, subwords.max_n, subwords.bucket)
        table = np.concatenate(parts)

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=list(keys), num_oov_indices=self.num_oov_rows,
                                                mask_token=None, name="word_lookup")
        self.embedding = keras.layers.Embedding(len(table), self.dim, trainable=trainable, name="vectors",
                                                embeddings_initializer=keras.initializers.Constant(table))

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
        flat_vectors = tf.reshape(vectors, [-1, self.dim])
        unknown = tf.where(tf.reshape(ids, [-1]) < self.num_oov_rows)
        unknown_words = tf.gather(tf.reshape(words, [-1]), unknown[:, 0])
        min_n, max_n, bucket = self.subword_lengths
        rows = ngram_buckets(unknown_words, min_n, max_n, bucket) + (self.num_oov_rows + self.num_keys)
        subword_vectors = mean_of_rows(self.embedding.embeddings, rows)
        flat_vectors = tf.tensor_scatter_nd_update(flat_vectors, unknown, subword_vectors)
        return tf.reshape(flat_vectors, tf.shape(vectors))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.dim)
