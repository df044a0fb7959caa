import warnings

import keras
import keras_rs
import numpy as np
import tensorflow as tf

from zoo.custom.candidate_index import CandidateIndex
from zoo.custom.candidate_values import CandidateValues
from zoo.custom.feature_tower import FeatureTower, feature_dtype
from zoo.deprecation import renamed_arguments, renamed_attribute, with_current_names

SAMPLING_PROBABILITY = "candidate_sampling_probability"  # the training feature logQ correction reads
DEFAULT_OUTPUT_DIM = 64


@keras.saving.register_keras_serializable(package="zoo")
class TwoTower(keras.Model):
    """A two-tower retrieval model: a query tower (user features -> vector) and a candidate tower (item features
    -> vector), trained so a user's vector scores the items they chose above the other items of the batch.

    Training is keras-rs's retrieval recipe: in-batch softmax over the batch's candidates, with the scores
    divided by a `temperature`, corrected for how often each candidate is sampled as a negative (logQ:
    `SamplingProbabilityCorrection`), with a candidate equal to the positive not counted as a negative
    (`RemoveAccidentalHits`) and, optionally, only the hardest negatives kept (`HardNegativeMining`).

    Args:
        query_features: {feature name: layer} of the query (user) tower (see `FeatureTower`). Required.
        candidate_features: {feature name: layer} of the candidate (item) tower. Required.
        output_dim: size of the user and item vectors. Default None, which means 64.
        candidate_id: the candidate feature that identifies an item (accidental hits compare it). Default
            "item_id".
        hidden_units: widths of the ReLU layers of each tower. Default (128,).
        temperature: scores are divided by it; small values sharpen the softmax (towers are L2-normalised).
            Default 0.05.
        logq_correction: subtract log(sampling probability) from each candidate's score; the training data then
            carries `candidate_sampling_probability` (see `sampling_probabilities`). Default True.
        remove_accidental_hits: a batch's repeats of the positive item are not negatives. Default True.
        num_hard_negatives: keep only this many highest-scoring negatives per query; None: all of the batch.
            Default None.
        dim: the former name of `output_dim`, deprecated (a DeprecationWarning); give one of the two, not both.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Input/Output:
        called on {feature name: (batch,) tensor} (both towers' features) -> {"query": (batch, output_dim)
        float32, "candidate": (batch, output_dim) float32}, L2-normalised. `user_embedding(features)` /
        `item_embedding(features)`: {feature: (n,) numpy} -> (n, output_dim) float32 numpy. `retrieval_model(...)`:
        a keras.Model, {query feature: (batch,)} -> {"scores": (batch, k) float32, each returned feature:
        (batch, k) string}.

    Example:
    ```python
    towers = zoo.custom.TwoTower(
        query_features={"user_id": zoo.custom.CategoricalEmbedding(32, vocabulary=user_ids)},
        candidate_features={"item_id": zoo.custom.CategoricalEmbedding(32, vocabulary=item_ids)},
        output_dim=64)
    towers.compile(optimizer="adam")
    towers.fit(tf.data.Dataset.from_tensor_slices(interactions).batch(1024), epochs=5)
    user_vectors = towers.user_embedding({"user_id": np.array(["1", "2"])})
    ```
    """

    RENAMED_ARGUMENTS = {"dim": "output_dim"}  # old name: new name (the old ones are accepted, with a warning)

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, query_features, candidate_features, output_dim=None, candidate_id="item_id",
                 hidden_units=(128,), temperature=0.05, logq_correction=True, remove_accidental_hits=True,
                 num_hard_negatives=None, **kwargs):
        output_dim = DEFAULT_OUTPUT_DIM if output_dim is None else output_dim
        super().__init__(**kwargs)
        if candidate_id not in candidate_features:
            raise ValueError(f"candidate_id {candidate_id!r} is not a candidate feature: {sorted(candidate_features)}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, not {temperature}")
        self.output_dim, self.candidate_id, self.hidden_units = output_dim, candidate_id, tuple(hidden_units)
        self.temperature, self.logq_correction = temperature, logq_correction
        self.remove_accidental_hits, self.num_hard_negatives = remove_accidental_hits, num_hard_negatives

        # === Layers ===
        self.query_tower = FeatureTower(query_features, output_dim, hidden_units, name="query_tower")
        self.candidate_tower = FeatureTower(candidate_features, output_dim, hidden_units, name="candidate_tower")
        self.accidental_hits = keras_rs.layers.RemoveAccidentalHits()
        self.logq = keras_rs.layers.SamplingProbabilityCorrection()
        self.hard_negatives = keras_rs.layers.HardNegativeMining(num_hard_negatives) if num_hard_negatives else None
        self.softmax_loss = keras.losses.CategoricalCrossentropy(from_logits=True, reduction="sum_over_batch_size")
        self.build()

    dim = renamed_attribute("dim", "output_dim")

    def build(self, input_shape=None):
        # The towers are functional models, built in __init__; the keras-rs layers hold no weights.
        self.built = True

    @staticmethod
    def select(features, tower):
        missing = [name for name in tower.feature_names if name not in features]
        if missing:
            raise KeyError(f"{tower.name} needs feature(s) {missing}; given {sorted(features)}")
        return {name: features[name] for name in tower.feature_names}

    def call(self, features, training=False):
        return {"query": self.query_tower(self.select(features, self.query_tower), training=training),
                "candidate": self.candidate_tower(self.select(features, self.candidate_tower), training=training)}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """In-batch softmax: row i's positive is candidate i; the batch's other candidates are its negatives."""
        scores = keras.ops.matmul(y_pred["query"], keras.ops.transpose(y_pred["candidate"])) / self.temperature
        labels = keras.ops.eye(keras.ops.shape(scores)[0], dtype=scores.dtype)
        if self.remove_accidental_hits:
            scores = self.accidental_hits(scores, labels, self.hashed_ids(x[self.candidate_id]))
        if self.logq_correction:
            if SAMPLING_PROBABILITY not in x:
                raise KeyError(f"logq_correction needs the feature {SAMPLING_PROBABILITY!r} in the training data "
                               "(TwoTower.sampling_probabilities), or logq_correction=False")
            probability = keras.ops.cast(x[SAMPLING_PROBABILITY], scores.dtype)
            scores = self.logq(scores, probability[None, :])  # broadcasts over the rows
        if self.hard_negatives is not None:
            scores, labels = self.hard_negatives(scores, labels)
        return self.softmax_loss(labels, scores, sample_weight=sample_weight)

    @staticmethod
    def hashed_ids(ids):
        """String ids -> int64 (a 62-bit hash): RemoveAccidentalHits compares batch x batch ids, and integers
        compare more cheaply than strings. Integer ids pass as they are."""
        if ids.dtype == tf.string:
            return tf.strings.to_hash_bucket_fast(ids, 2**62)
        return ids

    @staticmethod
    def sampling_probabilities(candidate_ids):
        """Each example's candidate frequency in the training data: the chance an in-batch slot holds it."""
        _, inverse, counts = np.unique(np.asarray(candidate_ids), return_inverse=True, return_counts=True)
        return (counts / counts.sum()).astype(np.float32)[inverse]

    # --- The vectors ---

    def user_embedding(self, features, batch_size=4096):
        """(n, output_dim) float32: the query tower's vectors of n users given as {feature: array of n values}."""
        return self._embed(self.query_tower, features, batch_size)

    def item_embedding(self, features, batch_size=4096):
        """(n, output_dim) float32: the candidate tower's vectors of n items given as {feature: array of n values}."""
        return self._embed(self.candidate_tower, features, batch_size)

    def _embed(self, tower, features, batch_size):
        features = self.select(features, tower)
        n = len(next(iter(features.values())))
        return np.concatenate([
            keras.ops.convert_to_numpy(tower({k: v[s:s + batch_size] for k, v in features.items()}))
            for s in range(0, n, batch_size)] or [np.zeros((0, self.output_dim), np.float32)])

    def retrieval_model(self, candidates, k=100, returned=("item_id",), name="retrieval"):
        """A Keras model, user features -> the k best items: `scores` (batch, k) and each `returned` candidate
        feature (batch, k), best first; the candidates' vectors live inside it (keras-rs BruteForceRetrieval,
        as CandidateIndex, which `model.save()` keeps).

        candidates: {feature: array}, the catalogue, one row per item (the candidate tower's features plus any
        `returned` ones, e.g. titles). k larger than the catalogue is clamped to its size (with a warning):
        every item, ranked.
        """
        missing = [name for name in returned if name not in candidates]
        if missing:
            raise KeyError(f"returned feature(s) {missing} are not in the candidates: {sorted(candidates)}")
        n = len(candidates[self.candidate_id])
        if k > n:
            warnings.warn(f"k={k} is larger than the catalogue ({n} items): clamped to {n}", stacklevel=2)
            k = n
        vectors = self.item_embedding(candidates)
        retrieval = CandidateIndex(vectors, k=k, name="top_k")
        inputs = {name: keras.Input(shape=(), dtype=feature_dtype(layer), name=name)
                  for name, layer in self.query_tower.feature_layers.items()}
        scores, indices = retrieval(self.query_tower(inputs))
        outputs = {"scores": scores}
        for feature in returned:
            outputs[feature] = CandidateValues(np.asarray(candidates[feature]).astype(str), name=feature)(indices)
        return keras.Model(inputs, outputs, name=name)

    def get_config(self):
        # === Config ===
        return {
            **super().get_config(),
            "query_features": self.query_tower.get_config()["features"],
            "candidate_features": self.candidate_tower.get_config()["features"],
            "output_dim": self.output_dim,
            "candidate_id": self.candidate_id,
            "hidden_units": list(self.hidden_units),
            "temperature": self.temperature,
            "logq_correction": self.logq_correction,
            "remove_accidental_hits": self.remove_accidental_hits,
            "num_hard_negatives": self.num_hard_negatives,
        }

    @classmethod
    def from_config(cls, config):
        config = with_current_names(config, cls.RENAMED_ARGUMENTS)  # a config with `dim`: no warning
        towers = {key: {name: keras.saving.deserialize_keras_object(layer) for name, layer in config[key].items()}
                  for key in ("query_features", "candidate_features")}
        return cls(**{**config, **towers})
