import keras


def feature_dtype(layer):
    """The dtype of a feature layer's input: its `feature_dtype` (zoo's feature layers), else strings (any text
    encoder: a `Vectors.text_encoder()`, a `TextEncoder`, a `TextEmbedding`)."""
    return getattr(layer, "feature_dtype", "string")


@keras.saving.register_keras_serializable(package="zoo")
class FeatureTower(keras.Model):
    """Named features in, one vector out: one layer a feature, their vectors concatenated, a small MLP on top.

    A tower of a two-tower recommender (`zoo.custom.TwoTower`), or a feature encoder on its own. Each feature is
    a Keras layer from its raw value, shape (batch,), to a vector, shape (batch, n):
    - ids and categories: `CategoricalEmbedding` (lookup with OOV buckets -> Embedding; `separator=` for
      several values in one string, `oov_rate=` to train the OOV vector for cold start);
    - numbers: `BucketizedEmbedding` (buckets -> Embedding);
    - text: any text encoder, string in, vector out: `Vectors.text_encoder()`, `zoo.contextual.TextEncoder`,
      `zoo.custom.TextEmbedding` (set `trainable=False` on a pretrained one to keep it as it is).

    Args:
        features: {feature name: layer}. The names are the model's input names, in a served signature too.
            Required, at least one.
        output_dim: size of the output vector. Default 64.
        hidden_units: widths of the ReLU layers between the concatenated features and the output. Default (128,).
        normalize: L2-normalise the output (dot products are then cosines; pair with a temperature). Default True.
        **kwargs: `keras.Model` arguments (`name`, `trainable`, ...).

    Input/Output:
        {feature name: (batch,) tensor, of the dtype its layer takes (string for ids, categories and text;
        float32 for `BucketizedEmbedding`; int64 for `integer_keys`)} -> (batch, output_dim) float32.

    Example:
    ```python
    users = zoo.custom.FeatureTower({
        "user_id": zoo.custom.CategoricalEmbedding(32, vocabulary=user_ids, oov_rate=0.1),
        "age": zoo.custom.BucketizedEmbedding([18, 25, 35, 45, 50, 56], 8),
    }, output_dim=64)
    users({"user_id": np.array(["1", "2"]), "age": np.array([24, 53])})  # -> (2, 64)
    ```
    """

    def __init__(self, features, output_dim=64, hidden_units=(128,), normalize=True, **kwargs):
        if not features:
            raise ValueError("a FeatureTower needs at least one feature")

        # === Layers ===
        feature_layers = dict(features)
        hidden_layers = [keras.layers.Dense(units, activation="relu", name=f"hidden_{i}")
                         for i, units in enumerate(hidden_units)]
        output_layer = keras.layers.Dense(output_dim, name="output")

        # === Functional Model ===
        inputs = {name: keras.Input(shape=(), dtype=feature_dtype(layer), name=name)
                  for name, layer in feature_layers.items()}
        vectors = []
        for name, layer in feature_layers.items():
            vector = layer(inputs[name])
            vectors.append(vector["embedding"] if isinstance(vector, dict) else vector)  # text encoders' output
        x = keras.layers.Concatenate(name="features")(vectors) if len(vectors) > 1 else vectors[0]
        for hidden in hidden_layers:
            x = hidden(x)
        x = output_layer(x)
        if normalize:
            x = keras.layers.UnitNormalization(name="normalize")(x)
        super().__init__(inputs=inputs, outputs=x, **kwargs)

        # === Config ===
        self.feature_layers = feature_layers
        self.output_dim, self.hidden_units, self.normalize = output_dim, tuple(hidden_units), normalize

    @property
    def feature_names(self):
        return list(self.feature_layers)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "features": {name: keras.saving.serialize_keras_object(layer)
                         for name, layer in self.feature_layers.items()},
            "output_dim": self.output_dim,
            "hidden_units": list(self.hidden_units),
            "normalize": self.normalize,
        }

    @classmethod
    def from_config(cls, config):
        features = {name: keras.saving.deserialize_keras_object(layer) for name, layer in config["features"].items()}
        return cls(**{**config, "features": features})
