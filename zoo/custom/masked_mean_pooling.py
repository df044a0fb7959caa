import keras


@keras.saving.register_keras_serializable(package="zoo")
class MaskedMeanPooling(keras.layers.Layer):
    """Mean of the unmasked steps: (batch, steps, dim) + mask -> (batch, dim); all-masked rows give zeros.

    Written here because keras.layers.GlobalAveragePooling1D divides by the mask's sum, which gives NaN for an
    empty string (every step masked), and a served encoder must return zeros there.
    """

    def call(self, inputs, mask=None):
        if mask is None:
            return keras.ops.mean(inputs, axis=1)
        weights = keras.ops.expand_dims(keras.ops.cast(mask, inputs.dtype), -1)
        total = keras.ops.sum(inputs * weights, axis=1)
        return total / keras.ops.maximum(keras.ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])
