"""Using an export from Keras 3: a layer that takes the signature's input and returns one named output; and the
op registration every loader needs first (TF Text's ops, for exports whose graph tokenises text)."""

import keras

from zoo.errors import ZooInputError
from zoo.serving.check import validate_export_folder
from zoo.serving.layout import SIGNATURE


def graph_ops(saved_model):
    """The op types a SavedModel proto's graphs run (its own functions' names left out)."""
    ops = set()
    for meta_graph in saved_model.meta_graphs:
        library = meta_graph.graph_def.library.function
        nodes = [*meta_graph.graph_def.node, *(node for function in library for node in function.node_def)]
        ops |= {node.op for node in nodes} - {function.signature.name for function in library}
    return ops


def register_export_ops(path):
    """Makes sure TensorFlow knows every op the export at `path` runs: imports tensorflow_text when the graph
    uses its ops (FastWordpieceTokenizeWithOffsets, RegexSplitWithOffsets...), as the model server links them;
    an op that neither registers is a ZooInputError naming it and the path. Returns the SavedModel proto."""
    from tensorflow.python.framework import op_def_registry

    saved_model = validate_export_folder(path, require_warmup=False)
    missing = {op for op in graph_ops(saved_model) if op_def_registry.get(op) is None}
    if missing:
        import tensorflow_text  # noqa: F401  registers TF Text's ops

        missing = {op for op in missing if op_def_registry.get(op) is None}
    if missing:
        raise ZooInputError(f"{path}: runs ops that neither TensorFlow nor TF Text registers "
                            f"({', '.join(sorted(missing))}); load it where the library defining them is imported")
    return saved_model


def load_saved_model(path):
    """`tf.saved_model.load(path)` once the export's ops are registered (see `register_export_ops`)."""
    import tensorflow as tf

    register_export_ops(path)
    return tf.saved_model.load(str(path))


@keras.saving.register_keras_serializable(package="zoo")
class ExportedModel(keras.layers.Layer):
    """An export's `serving_default`, as a frozen Keras 3 layer.

    keras.layers.TFSMLayer does the loading; this adds what it lacks for our exports: TF Text's ops registered
    when the graph needs them, calling with a plain tensor when the signature has one input, and picking one
    output by name instead of returning the dict.

    Args:
        path: an export folder, `saved_models/<name>/<version>`.
        output: the output to return (default "embedding"); None returns the dict of every output.

    Input/Output: what the signature takes (one tensor, or a dict for several inputs) -> the named output.

    Example:
    ```python
    encoder = zoo.load_export("saved_models/text_embedding/1")
    text = keras.Input(shape=(), dtype="string", name="text")
    model = keras.Model(text, keras.layers.Dense(2)(encoder(text)))
    ```
    """

    def __init__(self, path, output="embedding", **kwargs):
        kwargs["trainable"] = False  # frozen, also when a saved config says so
        super().__init__(**kwargs)
        self.export_path, self.output_name = str(path), output
        signature = load_saved_model(self.export_path).signatures[SIGNATURE]
        self.input_specs = signature.structured_input_signature[1]
        self.input_names = sorted(self.input_specs)
        output_names = sorted(signature.structured_outputs)
        if output is not None and output not in output_names:
            raise ZooInputError(f"{self.export_path}: has no output {output!r}; it has {', '.join(output_names)}")
        self.saved = keras.layers.TFSMLayer(self.export_path, call_endpoint=SIGNATURE, trainable=False)

    def call(self, inputs):
        if not isinstance(inputs, dict):
            if len(self.input_names) != 1:
                raise ValueError(f"{self.export_path} takes several inputs {self.input_names}: pass a dict")
            inputs = {self.input_names[0]: inputs}
        for name, spec in self.input_specs.items():
            if name not in inputs:
                raise ZooInputError(f"{self.export_path}: takes the inputs {self.input_names}; {name!r} is missing")
            dtype = keras.backend.standardize_dtype(inputs[name].dtype)
            if dtype != spec.dtype.name:
                raise ZooInputError(f"{self.export_path}: input {name!r} must be {spec.dtype.name}, not {dtype}")
        outputs = self.saved(inputs)
        return outputs[self.output_name] if self.output_name else outputs

    def get_config(self):
        return {**super().get_config(), "path": self.export_path, "output": self.output_name}


def load_export(path, output="embedding"):
    """An export as a frozen Keras 3 layer (`ExportedModel`): `load_export(path)(texts) -> embedding`."""
    return ExportedModel(path, output=output)
