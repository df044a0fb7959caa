"""Named real data sets, the user's own files in the same formats, and prepared TFDS data sets.

Every loader returns plain records (NamedTuples); `to_dataset(records)` turns them into a `tf.data.Dataset`.
"""

from zoo.data.catalogue import DATASETS, is_prepared, require
from zoo.data.clothing_reviews import load_clothing_reviews
from zoo.data.corpora import load_lee, load_wiki_excerpt, tokenize
from zoo.data.movielens import load_movielens
from zoo.data.preparation import prepare
from zoo.data.pretrained import pretrained_vectors_path
from zoo.data.records import data_dir, to_dataset
from zoo.data.sentiment import load_vader_movie_reviews
from zoo.data.stsb import load_stsb
from zoo.data.tagged_sentences import load_wsj_pos
from zoo.data.word_benchmarks import load_analogies, load_word_pairs

__all__ = [
    "DATASETS", "data_dir", "is_prepared", "load_analogies", "load_clothing_reviews", "load_lee", "load_movielens",
    "load_stsb", "load_vader_movie_reviews", "load_wiki_excerpt", "load_word_pairs", "load_wsj_pos", "prepare",
    "pretrained_vectors_path", "require", "to_dataset", "tokenize",
]
