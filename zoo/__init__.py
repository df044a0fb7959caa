"""The Keras Embedding Zoo: static, contextual and custom embeddings behind one shape.

Text encoders take `text` (a batch of strings) and return `embedding` (float32, batch x dim); every recipe ends
in an export under `saved_models/<name>/<N>/` that TF Serving loads.

Keras runs on the TensorFlow backend (set here when KERAS_BACKEND is unset). Heavy modules load on first use, so
`zoo list` and `zoo data ...` start without importing TensorFlow.
"""

import importlib
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_LAZY = {
    "export": ("zoo.serving.versioned_export", "export"),
    "check": ("zoo.serving.check", "check"),
    "load_export": ("zoo.serving.load", "load_export"),
    "Vectors": ("zoo.static.vectors", "Vectors"),
    "custom": ("zoo.custom", None),
    "contextual": ("zoo.contextual", None),
    "static": ("zoo.static", None),
    "evaluate": ("zoo.evaluate", None),
    "data": ("zoo.data", None),
    "serving": ("zoo.serving", None),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'zoo' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


__all__ = sorted(_LAZY)
