"""The Keras Embedding Zoo: static, contextual and custom embeddings behind one shape.

Text encoders take `text` (a batch of strings) and return `embedding` (float32, batch x dim); every recipe ends
in an export under `saved_models/<name>/<N>/` that TF Serving loads.

Keras runs on the TensorFlow backend (set here when KERAS_BACKEND is unset). Heavy modules load on first use, so
`zoo list` and `zoo data ...` start without importing TensorFlow.
"""

import os

from zoo.lazy_exports import lazy_getattr

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

_LAZY = {
    "export": "zoo.serving.versioned_export",
    "check": "zoo.serving.check",
    "load_export": "zoo.serving.load",
    "Vectors": "zoo.static.vectors",
    "custom": "zoo.custom",
    "contextual": "zoo.contextual",
    "static": "zoo.static",
    "evaluate": "zoo.evaluate",
    "data": "zoo.data",
    "serving": "zoo.serving",
}

__getattr__ = lazy_getattr("zoo", _LAZY)
__all__ = sorted(_LAZY)
