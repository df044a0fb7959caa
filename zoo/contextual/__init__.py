"""Contextual encoders: KerasHub backbones (BERT family, GPT-2) composed with pooling and normalisation.

`TextEncoder.from_preset("all-minilm-l6-v2")` is Sentence-BERT all-MiniLM-L6-v2, offline; any KerasHub preset
folder or Hugging Face-format folder loads the same way.
"""

from zoo.lazy_exports import lazy_getattr

_LAZY = {
    "GPT2Trainer": "zoo.contextual.gpt_training",
    "TextEncoder": "zoo.contextual.text_encoder",
    "TokenPooling": "zoo.pooling",  # shared with zoo.custom; kept here for old imports
}

__getattr__ = lazy_getattr("zoo.contextual", _LAZY)
__all__ = sorted(_LAZY)
