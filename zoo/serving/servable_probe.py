"""Loads SavedModels the way TF Serving does: checks them on their warm-up requests, or answers Predict requests.

Run as a script in a fresh process, whose code only the tests import: this process imports only `tensorflow` and
`tensorflow_text`, the ops a stock model server links. Each model is loaded by TensorFlow's C++ SavedModel loader
(`LoadSavedModel`, reached through the C API's `TF_LoadSessionFromSavedModel`) into a TF1 session, and its
signatures run through `TF_SessionRun`, as the model server runs a Predict request. Two modes:

- `python -P servable_probe.py --check-many` checks one export after another, each named on a line of stdin, and
  prints one JSON report a check, as one model server loads many models (see `check_many`; `zoo check` keeps one
  such process for all its checks).
- `python -P servable_probe.py --serve EXPORT [EXPORT ...]` loads the exports, then answers Predict requests read
  from stdin until its end, as a model server would (see `serve`; zoo.serving.served_session drives it).

The warm-up file holds PredictionLog protos (tensorflow-serving-api); their few fields are decoded here from the
wire format, so that this process needs no package beyond the two above.
"""

import ctypes
import json
import os
import sys

import numpy as np
import tensorflow as tf
from tensorflow.core.framework import op_def_pb2, tensor_pb2, types_pb2
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2
from tensorflow.python.framework import op_def_registry

TF_STRING = 7
INVALID_ARGUMENT = 3
TSTRING_BYTES = 24  # sizeof(TF_TString) on 64-bit platforms


# === Protobuf wire format (PredictionLog -> PredictLog -> PredictRequest) ===
def _varint(buffer, pos):
    result = shift = 0
    while True:
        byte = buffer[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buffer):
    """Yields (field number, value) of a serialized message; length-delimited values are bytes."""
    pos = 0
    while pos < len(buffer):
        key, pos = _varint(buffer, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _varint(buffer, pos)
        elif wire_type == 2:
            length, pos = _varint(buffer, pos)
            value, pos = buffer[pos : pos + length], pos + length
        elif wire_type in (1, 5):
            size = 8 if wire_type == 1 else 4
            value, pos = buffer[pos : pos + size], pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire_type}")
        if pos > len(buffer):
            raise ValueError("truncated protobuf message")
        yield number, value


def decode_predict_request(prediction_log):
    """(signature name, {input name: numpy array}) of a serialized PredictionLog holding a PredictLog."""
    _, signature, inputs = decode_model_request(prediction_log)
    return signature, inputs


def decode_model_request(prediction_log):
    """(model name, signature name, {input name: numpy array}) of a serialized PredictionLog (a PredictLog)."""
    predict_logs = [v for n, v in _fields(prediction_log) if n == 6]  # PredictionLog.predict_log
    if not predict_logs:
        raise ValueError("warm-up record is not a PredictLog (only Predict requests are checked)")
    request = next((v for n, v in _fields(predict_logs[0]) if n == 1), b"")  # PredictLog.request
    model, signature, inputs = "", "serving_default", {}
    for number, value in _fields(request):
        if number == 1:  # model_spec: name = 1, signature_name = 3
            spec = dict(_fields(value))
            model = spec.get(1, b"").decode()
            signature = spec.get(3, b"").decode() or signature
        elif number == 2:  # inputs: map<string, TensorProto>
            entry = dict(_fields(value))
            inputs[entry[1].decode()] = tf.make_ndarray(tensor_pb2.TensorProto.FromString(entry[2]))
    return model, signature, inputs


