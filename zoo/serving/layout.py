"""TF Serving's layout, each name written once: `<root>/models.config`, the versions `<root>/<name>/<N>/`, and in
every export folder the warm-up file that the model server replays at load and the default signature."""

from pathlib import Path

MODELS_CONFIG = "models.config"
WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"
SIGNATURE = "serving_default"  # the signature the model server runs when a request names none


def versions(model_dir):
    """The version numbers under `<root>/<name>/`, lowest first: its folders named by integers."""
    return sorted(int(p.name) for p in Path(model_dir).glob("*") if p.is_dir() and p.name.isdigit())
