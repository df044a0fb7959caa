import keras
import numpy as np
import tensorflow as tf

from zoo.custom.candidate_index import CandidateIndex
from zoo.custom.id_lists import known_cells


@keras.saving.register_keras_serializable(package="zoo")
class LeaveOutCandidateIndex(CandidateIndex):
    """CandidateIndex that also takes, with each query, the candidate ids to leave out (what the user has seen).

    Written here because keras-rs's BruteForceRetrieval scores every candidate and has no per-query exclusion. Ids
    are matched against `candidate_ids` (a StringLookup); unknown ids and repeats are harmless, and a list longer
    than the catalogue leaves nothing: slots with no candidate left get index -1 and score `NO_CANDIDATE` (the
    lowest float32, finite: a JSON answer stays valid), and `CandidateValues` gives "" for them.

    Args:
        candidate_embeddings: (num_candidates, output_dim) float32 vectors; None with `num_candidates` and
            `output_dim` (as `from_config` gives them). Default None.
        candidate_ids: one id per candidate, in the rows' order (each made a str). Required.
        k: how many candidates to return, best first. Default 10.
        separator: what separates the ids in a leave-out string. Default " ".
        **kwargs: `CandidateIndex` arguments (`num_candidates`, `output_dim`, `name`, ...).

    Input/Output:
        [query vectors (batch, output_dim) float32, leave-out ids (batch,) string] -> (scores: (batch, k) float32,
        indices: (batch, k) int32, -1 where nothing is left), best first.

    Example:
    ```python
    index = LeaveOutCandidateIndex(item_vectors, candidate_ids=item_ids, k=100)
    scores, rows = index([user_vectors, tf.constant(["50 172", ""])])   # the first user's 50 and 172 left out
    ```
    """

    NO_CANDIDATE = float(np.finfo(np.float32).min)

    def __init__(self, candidate_embeddings=None, candidate_ids=None, k=10, separator=" ", **kwargs):
        super().__init__(candidate_embeddings, k=k, **kwargs)
        if not candidate_ids or len(candidate_ids) != self.candidate_embeddings.shape[0]:
            raise ValueError("candidate_ids: one id per candidate row is required")
        self.candidate_keys, self.separator = [str(i) for i in candidate_ids], separator

        # === Layers ===
        self.lookup = keras.layers.StringLookup(vocabulary=self.candidate_keys, num_oov_indices=1, name="lookup")

    def call(self, inputs):
        query, leave_out = inputs
        scores = self.compute_score(query, self.candidate_embeddings)  # (batch, num_candidates)
        cells = tf.stack(known_cells(leave_out, self.lookup, self.separator), axis=1)  # (query, candidate row)
        left_out = tf.scatter_nd(cells, tf.ones(tf.shape(cells)[:1], scores.dtype), tf.shape(scores)) > 0
        scores = tf.where(left_out, tf.fill(tf.shape(scores), tf.cast(self.NO_CANDIDATE, scores.dtype)), scores)
        top_scores, top_rows = tf.math.top_k(scores, k=self.k)
        return top_scores, tf.where(top_scores > self.NO_CANDIDATE, top_rows, -1)

    def compute_output_spec(self, inputs):
        batch = inputs[0].shape[0]
        return keras.KerasTensor((batch, self.k), "float32"), keras.KerasTensor((batch, self.k), "int32")

    def get_config(self):
        # === Config ===
        return {**super().get_config(), "candidate_ids": self.candidate_keys, "separator": self.separator}
