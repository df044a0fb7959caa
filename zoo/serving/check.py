"""`zoo check PATH`: is this export servable by TF Serving?

Bad input (no SavedModel there, a truncated `saved_model.pb`, missing variables or warm-up requests) is told
apart here, before anything loads, and raises ZooInputError. The servability check itself runs in a fresh
process (servable_probe.py, kept for this process's later checks) that imports only tensorflow and
tensorflow_text, loads the export with the C++ SavedModel loader into a TF1 session and runs `serving_default` on
the warm-up requests; a failure raises CheckFailed with a one-line reason.
"""

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from zoo.errors import CheckFailed, ZooInputError
from zoo.files import folder_bytes
from zoo.serving.layout import WARMUP_FILE

PROBE = Path(__file__).with_name("servable_probe.py")
CHECKED = "@@checked "  # servable_probe.CHECKED: the mark of a report line (that module is never imported)
VARIABLE_OPS = {"VarHandleOp", "VariableV2", "Variable"}


@dataclass
class CheckReport:
    path: Path
    signatures: dict
    runs: list
    ops: dict
    size_bytes: int
    matrix_products: dict = None  # {dtype: count} of the graph's MatMul, BatchMatMul and Einsum ops

    @property
    def precision(self):
        """The precision of the export's matrix products: "float32", "bfloat16"..., or "mixed: a, b" (most
        frequent first); "none" for a graph without any."""
        counts = self.matrix_products or {}
        names = sorted(counts, key=lambda name: -counts[name])
        return names[0] if len(names) == 1 else ("mixed: " + ", ".join(names) if names else "none")

    @property
    def needs_tensorflow_text(self):
        return bool(self.ops["tensorflow_text"])

    def summary(self):
        lines = [f"{self.path}: servable"]
        for name, signature in self.signatures.items():
            lines.append(f"  signature {name}: {', '.join(signature['inputs'])} -> {', '.join(signature['outputs'])}")
        for i, run in enumerate(self.runs, 1):
            shapes = lambda tensors: ", ".join(f"{k} {v['dtype']}{v['shape']}" for k, v in tensors.items())
            lines.append(f"  warm-up request {i}: {shapes(run['inputs'])} -> {shapes(run['outputs'])}")
        text_ops = self.ops["tensorflow_text"]
        lines.append(f"  ops: {self.ops['total']} types, "
                     + (f"{len(text_ops)} from tensorflow_text ({', '.join(text_ops)}): needs a model server that "
                        "links TF Text ops (the stock tensorflow/serving images do)" if text_ops
                        else "all core TensorFlow: runs on any TF Serving"))
        if self.matrix_products:
            lines.append(f"  precision: {self.precision} (matrix products: "
                         + ", ".join(f"{n} {dtype}" for dtype, n in sorted(self.matrix_products.items())) + ")")
        if "int8" in (self.matrix_products or {}):
            lines.append("  int8 products: need TensorFlow's oneDNN kernels where served (an x86 build with oneDNN, as "
                         "the pip wheels are; TF_ENABLE_ONEDNN_OPTS not 0)")
        lines.append(f"  size: {self.size_bytes / 1e6:.2f} MB")
        return "\n".join(lines)


