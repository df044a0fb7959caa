import keras


@keras.saving.register_keras_serializable(package="zoo")
class BucketizedEmbedding(keras.layers.Layer):
    """A number in, a vector out: Discretization into buckets -> Embedding (one trained vector a bucket).

    Args:
        bin_boundaries: the bucket edges, ascending; n edges make n + 1 buckets (below the first, between, above
            the last), so any number, however far out, has a bucket. Required.
        output_dim: size of the vectors. Default 8.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Input/Output:
        values: (batch,) any numeric dtype (cast to float32) -> embedding: (batch, output_dim) float32; any
        shape (...) -> (..., output_dim).

    Example:
    ```python
    age = zoo.custom.BucketizedEmbedding(bin_boundaries=[18, 25, 35, 45, 50, 56], output_dim=8)
    age(np.array([17, 30, 90]))  # -> (3, 8)
    ```
    """

    feature_dtype = "float32"  # what a FeatureTower declares for this feature's input

    def __init__(self, bin_boundaries, output_dim=8, **kwargs):
        super().__init__(**kwargs)
        bin_boundaries = [float(b) for b in bin_boundaries]
        if not bin_boundaries or any(b >= c for b, c in zip(bin_boundaries, bin_boundaries[1:])):
            raise ValueError(f"bin_boundaries must be a non-empty ascending list, not {bin_boundaries}")
        self.bin_boundaries, self.output_dim = bin_boundaries, output_dim

        # === Layers ===
        self.discretize = keras.layers.Discretization(bin_boundaries=bin_boundaries, name="discretize")
        self.embedding = keras.layers.Embedding(len(bin_boundaries) + 1, output_dim, name="embedding")

    def build(self, input_shape):
        self.embedding.build(tuple(input_shape))
        self.built = True

    def call(self, values):
        return self.embedding(self.discretize(keras.ops.cast(values, "float32")))

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        # === Config ===
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries, "output_dim": self.output_dim}
