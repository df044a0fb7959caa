"""`CoSENTLoss`: pairs ranked by their gold score, through their cosines (Su 2022)."""

import keras

from zoo.contextual.pair_similarity import pair_cosines, ranking_loss


@keras.saving.register_keras_serializable(package="zoo")
class CoSENTLoss(keras.losses.Loss):
    """CoSENT, as sentence-transformers' `CoSENTLoss`: log(1 + sum of exp(scale * (cos_kl - cos_ij))) over every
    two pairs of the batch whose gold scores say (i, j) is more similar than (k, l).

    Only the order of the gold scores counts, so any scale works (STS-B's 0-5 as it is). The loss is one value
    for the batch (it compares pairs with each other), so `sample_weight` does not apply.

    Args:
        scale: the inverse temperature. Default 20.0 (sentence-transformers' default).
        **kwargs: `keras.losses.Loss` arguments; default name "cosent_loss".

    Input/Output:
        y_true: (batch,) gold scores. y_pred: (batch, 2, dim) pair embeddings. Returns a scalar.

    Example:
    ```python
    pair_model.compile(optimizer="adamw", loss=CoSENTLoss(scale=20.0))
    ```
    """

    def __init__(self, scale=20.0, **kwargs):
        super().__init__(name=kwargs.pop("name", "cosent_loss"), **kwargs)
        self.scale = float(scale)

    def similarities(self, y_pred):
        return pair_cosines(y_pred)

    def call(self, y_true, y_pred):
        return ranking_loss(self.similarities(y_pred), y_true, self.scale)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
