"""`zoo serve`: TF Serving's REST predict API on loopback, to try exports without docker.

It answers the requests a TF Serving client sends, in the same shapes, for the models `<root>/models.config`
lists (the latest version of each, or the one a URL names):

- `GET  /v1/models/NAME[/versions/N]`: the version status;
- `POST /v1/models/NAME[/versions/N]:predict`: `{"instances": [...]}` (row form: one entry a row, a value for a
  one-input signature or an object of named inputs) answered with `{"predictions": [...]}`, or `{"inputs": ...}`
  (columnar form: a list for a one-input signature, or an object of named lists) answered with
  `{"outputs": ...}`; `"signature_name"` picks a signature (default `serving_default`); `{"b64": "..."}` is a
  binary string, as in TF Serving.
- Errors: `{"error": "..."}` with 400 for a bad request, 404 for an unknown model or version.

Written here because TF Serving's own server is a C++ binary (`tensorflow/serving` images) that cannot be
installed with pip; the model server itself is what production should run.

Example:
```python
server = make_server("saved_models", port=8501)   # port=0 picks a free one: server.server_address[1]
server.serve_forever()                            # or `zoo serve saved_models --port 8501`
```
"""

import base64
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from zoo.errors import ZooInputError
from zoo.serving.layout import MODELS_CONFIG, SIGNATURE, versions

ROUTE = re.compile(r"^/v1/models/(?P<name>[^/:]+)(?:/versions/(?P<version>\d+))?(?P<verb>:predict)?$")


class RequestError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def model_names(root):
    """The model names `<root>/models.config` lists."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    path = Path(root) / MODELS_CONFIG
    if not path.is_file():
        raise ZooInputError(f"{path}: missing; export a model first (zoo run RECIPE, or zoo.export)")
    config = text_format.Parse(path.read_text(), model_server_config_pb2.ModelServerConfig())
    return [entry.name for entry in config.model_config_list.config]


class Models:
    """The served models: each name's versions under `<root>/<name>/`, loaded on first request."""

    def __init__(self, root):
        self.root, self.names = Path(root), model_names(root)
        self.loaded, self.lock = {}, threading.Lock()

    def versions(self, name):
        if name not in self.names:
            raise RequestError(404, f"Servable not found for request: Latest({name})")
        return versions(self.root / name)

    def get(self, name, version=None):
        versions = self.versions(name)
        version = int(version) if version is not None else (versions or [None])[-1]
        if version not in versions:
            raise RequestError(404, f"Servable not found for request: Specific({name}, {version})")
        with self.lock:
            if (name, version) not in self.loaded:
                from zoo.serving.load import load_saved_model

                self.loaded[name, version] = load_saved_model(self.root / name / str(version))
        return version, self.loaded[name, version]


