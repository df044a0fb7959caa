"""Using an export from Keras 3: a layer that takes the signature's input and returns one named output."""

import keras


@keras.saving.register_keras_serializable(package="zoo")
class ExportedModel(keras.layers.Layer):
    """An export's `serving_default`, as a Keras 3 layer (frozen): `ExportedModel(path)(text) -> embedding`.

    keras.layers.TFSMLayer does the loading; this adds what it lacks for our exports: calling with a plain
    tensor when the signature has one input, and picking one output by name instead of returning the dict.
    """

    def __init__(self, path, output="embedding", **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.export_path, self.output_name = str(path), output
        self.saved = keras.layers.TFSMLayer(self.export_path, call_endpoint="serving_default", trainable=False)
        import tensorflow as tf

        signature = tf.saved_model.load(self.export_path).signatures["serving_default"]
        self.input_names = sorted(signature.structured_input_signature[1])

    def call(self, inputs):
        if not isinstance(inputs, dict):
            if len(self.input_names) != 1:
                raise ValueError(f"{self.export_path} takes several inputs {self.input_names}: pass a dict")
            inputs = {self.input_names[0]: inputs}
        outputs = self.saved(inputs)
        return outputs[self.output_name] if self.output_name else outputs

    def get_config(self):
        return {**super().get_config(), "path": self.export_path, "output": self.output_name}


def load_export(path, output="embedding"):
    return ExportedModel(path, output=output)
