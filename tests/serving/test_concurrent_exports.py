"""Exports under concurrency (issue 23, item 5): processes exporting at once get distinct versions, a reader never
sees a half-written version, and `models.config` stays valid and lists every name.

The first test runs real processes; the others pin down, in one process, the interleavings that real processes
hit only rarely (the window between a look and a rename is microseconds wide)."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

import zoo.serving.models_config as models_config_module
import zoo.serving.versioned_export as export_module
from zoo.files import ASIDE_PREFIX, TEMPORARY_PREFIX
from zoo.serving import export, versions, write_models_config
from zoo.serving.check import validate_export_folder
from zoo.serving.layout import MODELS_CONFIG, SIGNATURE, WARMUP_FILE

REPOSITORY = Path(__file__).resolve().parents[2]
PROBE = np.arange(8, dtype="float32").reshape(2, 4)

# A child: builds a tiny model (its weights seeded by its own seed), says it is ready, waits for the go file so
# that every child exports at the same moment, exports, and writes where its export went and what it computes.
CHILD = """
import json, sys, time
from pathlib import Path

import keras
import numpy as np

from zoo.serving import export

root, name, go, ready, result, seed = sys.argv[1:]
keras.utils.set_random_seed(int(seed))
features = keras.Input(shape=(4,), dtype="float32", name="features")
model = keras.Model(features, {"embedding": keras.layers.Dense(3)(features)})
probe = np.arange(8, dtype="float32").reshape(2, 4)
expected = model(probe)["embedding"]
Path(ready).touch()
deadline = time.monotonic() + 120
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("no go file")
    time.sleep(0.001)
path = export(model, name, {"features": probe}, root=root)
Path(result).write_text(json.dumps({"path": str(path), "expected": np.asarray(expected).tolist()}))
"""


def tiny_model(seed=0):
    keras.utils.set_random_seed(seed)
    features = keras.Input(shape=(4,), dtype="float32", name="features")
    return keras.Model(features, {"embedding": keras.layers.Dense(3)(features)})


def served(path):
    """What the export at `path` computes on PROBE, through its serving_default signature."""
    signature = tf.saved_model.load(str(path)).signatures[SIGNATURE]
    return signature(features=tf.constant(PROBE))["embedding"].numpy()


def listed(root):
    """(name, base_path) of each model `<root>/models.config` lists; it must parse as TF Serving's config."""
    config = text_format.Parse((Path(root) / MODELS_CONFIG).read_text(), model_server_config_pb2.ModelServerConfig())
    return [(entry.name, entry.base_path) for entry in config.model_config_list.config]


def leftovers(root):
    return [str(p) for p in Path(root).rglob("*") if p.name.startswith((TEMPORARY_PREFIX, ASIDE_PREFIX))]


def whole(version):
    """True if the version folder holds a SavedModel, all its variables and its warm-up request."""
    variables = version / "variables"
    return ((version / "saved_model.pb").is_file() and (variables / "variables.index").is_file()
            and any(variables.glob("variables.data-*")) and (version / WARMUP_FILE).is_file())


class Reader:
    """Polls `<root>/<name>/` and `<root>/models.config` as a model server would, recording what it sees and
    failing on a version folder that is not whole or a models.config that does not parse."""

    def __init__(self, root, names):
        self.root, self.names = Path(root), names
        self.seen = {name: set() for name in names}  # versions seen while the exports ran
        self.configs, self.config_stamp = 0, None

    def look(self):
        for name in self.names:
            folder = self.root / name
            for entry in (folder.iterdir() if folder.is_dir() else []):
                if entry.name.isdigit():
                    assert whole(entry), f"{entry} visible half-written: {sorted(entry.rglob('*'))}"
                    if entry.name not in self.seen[name]:
                        validate_export_folder(entry)  # `zoo check`'s own checks: saved_model.pb parses, ...
                        self.seen[name].add(entry.name)
        config = self.root / MODELS_CONFIG
        try:
            stat = config.stat()
        except FileNotFoundError:
            return
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if stamp != self.config_stamp:
            self.config_stamp, self.configs = stamp, self.configs + 1
            for name, _ in listed(self.root):  # parses, and lists only models that have a version
                assert versions(self.root / name), f"models.config lists {name} before it has a version"


def start_child(tmp_path, root, name, seed):
    files = {kind: tmp_path / f"{kind}-{seed}" for kind in ("ready", "result", "log")}
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")])))
    with open(files["log"], "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root), name, str(tmp_path / "go"), str(files["ready"]),
             str(files["result"]), str(seed)], cwd=REPOSITORY, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, files


def tail(files):
    return files["log"].read_text(errors="replace")[-2000:]


