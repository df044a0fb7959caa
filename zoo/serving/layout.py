"""The names in TF Serving's layout, each written once: `<root>/models.config` and, in every export folder
`<root>/<name>/<version>/`, the warm-up file that the model server replays at load."""

MODELS_CONFIG = "models.config"
WARMUP_FILE = "assets.extra/tf_serving_warmup_requests"
