import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class CategoricalEmbedding(keras.layers.Layer):
    """A categorical feature in, a vector out: StringLookup / IntegerLookup or Hashing -> Embedding.

    Unknown values go to `num_oov_indices` out-of-vocabulary buckets (lookup) or share the hash space (hashing):
    never an error, which is what a served model needs for values first seen in production.

    Args:
        output_dim: size of the vectors. Default 16.
        vocabulary: the known values, instead of `adapt()`; ignored with `hashing_bins`. Default None.
        hashing_bins: hash values into this many bins instead of a vocabulary. Default None (a lookup).
        num_oov_indices: buckets for unknown values (lookup only). Default 1.
        integer_keys: the feature holds integers (IntegerLookup) rather than strings (StringLookup). Default False.
        separator: the feature holds several values in one string ("Action Comedy"): split at this separator
            (" " splits at any whitespace) and average their vectors; no value gives the zero vector. Default None.
        oov_rate: in training, send this fraction of the values to the out-of-vocabulary buckets (id dropout),
            so the OOV vectors learn what an unseen value should mean (a new user: cold start). Lookup only.
            Default 0.0.
        seed: seed of the `oov_rate` draws. Default None.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        values: (batch,) or (batch, k) string (int64 with `integer_keys`) -> embedding: (batch, output_dim) or
        (batch, k, output_dim) float32. With `separator`: (batch,) string -> (batch, output_dim) float32.

    Example:
    ```python
    genre = zoo.custom.CategoricalEmbedding(output_dim=8, vocabulary=["Action", "Comedy", "Drama"], separator=" ")
    genre(tf.constant(["Action Comedy", "Western", ""]))   # (3, 8): a mean of two, the OOV vector, zeros
    user = zoo.custom.CategoricalEmbedding(32, hashing_bins=10_000)
    ```
    """

    def __init__(self, output_dim=16, vocabulary=None, hashing_bins=None, num_oov_indices=1, integer_keys=False,
                 separator=None, oov_rate=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if oov_rate and (hashing_bins or not 0 <= oov_rate < 1 or num_oov_indices < 1):
            raise ValueError(f"oov_rate={oov_rate}: needs a lookup with num_oov_indices >= 1 and 0 <= rate < 1")
        if separator is not None and integer_keys:
            raise ValueError("separator splits strings; it cannot go with integer_keys")
        self.output_dim, self.hashing_bins = output_dim, hashing_bins
        self.num_oov_indices, self.integer_keys = num_oov_indices, integer_keys
        self.separator, self.oov_rate, self.seed = separator, oov_rate, seed
        self.feature_dtype = "int64" if integer_keys else "string"  # what a FeatureTower declares for this input
        self.seed_generator = keras.random.SeedGenerator(seed)

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

    def call(self, values, training=False):
        if self.separator is None:
            return self.embedding(self._ids(values, training))
        # Written with tf.strings / tf.ragged (this project runs on the TensorFlow backend): keras.ops has no
        # string splitting. Core TF ops, so an export runs on any TF Serving.
        tokens = tf.strings.split(values, sep=None if self.separator == " " else self.separator)
        tokens = tf.ragged.boolean_mask(tokens, tf.strings.length(tokens) > 0)
        vectors = tf.ragged.map_flat_values(lambda t: self.embedding(self._ids(t, training)), tokens)
        counts = tf.cast(tf.maximum(tokens.row_lengths(), 1), vectors.dtype)[:, None]
        return tf.reduce_sum(vectors, axis=1) / counts

    def _ids(self, values, training):
        ids = self.lookup(values)
        if training and self.oov_rate:  # StringLookup / IntegerLookup put the OOV buckets first: 0..n-1
            shape = keras.ops.shape(ids)
            dropped = keras.random.uniform(shape, seed=self.seed_generator) < self.oov_rate
            bucket = keras.random.randint(shape, 0, self.num_oov_indices, seed=self.seed_generator, dtype=ids.dtype)
            ids = keras.ops.where(dropped, bucket, ids)
        return ids

    def compute_output_shape(self, input_shape):
        if self.separator is not None:
            return (input_shape[0], self.output_dim)
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
            "separator": self.separator,
            "oov_rate": self.oov_rate,
            "seed": self.seed,
        }
