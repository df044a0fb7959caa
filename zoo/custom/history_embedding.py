import keras
import tensorflow as tf

from zoo.custom.id_lists import split_ids


@keras.saving.register_keras_serializable(package="zoo")
class HistoryEmbedding(keras.layers.Layer):
    """A user's recent items, as one string of ids, pooled into one vector: a query-tower feature that knows what
    the user chose lately.

    Each string lists item ids oldest first, separated by `separator`; the latest `max_length` count. Each id is
    looked up (ids outside the vocabulary are left out, as is padding: a new item says nothing yet) and embedded;
    `pooling="attention"` weighs the items by a learnt score of the item and of its recency (0 for the latest,
    1 for the one before, ...), `"mean"` averages them. A history with no known item gives zeros (the tower then
    goes by its other features). Duplicates count as often as they appear.

    Written with tf.strings / tf.ragged (this project runs on the TensorFlow backend): keras.ops has no string
    splitting. Core TF ops, so an export runs on any TF Serving.

    Args:
        output_dim: size of the item vectors and of the output. Default 32.
        vocabulary: the item ids (strings) the layer knows. Required.
        max_length: how many of the latest items count. Default 20.
        pooling: "attention" or "mean". Default "attention".
        attention_units: width of the attention scorer's hidden layer. Default 32.
        separator: what separates the ids in a string. Default " ".
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        (batch,) string, ids oldest first -> (batch, output_dim) float32.

    Example:
    ```python
    history = zoo.custom.HistoryEmbedding(32, vocabulary=item_ids, max_length=20)
    history(tf.constant(["50 172 181", "", "unknown-id 50"]))   # (3, 32); the second row zeros
    ```
    """

    feature_dtype = "string"  # what a FeatureTower declares for this input

    def __init__(self, output_dim=32, vocabulary=None, max_length=20, pooling="attention", attention_units=32,
                 separator=" ", **kwargs):
        super().__init__(**kwargs)
        if pooling not in ("attention", "mean"):
            raise ValueError(f"pooling must be 'attention' or 'mean', not {pooling!r}")
        if not vocabulary:
            raise ValueError("HistoryEmbedding needs the item ids it knows (vocabulary=)")
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, not {max_length}")
        self.output_dim, self.vocabulary, self.max_length = output_dim, [str(v) for v in vocabulary], max_length
        self.pooling, self.attention_units, self.separator = pooling, attention_units, separator

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=self.vocabulary, num_oov_indices=1, name="lookup")
        self.item_embedding = keras.layers.Embedding(len(self.vocabulary) + 1, output_dim, name="item_embedding")
        if pooling == "attention":
            self.recency_embedding = keras.layers.Embedding(max_length, output_dim, name="recency_embedding")
            self.attention_hidden = keras.layers.Dense(attention_units, activation="tanh", name="attention_hidden")
            self.attention_score = keras.layers.Dense(1, name="attention_score")

    def build(self, input_shape):
        self.item_embedding.build((None, self.max_length))
        if self.pooling == "attention":
            self.recency_embedding.build((None, self.max_length))
            self.attention_hidden.build((None, self.max_length, self.output_dim))
            self.attention_score.build((None, self.max_length, self.attention_units))
        self.built = True

    def call(self, histories):
        tokens = split_ids(histories, self.separator, self.max_length)  # the latest
        ids = tokens.with_flat_values(tf.cast(self.lookup(tokens.flat_values), "int32")).to_tensor(0)  # (B, L)
        ids = ids[:, :self.max_length]
        known = tf.cast(ids > 0, self.compute_dtype)  # 0: padding or an id outside the vocabulary
        items = self.item_embedding(ids)  # (B, L, output_dim)
        if self.pooling == "mean":
            weights = known
        else:
            lengths = tf.cast(tokens.row_lengths(), "int32")[:, None]
            recency = tf.maximum(lengths - 1 - tf.range(tf.shape(ids)[1])[None, :], 0)  # 0: the latest
            scores = self.attention_score(self.attention_hidden(items + self.recency_embedding(recency)))[..., 0]
            scores = tf.where(known > 0, scores, tf.fill(tf.shape(scores), -1e9))
            weights = tf.exp(scores - tf.reduce_max(scores, axis=1, keepdims=True)) * known
        total = tf.reduce_sum(weights, axis=1, keepdims=True)
        weights = tf.math.divide_no_nan(weights, total)  # no known item: all zero
        return tf.reduce_sum(weights[..., None] * items, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def get_config(self):
        # === Config ===
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "vocabulary": self.vocabulary,
            "max_length": self.max_length,
            "pooling": self.pooling,
            "attention_units": self.attention_units,
            "separator": self.separator,
        }
