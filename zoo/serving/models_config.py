"""`saved_models/models.config`: the model server's config listing every model under `saved_models/`."""

from pathlib import Path

from zoo.files import written_aside
from zoo.serving.layout import MODELS_CONFIG, versions


def write_models_config(root="saved_models", base_path="/models"):
    """Regenerates `<root>/models.config` for every model folder holding a version; `base_path` is where the
    server sees `root` (`docker run -v $PWD/saved_models:/models ...`)."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    root = Path(root)
    config = model_server_config_pb2.ModelServerConfig()
    for model_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if versions(model_dir):
            entry = config.model_config_list.config.add()
            entry.name = model_dir.name
            entry.base_path = f"{base_path}/{model_dir.name}"
            entry.model_platform = "tensorflow"
    path = root / MODELS_CONFIG
    with written_aside(path, folder=False) as temporary:
        temporary.write_text(text_format.MessageToString(config))
    return path
