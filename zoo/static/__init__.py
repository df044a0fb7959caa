"""Static (context-free) embeddings: pretrained vector files, and the trainers Word2Vec, FastText and GloVe.

Every trainer's `.vectors` is a zoo.Vectors, so the Keras layers, the encoder export and the evaluations apply.
"""

import importlib

_LAZY = {
    "Word2Vec": "zoo.static.word2vec",
    "FastText": "zoo.static.fasttext",
    "GloVe": "zoo.static.glove",
    "Corpus": "zoo.static.corpus",
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'zoo.static' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


__all__ = sorted(_LAZY)
