"""Static (context-free) embeddings: pretrained vector files, and the trainers Word2Vec, FastText and GloVe.

Every trainer's `.vectors` is a zoo.Vectors, so the Keras layers, the encoder export and the evaluations apply.
"""

from zoo.lazy_exports import lazy_getattr

_LAZY = {
    "Word2Vec": "zoo.static.word2vec",
    "FastText": "zoo.static.fasttext",
    "GloVe": "zoo.static.glove",
    "Corpus": "zoo.static.corpus",
    "distill": "zoo.static.distillation",
}

__getattr__ = lazy_getattr("zoo.static", _LAZY)
__all__ = sorted(_LAZY)
