import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="zoo")
class CandidateValues(keras.layers.Layer):
    """Candidate indices in, one of the candidates' values out (their ids or titles): a gather from a table.

    Written here because keras-rs's BruteForceRetrieval returns int32 candidate ids only, and a served
    retrieval model should answer with the item ids and titles a client knows. The table is a string
    constant in the graph (tf.gather, a core op), so an export runs on any TF Serving.

    Args:
        values: one value per candidate, in the candidates' order (each made a str). Required.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        indices: (batch, k) int32 or int64, rows of `values` (-1: no candidate, as LeaveOutCandidateIndex gives
        when nothing is left) -> (batch, k) string ("" for -1).

    Example:
    ```python
    scores, indices = CandidateIndex(item_vectors, k=10)(user_vectors)
    titles = CandidateValues(item_titles, name="title")(indices)     # (batch, 10) string
    ```
    """

    def __init__(self, values, **kwargs):
        super().__init__(**kwargs)
        self.values = [str(v) for v in values]
        self.table = tf.constant([*self.values, ""])  # the last: no candidate
        self.built = True

    def call(self, indices):
        return tf.gather(self.table, tf.where(indices < 0, tf.cast(len(self.values), indices.dtype), indices))

    def compute_output_spec(self, indices):
        return keras.KerasTensor(indices.shape, dtype="string")

    def get_config(self):
        return {**super().get_config(), "values": self.values}
