"""Contextual encoders: KerasHub backbones (BERT family, GPT-2) composed with pooling and normalisation.

`TextEncoder.from_preset("all-minilm-l6-v2")` is Sentence-BERT all-MiniLM-L6-v2, offline; any KerasHub preset
folder or Hugging Face-format folder loads the same way.
"""

import importlib

_LAZY = {
    "TextEncoder": "zoo.contextual.text_encoder",
    "TokenPooling": "zoo.contextual.token_pooling",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'zoo.contextual' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = sorted(_LAZY)
