"""`MultipleNegativesRankingLoss`: each anchor must pick its own positive among the batch's (in-batch negatives)."""

import keras


@keras.saving.register_keras_serializable(package="zoo")
class MultipleNegativesRankingLoss(keras.losses.Loss):
    """In-batch negatives, as sentence-transformers' `MultipleNegativesRankingLoss` (InfoNCE with a cosine):
    for anchor i, softmax cross-entropy over scale * cos(a_i, c) for every candidate c of the batch (every
    positive, and every hard negative when given), the right one being p_i.

    Only pairs known to be similar belong in it (e.g. STS-B pairs scored 4 or more); y_true is not used.

    Args:
        scale: the inverse temperature. Default 20.0 (sentence-transformers' default).
        **kwargs: `keras.losses.Loss` arguments; default name "multiple_negatives_ranking_loss".

    Input/Output:
        y_true: ignored (any (batch,) values). y_pred: (batch, 2 + k, dim): anchor, positive and k hard negatives
        of each row. Returns the cross-entropy of each anchor, (batch,) before reduction.
    """

    def __init__(self, scale=20.0, **kwargs):
        super().__init__(name=kwargs.pop("name", "multiple_negatives_ranking_loss"), **kwargs)
        self.scale = float(scale)

    def call(self, y_true, y_pred):
        normalized = keras.ops.normalize(keras.ops.cast(y_pred, "float32"), axis=-1)
        anchors = normalized[:, 0]
        candidates = keras.ops.reshape(keras.ops.transpose(normalized[:, 1:], (1, 0, 2)), (-1, anchors.shape[-1]))
        logits = self.scale * keras.ops.matmul(anchors, keras.ops.transpose(candidates))
        rows = keras.ops.arange(keras.ops.shape(anchors)[0])
        return keras.losses.sparse_categorical_crossentropy(rows, logits, from_logits=True)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
