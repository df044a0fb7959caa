import keras

from zoo.deprecation import warn_deprecated
from zoo.pooling import TokenPooling


@keras.saving.register_keras_serializable(package="zoo")
class MaskedMeanPooling(TokenPooling):
    """Deprecated: `zoo.pooling.TokenPooling("mean")`, which this is; kept one release so that old code and old
    .keras files (registered as "zoo>MaskedMeanPooling") still load. Constructing it warns (DeprecationWarning).

    Args:
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...); `pooling`, from a saved config, can only
            be "mean".

    Input/Output:
        token_vectors: (batch, steps, dim) float, with a Keras mask (or `mask=`, (batch, steps) bool) -> (batch, dim)
        float, the mean of the unmasked steps; an all-masked row gives zeros.

    Example:
    ```python
    from zoo.pooling import TokenPooling

    pool = TokenPooling("mean")                  # instead of zoo.custom.MaskedMeanPooling()
    pool(token_vectors, mask=mask)
    ```
    """

    def __init__(self, **kwargs):
        warn_deprecated("zoo.custom.MaskedMeanPooling", "zoo.pooling.TokenPooling('mean')")
        pooling = kwargs.pop("pooling", "mean")
        if pooling != "mean":
            raise ValueError(f"MaskedMeanPooling pools with the mean only, not {pooling!r}; use TokenPooling")
        super().__init__(pooling="mean", **kwargs)

    @classmethod
    def from_config(cls, config):
        """An old .keras file loads without a warning: its owner can only fix it by saving it again."""
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return cls(**config)