# === The C API ===
class StatusError(RuntimeError):
    """A failed TensorFlow call, with its status code (3: INVALID_ARGUMENT, as tensorflow/core/protobuf/
    error_codes.proto numbers them)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class _Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("length", ctypes.c_size_t), ("dealloc", ctypes.c_void_p)]


class _Output(ctypes.Structure):
    _fields_ = [("oper", ctypes.c_void_p), ("index", ctypes.c_int)]


class CApi:
    """The handful of C API functions the loader and a session run need."""

    def __init__(self):
        folder = os.path.dirname(tf.__file__)
        self._libraries = [ctypes.CDLL(os.path.join(folder, name), mode=ctypes.RTLD_GLOBAL)
                           for name in ("libtensorflow_cc.so.2", "libtensorflow_framework.so.2")]
        P, I64, SIZE = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t
        self._declare("TF_NewStatus", P, [])
        self._declare("TF_GetCode", ctypes.c_int, [P])
        self._declare("TF_Message", ctypes.c_char_p, [P])
        self._declare("TF_NewBuffer", ctypes.POINTER(_Buffer), [])
        self._declare("TF_NewSessionOptions", P, [])
        self._declare("TF_NewGraph", P, [])
        self._declare("TF_LoadSessionFromSavedModel", P, [P, P, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p),
                                                          ctypes.c_int, P, ctypes.POINTER(_Buffer), P])
        self._declare("TF_GraphOperationByName", P, [P, ctypes.c_char_p])
        self._declare("TF_AllocateTensor", P, [ctypes.c_int, ctypes.POINTER(I64), ctypes.c_int, SIZE])
        self._declare("TF_DeleteTensor", None, [P])
        self._declare("TF_TensorData", P, [P])
        self._declare("TF_TensorByteSize", SIZE, [P])
        self._declare("TF_TensorType", ctypes.c_int, [P])
        self._declare("TF_NumDims", ctypes.c_int, [P])
        self._declare("TF_Dim", I64, [P, ctypes.c_int])
        self._declare("TF_StringInit", None, [P])
        self._declare("TF_StringCopy", None, [P, ctypes.c_char_p, SIZE])
        self._declare("TF_StringGetDataPointer", P, [P])
        self._declare("TF_StringGetSize", SIZE, [P])
        self._declare("TF_GetAllOpList", ctypes.POINTER(_Buffer), [])
        self._declare("TF_CloseSession", None, [P, P])
        self._declare("TF_DeleteSession", None, [P, P])
        self._declare("TF_DeleteGraph", None, [P])
        self._declare("TF_SessionRun", None, [P, P, ctypes.POINTER(_Output), ctypes.POINTER(P), ctypes.c_int,
                                              ctypes.POINTER(_Output), ctypes.POINTER(P), ctypes.c_int, P,
                                              ctypes.c_int, P, P])

    def _declare(self, name, restype, argtypes):
        for library in self._libraries:
            function = getattr(library, name, None)
            if function is not None:
                function.restype, function.argtypes = restype, argtypes
                setattr(self, name, function)
                return
        raise RuntimeError(f"TensorFlow's C API lacks {name}")

    def check(self, status, what):
        code = self.TF_GetCode(status)
        if code != 0:
            raise StatusError(code, f"{what}: {self.TF_Message(status).decode(errors='replace')}")

    def registered_ops(self):
        """The names of every op registered in this process so far (the C API's TF_GetAllOpList)."""
        buffer = self.TF_GetAllOpList()
        ops = op_def_pb2.OpList.FromString(ctypes.string_at(buffer.contents.data, buffer.contents.length))
        return {op.name for op in ops.op}

    def to_tensor(self, array):
        dims = (ctypes.c_int64 * max(array.ndim, 1))(*array.shape)
        if array.dtype.kind in "OSU":
            flat = [v if isinstance(v, bytes) else str(v).encode() for v in array.reshape(-1)]
            tensor = self.TF_AllocateTensor(TF_STRING, dims, array.ndim, TSTRING_BYTES * len(flat))
            base = self.TF_TensorData(tensor)
            for i, value in enumerate(flat):
                self.TF_StringInit(base + TSTRING_BYTES * i)
                self.TF_StringCopy(base + TSTRING_BYTES * i, value, len(value))
            return tensor
        array = np.ascontiguousarray(array)
        dtype = tf.as_dtype(array.dtype).as_datatype_enum
        tensor = self.TF_AllocateTensor(dtype, dims, array.ndim, array.nbytes)
        ctypes.memmove(self.TF_TensorData(tensor), array.ctypes.data, array.nbytes)
        return tensor

    def to_numpy(self, tensor):
        shape = [self.TF_Dim(tensor, d) for d in range(self.TF_NumDims(tensor))]
        dtype, data = self.TF_TensorType(tensor), self.TF_TensorData(tensor)
        if dtype == TF_STRING:
            count = int(np.prod(shape))
            values = [ctypes.string_at(self.TF_StringGetDataPointer(data + TSTRING_BYTES * i),
                                       self.TF_StringGetSize(data + TSTRING_BYTES * i)) for i in range(count)]
            return np.array(values, dtype=object).reshape(shape)
        raw = ctypes.string_at(data, self.TF_TensorByteSize(tensor))
        return np.frombuffer(raw, dtype=tf.as_dtype(dtype).as_numpy_dtype).reshape(shape)


class LoadedSavedModel:
    """A SavedModel loaded by the C++ loader into a session, with its signatures; runs them by name."""

    def __init__(self, api, export_dir, tags=("serve",)):
        self.api, self.status, self.graph = api, api.TF_NewStatus(), api.TF_NewGraph()
        meta_graph = api.TF_NewBuffer()
        tag_array = (ctypes.c_char_p * len(tags))(*[t.encode() for t in tags])
        self.session = api.TF_LoadSessionFromSavedModel(api.TF_NewSessionOptions(), None, export_dir.encode(),
                                                        tag_array, len(tags), self.graph, meta_graph, self.status)
        api.check(self.status, "the C++ SavedModel loader failed")
        self.meta_graph = meta_graph_pb2.MetaGraphDef.FromString(
            ctypes.string_at(meta_graph.contents.data, meta_graph.contents.length))

    def close(self):
        """Closes and frees the session and its graph (a long-lived checking process loads many exports)."""
        self.api.TF_CloseSession(self.session, self.status)
        self.api.TF_DeleteSession(self.session, self.status)
        self.api.TF_DeleteGraph(self.graph)

    def _endpoint(self, tensor_name):
        operation, index = tensor_name.rsplit(":", 1)
        handle = self.api.TF_GraphOperationByName(self.graph, operation.encode())
        if not handle:
            raise RuntimeError(f"signature names tensor {tensor_name}, which the graph lacks")
        return _Output(handle, int(index))

    def run(self, signature_name, inputs):
        if signature_name not in self.meta_graph.signature_def:
            raise StatusError(INVALID_ARGUMENT, f"no signature {signature_name!r}")
        signature = self.meta_graph.signature_def[signature_name]
        unknown, missing = set(inputs) - set(signature.inputs), set(signature.inputs) - set(inputs)
        if unknown or missing:  # as TF Serving refuses a request that does not name exactly the signature's inputs
            raise StatusError(INVALID_ARGUMENT, f"request names input(s) {sorted(inputs)}; {signature_name} "
                                                f"takes {sorted(signature.inputs)}")
        names = sorted(inputs)
        feeds = (_Output * len(names))(*[self._endpoint(signature.inputs[n].name) for n in names])
        feed_values = (ctypes.c_void_p * len(names))(*[self.api.to_tensor(np.asarray(inputs[n])) for n in names])
        out_names = sorted(signature.outputs)
        fetches = (_Output * len(out_names))(*[self._endpoint(signature.outputs[n].name) for n in out_names])
        fetch_values = (ctypes.c_void_p * len(out_names))()
        self.api.TF_SessionRun(self.session, None, feeds, feed_values, len(names), fetches, fetch_values,
                               len(out_names), None, 0, None, self.status)
        for tensor in feed_values:
            self.api.TF_DeleteTensor(tensor)
        self.api.check(self.status, f"running {signature_name} failed")
        outputs = {}
        for name, tensor in zip(out_names, fetch_values):
            outputs[name] = self.api.to_numpy(tensor)
            self.api.TF_DeleteTensor(tensor)
        return outputs


# === The check ===
def graph_nodes(meta_graph):
    """Every node of the graph, its functions' nodes included."""
    nodes = list(meta_graph.graph_def.node)
    return nodes + [node for f in meta_graph.graph_def.library.function for node in f.node_def]


def used_ops(meta_graph):
    functions = {f.signature.name for f in meta_graph.graph_def.library.function}
    return {node.op for node in graph_nodes(meta_graph)} - functions


MATRIX_PRODUCT_OPS = {"MatMul": "T", "BatchMatMul": "T", "BatchMatMulV2": "T", "BatchMatMulV3": "Ta", "Einsum": "T"}
# oneDNN's quantized products (uint8 or int8 inputs, int32 sums): counted as "int8" whatever their outputs
QUANTIZED_PRODUCT_OPS = {"QuantizedMatMul", "QuantizedMatMulWithBias", "QuantizedMatMulWithBiasAndRelu",
                         "QuantizedMatMulWithBiasAndReluAndRequantize", "QuantizedMatMulWithBiasAndRequantize",
                         "QuantizedMatMulWithBiasAndDequantize"}


def matrix_product_dtypes(meta_graph):
    """{dtype name: count} of the graph's matrix products (MatMul, BatchMatMul*, Einsum, and the quantized ones as
    "int8"), by their input type: the precision the export computes its heavy part at, read from what it runs."""
    counts = {}
    for node in graph_nodes(meta_graph):
        attribute = MATRIX_PRODUCT_OPS.get(node.op)
        if node.op in QUANTIZED_PRODUCT_OPS:
            name = "int8"
        elif attribute and attribute in node.attr:
            name = types_pb2.DataType.Name(node.attr[attribute].type).removeprefix("DT_").lower()
            name = {"float": "float32", "double": "float64", "half": "float16"}.get(name, name)
        else:
            continue
        counts[name] = counts.get(name, 0) + 1
    return counts


def describe(array):
    return {"dtype": str(array.dtype) if array.dtype != object else "string", "shape": list(array.shape)}


def probe(export_dir, warmup_path, core_ops, api):
    """Loads `export_dir` and runs the Predict requests of `warmup_path` through it; returns the report.

    `core_ops`: the names of the ops TensorFlow itself registers, taken before `tensorflow_text` was imported;
    `api`: the CApi."""
    report = {"ok": False, "export": export_dir}
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as handle:
        saved_model = saved_model_pb2.SavedModel.FromString(handle.read())
    serve = [m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags]
    if not serve:
        report["reason"] = "no meta graph tagged 'serve'"
        return report
    ops = used_ops(serve[0])
    core = ops & core_ops
    text = {op for op in ops - core if op_def_registry.get(op) is not None}  # tensorflow_text is imported by now
    unknown = ops - core - text
    report["ops"] = {"total": len(ops), "tensorflow_text": sorted(text), "unknown": sorted(unknown)}
    report["matrix_products"] = matrix_product_dtypes(serve[0])
    if unknown:
        report["reason"] = f"ops neither TensorFlow nor TF Text registers: {', '.join(sorted(unknown))}"
        return report
    try:
        model = LoadedSavedModel(api, export_dir)
    except RuntimeError as error:
        report["reason"] = str(error).splitlines()[0]
        return report
    try:
        return _run_warmup(model, report, warmup_path)
    finally:
        model.close()


def _run_warmup(model, report, warmup_path):
    signatures = model.meta_graph.signature_def
    report["signatures"] = {
        name: {"inputs": {k: v.name for k, v in sig.inputs.items()},
               "outputs": {k: v.name for k, v in sig.outputs.items()}}
        for name, sig in signatures.items() if not name.startswith("__")
    }
    if "serving_default" not in signatures:
        report["reason"] = "no serving_default signature"
        return report
    report["runs"] = []
    try:
        for record in tf.data.TFRecordDataset(warmup_path).as_numpy_iterator():
            signature_name, inputs = decode_predict_request(record)
            outputs = model.run(signature_name, inputs)
            batch = {len(v) for v in inputs.values() if np.ndim(v)}
            for name, value in outputs.items():
                if batch and (value.ndim == 0 or value.shape[0] not in batch):
                    raise RuntimeError(f"output {name} has shape {list(value.shape)} for a batch of {batch.pop()}")
                if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                    raise RuntimeError(f"output {name} holds NaN or infinite values")
            report["runs"].append({"signature": signature_name,
                                   "inputs": {k: describe(np.asarray(v)) for k, v in inputs.items()},
                                   "outputs": {k: describe(v) for k, v in outputs.items()}})
    except (RuntimeError, ValueError, tf.errors.OpError) as error:
        report["reason"] = f"warm-up request {len(report['runs']) + 1}: {str(error).splitlines()[0]}"
        return report
    if not report["runs"]:
        report["reason"] = "the warm-up file holds no request"
        return report
    report["modules"] = sorted(m for m in ("keras_hub", "tensorflow_hub", "zoo", "tf_keras") if m in sys.modules)
    report["ok"] = True
    return report


CHECKED = "@@checked "  # marks a check's report line on stdout, apart from anything TensorFlow prints there


def check_many(requests=None, answers=None):
    """Checks export after export, as one model server loads many models: each input line is a JSON list
    [export_dir, warmup_path]; each answer is CHECKED and the report as JSON on one line. The ops TensorFlow itself
    registers are taken once, before tensorflow_text is imported; each export's session is closed after its check.
    Ends at end of input."""
    requests, answers = requests or sys.stdin, answers or sys.stdout
    api = CApi()
    core_ops = api.registered_ops()
    import tensorflow_text  # noqa: F401  registers the TF Text ops, as the model server links them

    for line in requests:
        export_dir, warmup_path = json.loads(line)
        try:
            report = probe(export_dir, warmup_path, core_ops, api)
        except Exception as error:  # noqa: BLE001  any failure is this export's, reported, and the next one runs
            report = {"ok": False, "export": export_dir, "reason": f"{type(error).__name__}: {error}".splitlines()[0]}
        print(CHECKED + json.dumps(report), file=answers, flush=True)


# === Serving ===
def signature_specs(meta_graph):
    """{signature: {"inputs"/"outputs": {name: {"dtype", "shape"}}}}, -1 for an open dimension."""
    def spec(info):
        return {"dtype": tf.as_dtype(info.dtype).name, "shape": [d.size for d in info.tensor_shape.dim]}

    return {name: {"inputs": {k: spec(v) for k, v in sig.inputs.items()},
                   "outputs": {k: spec(v) for k, v in sig.outputs.items()}}
            for name, sig in meta_graph.signature_def.items() if not name.startswith("__")}


def answer(models, request):
    """One Predict request (a serialized PredictionLog) -> the JSON-able answer: each output's dtype, shape and
    whether it is all finite; or the error's status code and first line."""
    try:
        name, signature, inputs = decode_model_request(request)
        if name not in models:
            raise StatusError(5, f"no model {name!r}; serving {sorted(models)}")  # 5: NOT_FOUND
        outputs = models[name].run(signature, inputs)
    except StatusError as error:
        return {"ok": False, "code": error.code, "message": str(error).splitlines()[0]}
    except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError) as error:  # a malformed request
        return {"ok": False, "code": INVALID_ARGUMENT, "message": f"malformed request: {error}".splitlines()[0]}
    return {"ok": True, "outputs": {k: {**describe(v), "finite": bool(v.dtype.kind != "f" or np.isfinite(v).all())}
                                    for k, v in outputs.items()}}


