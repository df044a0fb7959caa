import keras
import keras_rs
import numpy as np
import tensorflow as tf

from zoo.custom.id_lists import known_cells


@keras.saving.register_keras_serializable(package="zoo")
class RankingStage(keras.layers.Layer):
    """Rescores a retrieval stage's candidates with what a user's history says about each, and keeps the best k.

    For each candidate three features: its retrieval logit (the score over `temperature`); an item-to-item score,
    the sum over the user's history of `item_weights[history item, candidate]` (EASE's weights, or any items x items
    matrix learnt from co-occurrence); and its log popularity. A linear scorer (a Dense layer, trained on lists of
    candidates with keras-rs's PairwiseLogisticLoss, `fit`) weighs them. `features` gives them; `call` ranks.

    Written here because keras-rs has ranking losses and feature crosses but no layer that looks up the history's
    rows of an item-to-item table. The table lives in the layer's weights (`set_tables` replaces it, e.g. after
    training the scorer on a cut of the data); StringLookup and tf.math.unsorted_segment_sum are core TF ops.

    Args:
        item_ids: the catalogue's ids, in the order of the retrieval stage's rows. Required.
        k: how many candidates to keep, best first. Default 100.
        temperature: what the retrieval scores are divided by (the retrieval loss's). Default 0.05.
        max_length: latest history items that count (the history embedding's). Default 20.
        separator: what separates the ids in a history string. Default " ".
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        [retrieval scores (batch, K) float32, candidate rows (batch, K) int32 (-1: none), history (batch,) string]
        -> (scores (batch, k) float32, rows (batch, k) int32), best first; rows -1 and the score `NO_CANDIDATE`
        where fewer than k candidates were given.
    """

    NO_CANDIDATE = float(np.finfo(np.float32).min)
    FEATURES = ("retrieval logit", "item-to-item score", "log popularity")

    def __init__(self, item_ids=None, k=100, temperature=0.05, max_length=20, separator=" ", **kwargs):
        super().__init__(**kwargs)
        if not item_ids:
            raise ValueError("RankingStage needs the catalogue's item ids (item_ids=)")
        self.item_ids, self.k, self.temperature = [str(i) for i in item_ids], k, temperature
        self.max_length, self.separator = max_length, separator

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=self.item_ids, num_oov_indices=1, name="lookup")
        self.scorer = keras.layers.Dense(1, use_bias=False, kernel_initializer=keras.initializers.Constant(
            [[1.0], [0.0], [0.0]]), name="scorer")  # starts as the retrieval order

    def build(self, input_shape=None):
        n = len(self.item_ids)
        self.item_weights = self.add_weight(shape=(n, n), initializer="zeros", trainable=False, name="item_weights")
        self.popularity = self.add_weight(shape=(n,), initializer="zeros", trainable=False, name="popularity")
        self.scorer.build((None, None, len(self.FEATURES)))
        self.built = True

    def set_tables(self, item_weights, counts):
        """The item-to-item matrix (n x n) and each item's count of interactions (n,), both in item_ids' order."""
        if not self.built:
            self.build()
        self.item_weights.assign(np.asarray(item_weights, np.float32))
        self.popularity.assign(np.log1p(np.asarray(counts, np.float32)))

    def features(self, scores, rows, histories):
        """(batch, K, 3) float32: the FEATURES of each candidate (zeros for row -1)."""
        users, items = known_cells(histories, self.lookup, self.separator, self.max_length)
        profile = tf.math.unsorted_segment_sum(  # (batch, n): the history's rows of the item-to-item table
            tf.gather(self.item_weights, items), users, tf.shape(histories)[0])
        rows = tf.cast(rows, "int32")
        valid = rows >= 0
        safe = tf.where(valid, rows, 0)
        item_to_item = tf.gather(profile, safe, batch_dims=1)
        features = tf.stack([scores / self.temperature, item_to_item, tf.gather(self.popularity, safe)], axis=-1)
        return tf.where(valid[..., None], features, tf.zeros_like(features))

    def score(self, features):
        return self.scorer(features)[..., 0]

    def fit(self, scores, rows, histories, labels, epochs=40, learning_rate=0.05, verbose=0):
        """Trains the scorer on lists of candidates, each with its positives, with keras-rs's PairwiseLogisticLoss
        (every chosen candidate against every other in its list). keras-rs's ListMLELoss needs a full order:
        with one label for all the candidates not chosen it learnt to sharpen the retrieval score alone (on
        MovieLens, NDCG@10 0.167 as before, against 0.195 pairwise).

        Args:
            scores, rows: (lists, K) a retrieval stage's candidates for each list (rows of item_ids) and scores.
            histories: (lists,) the users' histories as `call` takes them.
            labels: (lists, K) 1 for a candidate the user chose, else 0. Lists without one are left out.

        Returns:
            The Keras History of the scorer's training.
        """
        features = self.features(tf.constant(scores, tf.float32), tf.constant(rows), tf.constant(histories))
        labels = np.asarray(labels, np.float32)
        chosen = labels.sum(axis=1) > 0
        inputs = keras.Input(shape=(None, len(self.FEATURES)))
        model = keras.Model(inputs, self.score(inputs))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=keras_rs.losses.PairwiseLogisticLoss())
        return model.fit(features.numpy()[chosen], labels[chosen], epochs=epochs, batch_size=64, verbose=verbose)

    def call(self, inputs):
        scores, rows, histories = inputs
        ranked = self.score(self.features(scores, rows, histories))
        ranked = tf.where(rows >= 0, ranked, tf.fill(tf.shape(ranked), self.NO_CANDIDATE))
        top_scores, order = tf.math.top_k(ranked, k=self.k)
        return top_scores, tf.where(top_scores > self.NO_CANDIDATE, tf.gather(rows, order, batch_dims=1), -1)

    def compute_output_spec(self, inputs):
        batch = inputs[0].shape[0]
        return keras.KerasTensor((batch, self.k), "float32"), keras.KerasTensor((batch, self.k), "int32")

    def get_config(self):
        # === Config ===
        return {**super().get_config(), "item_ids": self.item_ids, "k": self.k, "temperature": self.temperature,
                "max_length": self.max_length, "separator": self.separator}
