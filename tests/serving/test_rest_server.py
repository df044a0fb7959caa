"""`zoo serve`: TF Serving's REST API on loopback, in both request forms, with TF Serving's error shape."""

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from zoo.serving.rest_server import make_server

TEXTS = ["the cat sat", "a dog in the park"]


def request(port, path, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(exported):
    server = make_server(exported.parents[1], port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def expected(text_model):
    return text_model(tf.constant(TEXTS))["embedding"].numpy()


def test_row_form_answers_predictions(server, expected):
    status, body = request(server, "/v1/models/tiny:predict", {"signature_name": "serving_default",
                                                               "instances": TEXTS})
    assert status == 200
    np.testing.assert_allclose(body["predictions"], expected, atol=1e-6)
    status, named = request(server, "/v1/models/tiny/versions/1:predict", {"instances": [{"text": t} for t in TEXTS]})
    assert status == 200 and np.allclose(named["predictions"], expected, atol=1e-6)


def test_columnar_form_answers_outputs(server, expected):
    for inputs in ({"text": TEXTS}, TEXTS):
        status, body = request(server, "/v1/models/tiny:predict", {"inputs": inputs})
        assert status == 200
        np.testing.assert_allclose(body["outputs"], expected, atol=1e-6)


def test_status_of_the_model_and_of_a_version(server):
    assert request(server, "/v1/models/tiny") == (200, {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}]})
    assert request(server, "/v1/models/tiny/versions/1")[0] == 200


@pytest.mark.parametrize("path, body, code, message", [
    ("/v1/models/tiny:predict", b"{not json", 400, "JSON Parse error"),
    ("/v1/models/tiny:predict", {"instances": TEXTS, "inputs": TEXTS}, 400, 'either "instances" or "inputs"'),
    ("/v1/models/tiny:predict", {"instances": [{"words": "a"}]}, 400, "missing ['text']"),
    ("/v1/models/tiny:predict", {"inputs": TEXTS, "signature_name": "other"}, 400, '"other" not found'),
    ("/v1/models/nothing:predict", {"inputs": TEXTS}, 404, "Servable not found"),
    ("/v1/models/tiny/versions/7:predict", {"inputs": TEXTS}, 404, "Servable not found"),
])
def test_a_bad_request_is_answered_with_tf_servings_error_shape(server, path, body, code, message):
    status, answer = request(server, path, body)
    assert status == code and list(answer) == ["error"] and message in answer["error"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_the_command_serves_until_stopped(exported, expected):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "zoo.cli", "serve", str(exported.parents[1]), "--port",
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            try:
                status, body = request(port, "/v1/models/tiny:predict", {"instances": TEXTS})
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert status == 200 and np.allclose(body["predictions"], expected, atol=1e-6)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "tiny on http://127.0.0.1" in process.stdout.read()


@pytest.mark.parametrize("value, expected", [
    (np.array([[b"a", b"\xc3\xa9"], [b"b", b"c"]], dtype=object), [["a", "é"], ["b", "c"]]),
    (np.array(b"x", dtype=object), "x"), (np.array([1.5, 2.0], np.float32), [1.5, 2.0]), (b"y", "y"),
])
def test_outputs_become_json_values(value, expected):
    from zoo.serving.rest_server import to_json

    assert to_json(value) == expected


def test_numbers_are_checked_as_tf_serving_reads_them():
    from zoo.serving.rest_server import RequestError, to_tensor

    for value, message in [([None], "null is not a float32 number"), (["31"], '"31" is not a float32 number'),
                           ([True], "true is not a float32 number")]:
        with pytest.raises(RequestError, match=message):
            to_tensor(value, tf.TensorSpec([None], tf.float32), "age")
    with pytest.raises(RequestError, match="101.9 is not a whole number"):
        to_tensor([101.9], tf.TensorSpec([None], tf.int32), "token_ids")
    with pytest.raises(RequestError, match="cannot be read as int32"):
        to_tensor([2 ** 40], tf.TensorSpec([None], tf.int32), "token_ids")
    assert to_tensor([[1, 2]], tf.TensorSpec([None, None], tf.int32), "ids").numpy().tolist() == [[1, 2]]


def test_a_bad_signature_name_or_an_unexpected_failure_still_answers_json(server):
    assert request(server, "/v1/models/tiny:predict", {"inputs": TEXTS, "signature_name": ["x"]})[0] == 400
    status, body = request(server, "/v1/models/tiny:predict", {"inputs": [[1, 2]]})  # numbers for a string input
    assert status in (400, 500) and list(body) == ["error"]
