import keras


@keras.saving.register_keras_serializable(package="zoo")
class CategoricalEmbedding(keras.layers.Layer):
    """A categorical feature in, a vector out: StringLookup / IntegerLookup or Hashing -> Embedding.

    Unknown values go to `num_oov_indices` out-of-vocabulary buckets (lookup) or share the hash space (hashing):
    never an error, which is what a served model needs for values first seen in production.

    Args:
        output_dim: size of the vectors.
        vocabulary: the known values, instead of `adapt()`; ignored with `hashing_bins`.
        hashing_bins: hash values into this many bins instead of a vocabulary.
        num_oov_indices: buckets for unknown values (lookup only).
        integer_keys: the feature holds integers (IntegerLookup) rather than strings (StringLookup).

    Input (batch,) or (batch, k) values; output (batch, output_dim) or (batch, k, output_dim).
    """

    def __init__(self, output_dim=16, vocabulary=None, hashing_bins=None, num_oov_indices=1, integer_keys=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.output_dim, self.hashing_bins = output_dim, hashing_bins
        self.num_oov_indices, self.integer_keys = num_oov_indices, integer_keys

        # === Layers ===
        if hashing_bins:
            self.lookup = keras.layers.Hashing(num_bins=hashing_bins, name="hashing")
        elif integer_keys:
            self.lookup = keras.layers.IntegerLookup(vocabulary=vocabulary, num_oov_indices=num_oov_indices,
                                                     name="lookup")
        else:
            self.lookup = keras.layers.StringLookup(vocabulary=vocabulary, num_oov_indices=num_oov_indices,
                                                    name="lookup")
        self.embedding = None if vocabulary is None and not hashing_bins else self._make_embedding()

    def _make_embedding(self):
        size = self.hashing_bins or self.lookup.vocabulary_size()
        return keras.layers.Embedding(size, self.output_dim, name="embedding")

    def adapt(self, values):
        """Learns the vocabulary from training values (lookup only)."""
        if self.hashing_bins:
            return
        self.lookup.adapt(values)
        self.embedding = self._make_embedding()

    def get_vocabulary(self):
        if self.hashing_bins:
            return None
        vocabulary = self.lookup.get_vocabulary(include_special_tokens=False)
        return [value.item() if hasattr(value, "item") else value for value in vocabulary]  # numpy -> JSON

    def build(self, input_shape):
        if self.embedding is None:
            raise ValueError(f"{self.name}: adapt() the layer or pass a vocabulary before using it")
        self.embedding.build(tuple(input_shape))
        self.built = True

    def call(self, values):
        return self.embedding(self.lookup(values))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        # === Config ===
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "vocabulary": self.get_vocabulary(),
            "hashing_bins": self.hashing_bins,
            "num_oov_indices": self.num_oov_indices,
            "integer_keys": self.integer_keys,
        }
