"""Exports a Keras model as a versioned SavedModel that TF Serving loads: `saved_models/<name>/<N>/`.

The export is written to a temporary folder beside the versions (TF Serving ignores names that are not
integers) and renamed into place once complete, so an interrupted export never leaves a half-written version.
Its `serving_default` signature keeps the model's own input names (`text`, or the feature names) and output
names (`embedding`, `probabilities`...), and `assets.extra/tf_serving_warmup_requests` holds a real request.
"""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.files import remove, remove_abandoned, temporary_path
from zoo.serving.layout import SIGNATURE, WARMUP_FILE, versions
from zoo.serving.models_config import write_models_config


def lookup_tables(model):
    """The lookup tables (and other TF resources) a model holds: an ExportArchive must track them itself."""
    from tensorflow.saved_model.experimental import TrackableResource

    return [t for t in tf.train.TrackableView(model).descendants() if isinstance(t, TrackableResource)]


def input_signature_of(model):
    """{name: TensorSpec} of a functional model's inputs, batch dimension left open."""
    specs = {}
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        specs[name] = tf.TensorSpec([None, *tensor.shape[1:]], tf.as_dtype(tensor.dtype), name=name)
    return specs


def serving_function(model, specs, output_name):
    """model(features) as a function of a dict of named tensors, returning a dict of named outputs."""
    names = list(specs)

    def serve(features):
        outputs = model(features[names[0]] if len(names) == 1 else features, training=False)
        return outputs if isinstance(outputs, dict) else {output_name: outputs}

    return serve


def tf_variable(variable):
    """The tf.Variable that holds a Keras variable's value on the TensorFlow backend."""
    return variable.value if isinstance(variable.value, tf.Variable) else variable


def reusable_call(serve, specs):
    """TF-Hub's reusable SavedModel call: one tensor in when the signature has one input (else the dict), one
    tensor out when it has one output (else the dict), so that `hub.load(path)(texts)` gives the embeddings."""
    names = list(specs)

    def call(inputs):
        outputs = serve({names[0]: inputs} if len(names) == 1 else inputs)
        return next(iter(outputs.values())) if len(outputs) == 1 else outputs

    return call, (specs[names[0]] if len(names) == 1 else specs)


def write_warmup_requests(path, model_name, examples, specs):
    """TF Serving replays these Predict requests when it loads the model; `zoo check` runs them too."""
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = SIGNATURE
    for name, spec in specs.items():
        if name not in examples:
            raise ValueError(f"warm-up examples lack input {name!r}; the signature takes {sorted(specs)}")
        request.inputs[name].CopyFrom(tf.make_tensor_proto(np.asarray(examples[name]), dtype=spec.dtype))
    log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        writer.write(log.SerializeToString())


def export(model, name, warmup_examples, *, root="saved_models", input_signature=None, output_name="embedding"):
    """Writes `model` to `<root>/<name>/<N>/` (N = next version) and refreshes `<root>/models.config`.

    `warmup_examples` maps each input name to a small batch of real inputs. `input_signature` ({name:
    TensorSpec}) is needed only where the model has no functional inputs.
    """
    specs = input_signature or input_signature_of(model)
    model_dir = Path(root) / name
    model_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned(model_dir)
    temporary = temporary_path(model_dir / "version")
    try:
        # Not archive.track(model): with TF 2.21 that saves every weight twice (the Keras variable and the
        # tf.Variable the endpoint captures), an export twice the model's size. The endpoint brings the
        # variables it uses; the lookup tables are tracked one by one.
        archive = keras.export.ExportArchive()
        for table in lookup_tables(model):
            archive.track(table)
        serve = serving_function(model, specs, output_name)
        archive.add_endpoint(SIGNATURE, serve, input_signature=[specs])
        # TF-Hub's reusable SavedModel format: a callable root and its variable lists, so that
        # tf.saved_model.load(path)(x), hub.load(path)(x) and hub.KerasLayer(path) work without a signature name.
        call, call_spec = reusable_call(serve, specs)
        archive.add_endpoint("__call__", call, input_signature=[call_spec])
        # The tf.Variables under the Keras ones: the ones the endpoints capture, so each weight is saved once.
        archive.add_variable_collection("variables", [tf_variable(v) for v in model.variables])
        archive.add_variable_collection("trainable_variables", [tf_variable(v) for v in model.trainable_variables])
        archive.add_variable_collection("regularization_losses", [])
        archive.write_out(str(temporary), verbose=False)
        write_warmup_requests(temporary / WARMUP_FILE, name, warmup_examples, specs)
        while True:  # another export may take the same number between our look and our rename
            version = (versions(model_dir) or [0])[-1] + 1
            try:
                temporary.rename(model_dir / str(version))
                break
            except OSError:
                # Taken: try the next number. Anything there but a folder (a stray file named `N`) is not counted
                # by versions(), so it would be tried again forever: fail instead.
                if not (model_dir / str(version)).is_dir():
                    raise
    finally:
        remove(temporary)
    write_models_config(root)
    return model_dir / str(version)
