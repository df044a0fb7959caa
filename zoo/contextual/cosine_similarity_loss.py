"""`CosineSimilarityLoss`: the squared error between a pair's cosine and its gold similarity (Sentence-BERT)."""

import keras

from zoo.contextual.pair_similarity import pair_cosines


@keras.saving.register_keras_serializable(package="zoo")
class CosineSimilarityLoss(keras.losses.Loss):
    """Squared error between cos(u, v) and the gold score, as sentence-transformers' `CosineSimilarityLoss`.

    The regression objective of Reimers & Gurevych (2019) for pairs with a graded score: the gold score must be
    on the cosine's scale (STS-B's 0-5 divided by 5).

    Args:
        **kwargs: `keras.losses.Loss` arguments (`reduction`, `name`; default name "cosine_similarity_loss").

    Input/Output:
        y_true: (batch,) gold similarity in [-1, 1] (usually [0, 1]). y_pred: (batch, 2, dim), the embeddings of
        each pair's two sentences (what `SentencePairModel` gives). Returns the mean squared error (per pair
        before reduction, so `sample_weight` weighs pairs).

    Example:
    ```python
    pair_model.compile(optimizer="adamw", loss=CosineSimilarityLoss())
    pair_model.fit(features, scores / 5.0)
    ```
    """

    def __init__(self, **kwargs):
        super().__init__(name=kwargs.pop("name", "cosine_similarity_loss"), **kwargs)

    def call(self, y_true, y_pred):
        y_true = keras.ops.reshape(keras.ops.cast(y_true, "float32"), (-1,))
        return keras.ops.square(pair_cosines(y_pred) - y_true)
