"""Serves exports the way `zoo check` loads them, and answers Predict requests one by one: for fuzzing.

`ServedSession` starts servable_probe.py in serve mode: a fresh process (`python -P`, only tensorflow and
tensorflow_text imported) that loads every export with the C++ SavedModel loader into a TF1 session, as the model
server does, and runs each request through `TF_SessionRun`. Several exports share one process (as several models
share one model server), which pays TensorFlow's import once. A request that kills the process (a crashing
kernel) raises CheckFailed naming the input; every wait is bounded; the process is always stopped.
"""

import json
import os
import select
import subprocess
import time
from pathlib import Path

import numpy as np

from zoo.errors import CheckFailed
from zoo.serving.check import last_error_lines, start_probe_process
from zoo.serving.layout import SIGNATURE


def describe_inputs(inputs, most=200):
    """A short, printable account of a request's inputs: each one's dtype, shape and first values."""
    parts = []
    for name, value in inputs.items():
        value = np.asarray(value)
        parts.append(f"{name} {value.dtype}{list(value.shape)} {value.reshape(-1)[:8].tolist()!r:.{most}}")
    return "; ".join(parts)


class ServedSession:
    """A model-server-like process serving exports; `predict` sends it one Predict request.

    Args:
        *paths: export folders (`saved_models/<name>/<N>`). Required.
        start_timeout: seconds the process may take to import TensorFlow and load the exports. Default 300.
        timeout: seconds one request may take. Default 120.

    Input/Output:
        `predict({input name: array}, path=None, signature="serving_default")` -> the answer, a dict: either
        {"ok": True, "outputs": {name: {"dtype", "shape", "finite"}}} or {"ok": False, "code": TensorFlow status
        code (3: INVALID_ARGUMENT), "message": first line}. `path` may be left out when one export is served.
        A request that kills the process, or takes longer than `timeout`, raises CheckFailed naming its inputs
        (the session is then closed). `signatures[path]`: {signature: {"inputs"/"outputs": {name: {"dtype",
        "shape"}}}} as the loaded graph declares them.

    Example:
    ```python
    with ServedSession("saved_models/glove/1") as served:
        served.predict({"text": np.array(["a cat", ""], dtype=object)})
        # {"ok": True, "outputs": {"embedding": {"dtype": "float32", "shape": [2, 50], "finite": True}}}
    ```
    """

    def __init__(self, *paths, start_timeout=300, timeout=120):
        if not paths:
            raise ValueError("ServedSession needs at least one export path")
        self.paths = [str(Path(p).resolve()) for p in paths]
        self.start_timeout, self.timeout = start_timeout, timeout
        self.process, self.signatures, self._pending = None, {}, b""
        self._stderr = None

    # --- lifecycle ---

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def start(self):
        self.process, self._stderr = start_probe_process("--serve", *self.paths)
        try:
            ready = self._read_line(self.start_timeout, "loading the exports")
        except CheckFailed:
            self.close()
            raise
        if not ready.get("ready"):
            self.close()
            raise CheckFailed(f"not servable: {ready.get('reason')}")
        self.signatures = ready["models"]

    def close(self):
        """Stops the process: end of input asks it to exit; it is killed if it does not within 10 s."""
        if self.process is None:
            return
        process, self.process = self.process, None
        try:
            process.stdin.close()
        except OSError:  # it is already gone
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._stderr.close()

    # --- requests ---

    def predict(self, inputs, path=None, signature=SIGNATURE):
        """Sends one Predict request; returns the answer (see the class docstring)."""
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

        if self.process is None:
            raise RuntimeError("the ServedSession is not running (start it, or use it as a context manager)")
        if path is None:
            if len(self.paths) != 1:
                raise ValueError(f"serving {len(self.paths)} exports: name one with path=")
            path = self.paths[0]
        path = str(Path(path).resolve())
        request = predict_pb2.PredictRequest()
        request.model_spec.name, request.model_spec.signature_name = path, signature
        for name, value in inputs.items():
            value = np.asarray(value)
            dtype = tf.string if value.dtype.kind in "OSU" else None  # an empty object array has no dtype to infer
            request.inputs[name].CopyFrom(tf.make_tensor_proto(value, dtype=dtype))
        body = prediction_log_pb2.PredictionLog(
            predict_log=prediction_log_pb2.PredictLog(request=request)).SerializeToString()
        try:
            self.process.stdin.write(len(body).to_bytes(8, "little") + body)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it died: the read below says how
        return self._read_line(self.timeout, f"the request {describe_inputs(inputs)} to {path}")

    def _read_line(self, timeout, what):
        deadline = time.monotonic() + timeout
        descriptor = self.process.stdout.fileno()
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([descriptor], [], [], left)[0]:
                self._fail(f"{what} took more than {timeout} s")
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                self.process.wait(timeout=10)
                self._fail(f"the serving process died (exit code {self.process.returncode}) on {what}")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)

    def _fail(self, message):
        last = last_error_lines(self._stderr, 3)
        if self.process.poll() is None:
            self.process.kill()
        self.close()
        raise CheckFailed(message + (": " + " | ".join(last) if last else ""))
