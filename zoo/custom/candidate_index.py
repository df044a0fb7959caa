import keras
import keras_rs
import numpy as np


@keras.saving.register_keras_serializable(package="zoo")
class CandidateIndex(keras_rs.layers.BruteForceRetrieval):
    """keras-rs's BruteForceRetrieval (exact top-k by dot product, scores and candidate indices out), saveable.

    Written because keras-rs 0.4's layer does not survive `model.save()` / `load_model()`: its get_config returns
    the `compute_score` method as `return_scores`, and it keeps no record of the candidates' shape, so a loaded
    layer has no variables for the saved vectors to go into. This subclass records `num_candidates` and `dim`
    and creates the variable from them, so the vectors load with the model's weights.

    Args:
        candidate_embeddings: (num_candidates, dim) vectors; None with `num_candidates` and `dim` (from_config).
        k: how many to return, best first.
    """

    def __init__(self, candidate_embeddings=None, k=10, num_candidates=None, dim=None, **kwargs):
        kwargs.pop("return_scores", None)
        if candidate_embeddings is None:
            candidate_embeddings = np.zeros((num_candidates, dim), np.float32)  # the weights fill it
        super().__init__(candidate_embeddings, k=k, return_scores=True, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("return_scores", None)
        return {**config, "num_candidates": int(self.candidate_embeddings.shape[0]),
                "dim": int(self.candidate_embeddings.shape[1])}
