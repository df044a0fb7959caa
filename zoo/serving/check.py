"""`zoo check PATH`: is this export servable by TF Serving?

Bad input (no SavedModel there, a truncated `saved_model.pb`, missing variables or warm-up requests) is told
apart here, before anything loads, and raises ZooInputError. The servability check itself runs in a fresh
process (servable_probe.py) that imports only tensorflow and tensorflow_text, loads the export with the C++
SavedModel loader into a TF1 session and runs `serving_default` on the warm-up requests; a failure raises
CheckFailed with a one-line reason.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from zoo.errors import CheckFailed, ZooInputError
from zoo.files import folder_bytes
from zoo.serving.layout import WARMUP_FILE

PROBE = Path(__file__).with_name("servable_probe.py")
VARIABLE_OPS = {"VarHandleOp", "VariableV2", "Variable"}


@dataclass
class CheckReport:
    path: Path
    signatures: dict
    runs: list
    ops: dict
    size_bytes: int

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


def check(path, timeout=600):
    """Checks an export; returns a CheckReport, or raises ZooInputError / CheckFailed."""
    path = Path(path)
    validate_export_folder(path)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    try:
        result = subprocess.run([sys.executable, "-P", str(PROBE), str(path.resolve()),
                                 str((path / WARMUP_FILE).resolve())], capture_output=True,
                                text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{path}: the load and warm-up did not finish within {timeout} s") from None
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        last = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise CheckFailed(f"{path}: the loader process failed: {last}")
    report = json.loads(lines[-1])
    if not report["ok"]:
        raise CheckFailed(f"{path}: not servable: {report['reason']}")
    return CheckReport(path, report["signatures"], report["runs"], report["ops"], folder_bytes(path))
