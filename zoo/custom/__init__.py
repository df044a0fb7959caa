"""Custom embeddings built from keras.layers.Embedding: text and categorical pipelines, feature towers and a
two-tower recommender, plain Keras layers and models."""

from zoo.custom.bucketized_embedding import BucketizedEmbedding
from zoo.custom.cached_text_encoder import CachedTextEncoder
from zoo.custom.categorical_embedding import CategoricalEmbedding
from zoo.custom.feature_tower import FeatureTower
from zoo.custom.history_embedding import HistoryEmbedding
from zoo.custom.leave_out_candidate_index import LeaveOutCandidateIndex
from zoo.custom.masked_mean_pooling import MaskedMeanPooling
from zoo.custom.ranking_stage import RankingStage
from zoo.custom.rnn_encoder import RNNEncoder
from zoo.custom.text_embedding import TextEmbedding
from zoo.custom.two_tower import TwoTower

__all__ = ["BucketizedEmbedding", "CachedTextEncoder", "CategoricalEmbedding", "FeatureTower", "HistoryEmbedding",
           "LeaveOutCandidateIndex", "MaskedMeanPooling", "RankingStage", "RNNEncoder", "TextEmbedding", "TwoTower"]
