"""`saved_models/models.config`: the model server's config listing every model under `saved_models/`."""

import contextlib
from pathlib import Path

from zoo.files import written_aside
from zoo.serving.layout import MODELS_CONFIG, versions

LOCK_FILE = ".models.config.lock"  # beside models.config: hidden, and a file, so never taken for a model folder


@contextlib.contextmanager
def regeneration_lock(root):
    """Holds an exclusive lock (fcntl.flock on `<root>/.models.config.lock`) while models.config is regenerated.

    Two exports finishing at once each scan the root, then write the config: unlocked, the one that scanned first
    can write last, and its list lacks the model the other has just renamed into place. Under the lock, scans and
    writes alternate, and the last to write scanned after every rename that came before it. Where there is no
    fcntl (Windows) it locks nothing, and concurrent exports can still race there."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(Path(root) / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or its process dies
        yield


def write_models_config(root="saved_models", base_path="/models"):
    """Regenerates `<root>/models.config` for every model folder holding a version; `base_path` is where the
    server sees `root` (`docker run -v $PWD/saved_models:/models ...`)."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    root = Path(root)
    path = root / MODELS_CONFIG
    with regeneration_lock(root):
        config = model_server_config_pb2.ModelServerConfig()
        for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            if versions(model_dir):
                entry = config.model_config_list.config.add()
                entry.name = model_dir.name
                entry.base_path = f"{base_path}/{model_dir.name}"
                entry.model_platform = "tensorflow"
        with written_aside(path, folder=False) as temporary:
            temporary.write_text(text_format.MessageToString(config))
    return path
