"""The recipes: one short script each, runnable as `zoo run NAME` or `python -m zoo.recipes.NAME`.

Each recipe module has a docstring (what, data, expected result) and `main(argv) -> dict` that trains,
evaluates, exports and checks, returning its headline metric and export paths for `zoo tour`.
"""

import hashlib
import importlib
import json
from dataclasses import dataclass

from zoo.errors import ZooInputError


@dataclass(frozen=True)
class Recipe:
    name: str
    family: str
    data: str
    exports: str  # what each export takes and returns
    summary: str

    def load(self):
        return importlib.import_module(f"zoo.recipes.{self.name}")


CATALOGUE = {r.name: r for r in [
    Recipe("pretrained_vectors", "static", "pretrained-vectors",
           "pretrained_vectors: text -> embedding (fastText subword vectors for unseen words, in the graph)",
           "any vector file (GloVe, word2vec, fastText .vec/.bin) evaluated on 10 word benchmarks and served"),
    Recipe("word2vec_skipgram", "static", "wiki-excerpt+lee",
           "word2vec_skipgram: text -> embedding",
           "Word2Vec skip-gram trained in Keras (negative sampling), evaluated on 10 word benchmarks and served"),
    Recipe("word2vec_cbow", "static", "wiki-excerpt+lee", "word2vec_cbow: text -> embedding",
           "Word2Vec CBOW trained in Keras, evaluated on 10 word benchmarks and served"),
    Recipe("fasttext", "static", "wiki-excerpt+lee",
           "fasttext: text -> embedding (subword vectors for unseen words, in the graph)",
           "FastText (char n-grams, fastText's hashing) trained in Keras; unseen words get vectors when served"),
    Recipe("glove", "static", "wiki-excerpt+lee", "glove: text -> embedding",
           "GloVe trained in Keras (co-occurrence counts, weighted least squares by sparse AdaGrad), served"),
    Recipe("sentence_embeddings", "contextual", "stsb, all-minilm-l6-v2",
           "sentence_embeddings: text -> embedding; sentence_embeddings_preprocessing: text -> token ids; "
           "sentence_embeddings_encoder: token ids -> embedding",
           "Sentence-BERT all-MiniLM-L6-v2 on a KerasHub backbone, equal to sentence-transformers, on STS-B"),
    Recipe("gpt_embeddings", "contextual", "wiki-excerpt, stsb",
           "gpt_embeddings: text -> embedding (mean of the token vectors; --pooling last)",
           "a small GPT-2 trained here with KerasHub (BPE vocabulary, causal LM), its sentence vectors served"),
    Recipe("text_embedding_classifier", "custom", "vader-movie-reviews",
           "text_embedding: text -> embedding; text_sentiment_classifier: text -> probabilities",
           "TextVectorization -> Embedding -> mean/BiLSTM sentence encoder, trained through a sentiment classifier"),
    Recipe("two_tower_movielens", "custom", "movielens-100k",
           "two_tower_movielens_user: user features -> embedding; two_tower_movielens_item: item features -> "
           "embedding; two_tower_movielens: user features -> top-k item_id, title, scores",
           "two-tower recommender (keras-rs in-batch softmax, logQ); user and item vectors; cold start from features"),
]}


def get(name):
    if name not in CATALOGUE:
        raise ZooInputError(f"unknown recipe {name!r}; known recipes: {', '.join(CATALOGUE)}")
    return CATALOGUE[name]


def run_key(args):
    """12 hex digits that name one run's flags: the folders an interrupted run resumes from carry them."""
    return hashlib.sha1(json.dumps(vars(args), sort_keys=True).encode()).hexdigest()[:12]


def checkpoint_dir(args, recipe):
    """--checkpoint-dir, else EXPORT_DIR/.checkpoints/<recipe>-<run key>: the same flags resume the same run."""
    return args.checkpoint_dir or f"{args.export_dir}/.checkpoints/{recipe}-{run_key(args)}"
