import keras
import keras_rs
import numpy as np

from zoo.deprecation import renamed_arguments, with_current_names


@keras.saving.register_keras_serializable(package="zoo")
class CandidateIndex(keras_rs.layers.BruteForceRetrieval):
    """Exact top-k retrieval by dot product over candidate vectors held in the layer, saveable with the model.

    keras-rs's BruteForceRetrieval, made to survive `model.save()` / `load_model()`: keras-rs 0.4's layer returns
    the `compute_score` method as `return_scores` from get_config, and keeps no record of the candidates' shape,
    so a loaded layer has no variables for the saved vectors to go into. This subclass records `num_candidates`
    and `output_dim` and creates the variable from them, so the vectors load with the model's weights.

    Args:
        candidate_embeddings: (num_candidates, output_dim) float32 vectors, one row per candidate; None with
            `num_candidates` and `output_dim` (as `from_config` gives them: the weights fill the rows). Default None.
        k: how many candidates to return, best first. Default 10.
        num_candidates: rows of the table when `candidate_embeddings` is None. Default None.
        output_dim: width of the candidate (and query) vectors when `candidate_embeddings` is None. Default None.
        dim: the former name of `output_dim`, deprecated (a DeprecationWarning); give one of the two, not both.
        **kwargs: `keras_rs.layers.BruteForceRetrieval` / `keras.layers.Layer` arguments (`name`, ...);
            `return_scores` is always True.

    Input/Output:
        query vectors: (batch, output_dim) float32 -> (scores: (batch, k) float32, indices: (batch, k) int32),
        best first; indices are rows of `candidate_embeddings`.

    Example:
    ```python
    index = CandidateIndex(item_vectors, k=100)             # item_vectors: (n_items, 64) float32
    scores, indices = index(user_vectors)                    # user_vectors: (batch, 64) -> (batch, 100) each
    ```
    """

    RENAMED_ARGUMENTS = {"dim": "output_dim"}  # old name: new name (the old ones are accepted, with a warning)

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, candidate_embeddings=None, k=10, num_candidates=None, output_dim=None, **kwargs):
        kwargs.pop("return_scores", None)
        if candidate_embeddings is None:
            candidate_embeddings = np.zeros((num_candidates, output_dim), np.float32)  # the weights fill it
        super().__init__(candidate_embeddings, k=k, return_scores=True, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("return_scores", None)
        return {**config, "num_candidates": int(self.candidate_embeddings.shape[0]),
                "output_dim": int(self.candidate_embeddings.shape[1])}

    @classmethod
    def from_config(cls, config):
        return cls(**with_current_names(config, cls.RENAMED_ARGUMENTS))  # a config with `dim`: no warning
