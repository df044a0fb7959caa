"""Custom embeddings built from keras.layers.Embedding: text and categorical pipelines, plain Keras layers."""

from zoo.custom.categorical_embedding import CategoricalEmbedding
from zoo.custom.masked_mean_pooling import MaskedMeanPooling
from zoo.custom.text_embedding import TextEmbedding

__all__ = ["CategoricalEmbedding", "MaskedMeanPooling", "TextEmbedding"]