def serve(export_dirs, requests=None, answers=None):
    """Loads each export (named by its path), prints one JSON line ({"ready": true, "models": {path: signature
    specs}} or {"ready": false, "reason"}), then answers requests until end of input: each is an 8-byte
    little-endian length and that many bytes of a serialized PredictionLog whose model_spec.name is an export's
    path; each answer is one JSON line (see `answer`). A crash of a TensorFlow kernel ends this process, which
    the caller sees as end of output."""
    import tensorflow_text  # noqa: F401  registers the TF Text ops before the loader meets them

    requests, answers = requests or sys.stdin.buffer, answers or sys.stdout
    api, models = CApi(), {}
    try:
        for path in export_dirs:
            models[path] = LoadedSavedModel(api, path)
    except RuntimeError as error:
        print(json.dumps({"ready": False, "reason": f"{path}: {str(error).splitlines()[0]}"}), file=answers,
              flush=True)
        return
    print(json.dumps({"ready": True, "models": {p: signature_specs(m.meta_graph) for p, m in models.items()}}),
          file=answers, flush=True)
    while True:
        header = requests.read(8)
        if len(header) < 8:
            return
        request = requests.read(int.from_bytes(header, "little"))
        print(json.dumps(answer(models, request)), file=answers, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] not in (["--serve"], ["--check-many"]):
        sys.exit("usage: python -P servable_probe.py --check-many | --serve EXPORT [EXPORT ...]")
    serve(sys.argv[2:]) if sys.argv[1] == "--serve" else check_many()
    sys.stdout.flush()
    os._exit(0)  # skips TensorFlow's teardown (seconds), which has nothing left to write