def validate_export_folder(path, require_warmup=True):
    """Raises ZooInputError naming what is missing or broken (the warm-up file too, when `require_warmup`);
    returns the parsed SavedModel proto."""
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    path = Path(path)
    if not path.is_dir():
        raise ZooInputError(f"{path}: no such folder")
    pb = path / "saved_model.pb"
    if not pb.is_file():
        raise ZooInputError(f"{path}: not a SavedModel (no saved_model.pb)")
    try:
        saved_model = saved_model_pb2.SavedModel.FromString(pb.read_bytes())
    except DecodeError as error:
        raise ZooInputError(f"{pb}: truncated or corrupt ({error})") from None
    if not saved_model.meta_graphs:
        raise ZooInputError(f"{pb}: holds no meta graph (truncated or corrupt)")
    has_variables = any(
        node.op in VARIABLE_OPS for meta in saved_model.meta_graphs for node in meta.graph_def.node)
    if has_variables:
        index = path / "variables" / "variables.index"
        data = list((path / "variables").glob("variables.data-*"))
        if not index.is_file() or not data:
            missing = index if not index.is_file() else path / "variables" / "variables.data-*"
            raise ZooInputError(f"{missing}: missing, but the graph has variables")
    warmup = path / WARMUP_FILE
    if require_warmup and not warmup.is_file():
        raise ZooInputError(f"{warmup}: missing; `zoo check` runs serving_default on the warm-up requests "
                            "(zoo.export writes them)")
    return saved_model


def start_probe_process(*arguments, text=False):
    """servable_probe.py with `arguments` in a fresh process (`python -P`, TensorFlow's C++ logs from warnings up,
    no GPU): stdin and stdout piped, stderr kept in a temporary file. Returns (the Popen, that file)."""
    errors = tempfile.TemporaryFile()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    process = subprocess.Popen([sys.executable, "-P", str(PROBE), *arguments], env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=errors, text=text)
    return process, errors


def last_error_lines(errors, count=1):
    """The last `count` non-blank lines of a probe process's stderr file."""
    errors.seek(0)
    return [line for line in errors.read().decode(errors="replace").splitlines() if line.strip()][-count:]


class _CheckingProcess:
    """The fresh process (servable_probe.py --check-many) that checks exports for this process, started on the
    first check and kept for the next ones: TensorFlow's start-up (seconds) is paid once, not once a check. It
    imports only tensorflow and tensorflow_text, and closes each export's session after its check, as a model
    server unloads a model. A check that outlasts its timeout, or a crash, ends the process; the next check
    starts a new one. It ends with this process (its input closes)."""

    lock = threading.Lock()
    process = errors = owner = None

    @classmethod
    def check(cls, path, timeout):
        with cls.lock:
            # A forked child starts its own: it must not talk over its parent on the parent's pipes.
            if cls.process is None or cls.process.poll() is not None or cls.owner != os.getpid():
                cls.owner = os.getpid()
                cls.process, cls.errors = start_probe_process("--check-many", text=True)
                atexit.register(cls.stop)
            process = cls.process
            try:
                process.stdin.write(json.dumps([str(path.resolve()), str((path / WARMUP_FILE).resolve())]) + "\n")
                process.stdin.flush()
            except BrokenPipeError:  # it ended since the last check: the error below says how
                pass
            timed_out = threading.Event()
            timer = threading.Timer(timeout, lambda: (timed_out.set(), process.kill()))
            timer.start()
            try:
                for line in process.stdout:
                    if line.startswith(CHECKED):
                        return json.loads(line[len(CHECKED):])
            finally:
                timer.cancel()
            if timed_out.is_set():
                raise CheckFailed(f"{path}: the load and warm-up did not finish within {timeout} s")
            last = (last_error_lines(cls.errors) or [f"exit code {process.wait()}"])[-1]
            raise CheckFailed(f"{path}: the loader process failed: {last}")

    @classmethod
    def stop(cls):
        if cls.process is not None and cls.process.poll() is None and cls.owner == os.getpid():
            cls.process.stdin.close()
            try:
                cls.process.wait(10)
            except subprocess.TimeoutExpired:
                cls.process.kill()


def check(path, timeout=600):
    """Checks an export; returns a CheckReport, or raises ZooInputError / CheckFailed."""
    path = Path(path)
    validate_export_folder(path)
    report = _CheckingProcess.check(path, timeout)
    if not report["ok"]:
        raise CheckFailed(f"{path}: not servable: {report['reason']}")
    return CheckReport(path, report["signatures"], report["runs"], report["ops"], folder_bytes(path),
                       report.get("matrix_products", {}))
