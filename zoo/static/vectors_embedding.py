import keras
import numpy as np


class VectorsEmbedding(keras.layers.Layer):
    """Words in, their pretrained vectors out: StringLookup -> keras.layers.Embedding holding the vectors.

    Unknown words get zeros (`oov_buckets=0`) or one of `oov_buckets` trainable-when-unfrozen rows (hashed).
    Input: strings of any shape (dense or ragged); output: that shape + (dim,).
    """

    def __init__(self, keys, matrix, oov_buckets=0, trainable=False, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        matrix = np.asarray(matrix, dtype=np.float32)
        self.num_keys, self.dim, self.oov_buckets = len(keys), matrix.shape[1], oov_buckets
        table = np.concatenate([np.zeros((max(oov_buckets, 1), self.dim), np.float32), matrix])

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=list(keys), num_oov_indices=max(oov_buckets, 1),
                                                mask_token=None, name="word_lookup")
        self.embedding = keras.layers.Embedding(len(table), self.dim, trainable=trainable, name="vectors",
                                                embeddings_initializer=keras.initializers.Constant(table))

    def build(self, input_shape):
        self.embedding.build(input_shape)
        self.built = True

    def call(self, words):
        return self.embedding(self.lookup(words))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.dim)