def test_processes_exporting_at_once_get_distinct_whole_versions_and_one_valid_models_config(tmp_path):
    root = tmp_path / "saved_models"
    jobs = [("shared", 1), ("shared", 2), ("other", 3)]  # two exports of one name, one of another, at once
    children = []
    reader = Reader(root, ["shared", "other"])
    try:
        for name, seed in jobs:
            children.append(start_child(tmp_path, root, name, seed))
        deadline = time.monotonic() + 120
        while not all(files["ready"].exists() for _, files in children):  # TensorFlow imported, models built
            for process, files in children:
                assert process.poll() is None, f"a child ended before the start: {tail(files)}"
            assert time.monotonic() < deadline, "the children were not ready in time"
            time.sleep(0.01)
        (tmp_path / "go").touch()
        deadline = time.monotonic() + 60
        while any(process.poll() is None for process, _ in children):
            reader.look()
            assert time.monotonic() < deadline, "the exports did not end in time"
            time.sleep(0.0005)
    finally:
        for process, _ in children:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
    for process, files in children:
        assert process.returncode == 0, tail(files)
    assert reader.seen["shared"] or reader.seen["other"], "the reader saw no version while the exports ran"
    reader.look()

    results = [json.loads(files["result"].read_text()) for _, files in children]
    assert sorted(Path(r["path"]).name for r in results[:2]) == ["1", "2"]  # distinct, consecutive
    assert versions(root / "shared") == [1, 2] and versions(root / "other") == [1]
    for result in results:  # each version holds the model of the process that got its number, and loads
        validate_export_folder(result["path"])
        np.testing.assert_allclose(served(result["path"]), result["expected"], atol=1e-6)
    assert not np.allclose(results[0]["expected"], results[1]["expected"])  # so that a swap would show
    assert listed(root) == [("other", "/models/other"), ("shared", "/models/shared")]
    assert leftovers(root) == []


def test_models_config_keeps_a_model_that_lands_while_another_export_rewrites_it(tmp_path, monkeypatch):
    """Export A scans the root (only alpha has a version), export B's beta lands and B writes models.config, then A
    writes what it scanned: without the lock, A's stale list would be the last word and beta would not be served."""
    (tmp_path / "alpha" / "1").mkdir(parents=True)
    scanned, resume, errors = threading.Event(), threading.Event(), []
    written_aside = models_config_module.written_aside

    def paused(path, folder=True):  # A stops between its scan and its write
        if threading.current_thread().name == "A":
            scanned.set()
            assert resume.wait(10)
        return written_aside(path, folder)

    def regenerate():
        try:
            write_models_config(tmp_path)
        except BaseException as error:  # a thread's exception would go unseen: the test asserts there is none
            errors.append(error)

    monkeypatch.setattr(models_config_module, "written_aside", paused)
    first = threading.Thread(target=regenerate, name="A")
    first.start()
    assert scanned.wait(10)
    (tmp_path / "beta" / "1").mkdir(parents=True)
    second = threading.Thread(target=regenerate, name="B")
    second.start()
    second.join(0.5)  # unlocked, B is done by now; locked, B waits for A
    resume.set()
    first.join(10)
    second.join(10)
    assert not errors and not first.is_alive() and not second.is_alive()
    assert listed(tmp_path) == [("alpha", "/models/alpha"), ("beta", "/models/beta")]
    assert leftovers(tmp_path) == []


def test_an_export_whose_version_number_is_taken_before_its_rename_takes_the_next(tmp_path, monkeypatch):
    """Another process renames its version N into place between this export's look and its rename."""
    first = tiny_model(seed=1)
    taken = export(first, "shared", {"features": PROBE}, root=tmp_path)
    looks = []

    def stale(model_dir):  # the first look predates the other export's version 1
        looks.append(model_dir)
        return [] if len(looks) == 1 else versions(model_dir)

    monkeypatch.setattr(export_module, "versions", stale)
    second = tiny_model(seed=2)
    path = export(second, "shared", {"features": PROBE}, root=tmp_path)
    assert (taken.name, path.name, len(looks)) == ("1", "2", 2)
    np.testing.assert_allclose(served(taken), first(PROBE)["embedding"], atol=1e-6)  # version 1 left as it was
    np.testing.assert_allclose(served(path), second(PROBE)["embedding"], atol=1e-6)
    assert leftovers(tmp_path) == []


def test_a_file_where_the_next_version_would_go_fails_the_export_instead_of_spinning(tmp_path, monkeypatch):
    """versions() counts folders only, so a stray file named `1` made the retry loop try `1` forever."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "1").write_text("not a version")
    looks = []

    def counted(model_dir):
        looks.append(model_dir)
        if len(looks) > 20:
            raise RuntimeError("the export keeps retrying the same version number")
        return versions(model_dir)

    monkeypatch.setattr(export_module, "versions", counted)
    with pytest.raises(OSError, match="shared/1"):
        export(tiny_model(), "shared", {"features": PROBE}, root=tmp_path)
    assert (tmp_path / "shared" / "1").read_text() == "not a version"
    assert leftovers(tmp_path) == []


def test_an_export_leaves_the_temporary_folder_of_a_live_exporter_alone(tmp_path):
    """remove_abandoned runs at the start of every export; another process still writing must keep its folder."""
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        writing = tmp_path / "shared" / f"{TEMPORARY_PREFIX}{writer.pid}-cafebabe-version"
        (writing / "variables").mkdir(parents=True)
        export(tiny_model(), "shared", {"features": PROBE}, root=tmp_path)
        assert writing.is_dir() and versions(tmp_path / "shared") == [1]
    finally:
        writer.kill()
        writer.wait(timeout=30)
    export(tiny_model(), "shared", {"features": PROBE}, root=tmp_path)  # its writer is gone now
    assert not writing.exists() and versions(tmp_path / "shared") == [1, 2]
