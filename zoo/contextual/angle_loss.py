"""`AnglELoss`: CoSENT over angle differences in complex space (Li & Li 2023)."""

import keras

from zoo.contextual.cosent_loss import CoSENTLoss
from zoo.contextual.pair_similarity import pair_angle_similarities


@keras.saving.register_keras_serializable(package="zoo")
class AnglELoss(CoSENTLoss):
    """AnglE, as sentence-transformers' `AnglELoss`: `CoSENTLoss` with the angle similarity
    (`pair_similarity.pair_angle_similarities`) in place of the cosine, whose gradient vanishes near +-1.

    Args:
        scale: the inverse temperature. Default 20.0.
        **kwargs: `keras.losses.Loss` arguments; default name "angle_loss".

    Input/Output: as `CoSENTLoss`: y_true (batch,) gold scores, y_pred (batch, 2, dim); a scalar.
    """

    def __init__(self, scale=20.0, **kwargs):
        super().__init__(scale=scale, name=kwargs.pop("name", "angle_loss"), **kwargs)

    def similarities(self, y_pred):
        return pair_angle_similarities(y_pred)
