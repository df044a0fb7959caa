"""The Keras Embedding Zoo: static, contextual and custom embeddings behind one shape.

Text encoders take `text` (a batch of strings) and return `embedding` (float32, batch x dim); every recipe ends
in an export under `saved_models/<name>/<N>/` that TF Serving loads.

Keras runs on the TensorFlow backend (set here when KERAS_BACKEND is unset). `import zoo` registers every zoo
layer and model with `keras.saving`, so that `keras.models.load_model` finds them in any process that has imported
zoo, as `import keras_hub` does for KerasHub's; the other names load on first use. The `zoo` command is the one
exception: it imports what each command needs, so that `zoo --help` and `zoo list` answer without TensorFlow.
"""

import importlib
import os
import sys

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
    "pooling": "zoo.pooling",
}

# Every module that registers a class with keras.saving (tests/test_facade.py finds them all in the sources).
KERAS_MODULES = (
    "zoo.pooling",
    "zoo.serving.load",
    "zoo.training",
    "zoo.static.vectors_embedding",
    "zoo.static.static_text_encoder",
    "zoo.static.subword_text_encoder",
    "zoo.contextual.hugging_face_bert_tokenizer",
    "zoo.contextual.text_encoder",
    "zoo.contextual.token_tagger",
    "zoo.contextual.angle_loss",
    "zoo.contextual.cosent_loss",
    "zoo.contextual.cosine_similarity_loss",
    "zoo.contextual.multiple_negatives_ranking_loss",
    "zoo.contextual.sentence_pair_model",
    "zoo.custom.bucketized_embedding",
    "zoo.custom.cached_text_encoder",
    "zoo.custom.candidate_index",
    "zoo.custom.candidate_values",
    "zoo.custom.categorical_embedding",
    "zoo.custom.feature_tower",
    "zoo.custom.history_embedding",
    "zoo.custom.leave_out_candidate_index",
    "zoo.custom.masked_mean_pooling",
    "zoo.custom.ranking_stage",
    "zoo.custom.rnn_encoder",
    "zoo.custom.text_embedding",
    "zoo.custom.two_tower",
)

__getattr__ = lazy_getattr("zoo", _LAZY)
__all__ = sorted(_LAZY)


def _run_as_the_command_line():
    """True in the `zoo` command's own process (its console script is named zoo)."""
    return bool(sys.argv) and os.path.splitext(os.path.basename(sys.argv[0]))[0] == "zoo"  # zoo.exe on Windows


if not _run_as_the_command_line():
    for _module in KERAS_MODULES:
        importlib.import_module(_module)
