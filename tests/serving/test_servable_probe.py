"""The probe decodes PredictionLog protos from the wire format: it must agree with tensorflow-serving-api."""

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

from zoo.serving import servable_probe


def serialized_log(inputs, signature="serving_default"):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "m"
    request.model_spec.signature_name = signature
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request)).SerializeToString()


@pytest.mark.parametrize("inputs", [
    {"text": np.array([b"hello", b"", "ünïcode ✓".encode()], dtype=object)},
    {"user_id": np.array([1, 2**40], dtype=np.int64), "age": np.array([[0.5, 1.5]], dtype=np.float32)},
])
def test_decode_predict_request_matches_the_real_protos(inputs):
    signature, decoded = servable_probe.decode_predict_request(serialized_log(inputs, "serve_items"))
    assert signature == "serve_items" and sorted(decoded) == sorted(inputs)
    for name, value in inputs.items():
        assert decoded[name].dtype == value.dtype
        np.testing.assert_array_equal(decoded[name], value)


def test_a_log_that_is_not_a_predict_log_is_refused():
    log = prediction_log_pb2.PredictionLog(classify_log=prediction_log_pb2.ClassifyLog())
    with pytest.raises(ValueError, match="not a PredictLog"):
        servable_probe.decode_predict_request(log.SerializeToString())