def to_tensor(values, spec, name):
    import numpy as np
    import tensorflow as tf

    def decode(value):
        if isinstance(value, dict):
            if set(value) != {"b64"}:
                raise RequestError(400, f"input {name}: an object value must be {{\"b64\": ...}}")
            return base64.b64decode(value["b64"])
        if isinstance(value, list):
            return [decode(v) for v in value]
        return value

    def check_number(value):  # JSON numbers only, as TF Serving reads them: no null, true, "31" or 1.5 for an int
        if isinstance(value, list):
            return [check_number(v) for v in value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise RequestError(400, f"input {name}: {json.dumps(value)} is not a {spec.dtype.name} number")
        if spec.dtype.is_integer and value != int(value):
            raise RequestError(400, f"input {name}: {value} is not a whole number ({spec.dtype.name})")
        return value

    try:
        if spec.dtype == tf.string:
            return tf.constant(decode(values), tf.string)
        return tf.constant(np.asarray(check_number(values), dtype=spec.dtype.as_numpy_dtype))
    except (ValueError, TypeError, OverflowError) as error:
        raise RequestError(400, f"input {name}: cannot be read as {spec.dtype.name}: {error}") from None


def model_error(error):
    """A model's own error as one line: an OpError's message without its node trace."""
    import tensorflow as tf

    message = error.message if isinstance(error, tf.errors.OpError) else str(error)
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    useful = [line for line in lines if not line.endswith(":") and not line.startswith(("Node:", "File", "[["))]
    return (useful or lines or [type(error).__name__])[0]


def to_json(array):
    """A numpy value as JSON values: nested lists, strings decoded from UTF-8 (TF Serving's REST answer)."""
    import numpy as np

    array = np.asarray(array)
    if array.dtype.kind in "SO":
        if array.ndim:
            return [to_json(x) for x in array]
        value = array.item()
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return array.tolist()


def predict(models, name, version, body):
    """The JSON answer to a predict request's parsed body."""
    if not isinstance(body, dict) or ("instances" in body) == ("inputs" in body):
        raise RequestError(400, 'the request must be a JSON object with either "instances" or "inputs"')
    _, model = models.get(name, version)
    signature_name = body.get("signature_name", SIGNATURE)
    if not isinstance(signature_name, str) or signature_name not in model.signatures:
        raise RequestError(400, f"Serving signature name: \"{signature_name}\" not found in signature def")
    signature = model.signatures[signature_name]
    specs = signature.structured_input_signature[1]
    if "instances" in body:
        rows = body["instances"]
        if not isinstance(rows, list) or not rows:
            raise RequestError(400, '"instances" must be a non-empty list')
        named = all(isinstance(r, dict) and set(r) != {"b64"} for r in rows)  # {input: value} a row
        if len(specs) == 1 and not named:
            rows = [{next(iter(specs)): r} for r in rows]
        missing = [n for n in specs if not all(isinstance(r, dict) and n in r for r in rows)]
        if missing:
            raise RequestError(400, f"each instance needs the inputs {sorted(specs)}; missing {missing}")
        columns = {n: [r[n] for r in rows] for n in specs}
    else:
        columns = body["inputs"]
        if not isinstance(columns, dict) or set(columns) != set(specs):
            if len(specs) != 1 or isinstance(columns, dict):
                raise RequestError(400, f'"inputs" must name the inputs {sorted(specs)}')
            columns = {next(iter(specs)): columns}
    tensors = {n: to_tensor(columns[n], specs[n], n) for n in specs}
    try:
        outputs = {n: value.numpy() for n, value in signature(**tensors).items()}
    except Exception as error:  # noqa: BLE001  the model's own error, as TF Serving reports it
        raise RequestError(400, model_error(error)) from None
    if "inputs" in body:
        answer = {n: to_json(v) for n, v in outputs.items()}
        return {"outputs": next(iter(answer.values())) if len(answer) == 1 else answer}
    rows = len(next(iter(outputs.values())))
    if len(outputs) == 1:
        return {"predictions": to_json(next(iter(outputs.values())))}
    return {"predictions": [{n: to_json(v[i:i + 1])[0] for n, v in outputs.items()} for i in range(rows)]}


def status(models, name, version):
    versions = [int(version)] if version is not None else models.versions(name)[-1:]
    if version is not None and int(version) not in models.versions(name):
        raise RequestError(404, f"Servable not found for request: Specific({name}, {version})")
    return {"model_version_status": [{"version": str(v), "state": "AVAILABLE",
                                      "status": {"error_code": "OK", "error_message": ""}} for v in versions]}


class Handler(BaseHTTPRequestHandler):
    models = None  # set by make_server

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self, method):
        match = ROUTE.match(self.path)
        try:
            if not match or (method == "POST") != bool(match["verb"]):
                raise RequestError(404, f"Malformed request: {method} {self.path}")
            if method == "GET":
                return self.answer(200, status(self.models, match["name"], match["version"]))
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except json.JSONDecodeError as error:
                raise RequestError(400, f"JSON Parse error: {error}") from None
            return self.answer(200, predict(self.models, match["name"], match["version"], body))
        except RequestError as error:
            return self.answer(error.status, {"error": str(error)})
        except Exception as error:  # noqa: BLE001  never a dropped connection: the client gets TF Serving's shape
            return self.answer(500, {"error": f"{type(error).__name__}: {error}"})

    def do_GET(self):  # noqa: N802  (http.server's names)
        self.route("GET")

    def do_POST(self):  # noqa: N802
        self.route("POST")

    def log_message(self, format, *args):  # noqa: A002
        pass  # quiet, as a library; the command prints its own line


def make_server(root="saved_models", port=8501, host="127.0.0.1"):
    """A ThreadingHTTPServer answering TF Serving's REST API for the models of `<root>/models.config`."""
    handler = type("ZooHandler", (Handler,), {"models": Models(root)})
    return ThreadingHTTPServer((host, port), handler)
