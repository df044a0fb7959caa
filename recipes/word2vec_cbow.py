"""Word2Vec CBOW: the mean of the words around each word predicts it; otherwise as `word2vec_skipgram`.

What: `zoo.static.Word2Vec(mode="cbow")` (gensim's cbow_mean=1; learning rate 0.2 here, by Word2Vec's rule),
      trained, evaluated, exported as a text encoder and checked: the same steps and flags as word2vec_skipgram.
Data: the `wiki-excerpt` + `lee` corpora (or `--corpus FILE`); the 8 word-pair benchmarks and 2 analogy sets.
Expected: WordSim-353 Spearman about 0.42 (random vectors: about 0.0), above gensim's best CBOW (0.38) on the
      same corpus; CBOW trains faster than skip-gram and does less well on rare words.

    zoo run word2vec_cbow [--corpus FILE] [--output-dim 100] [--window 5] [--epochs 5]
"""

from zoo.recipes import Recipe, word2vec_skipgram

RECIPE = Recipe(
    name="word2vec_cbow", family="static", data="wiki-excerpt+lee",
    exports="word2vec_cbow: text -> embedding",
    summary="Word2Vec CBOW trained in Keras, evaluated on 10 word benchmarks and served",
    metric="wordsim353 spearman", higher_is_better=True, quick_flags=("--epochs", "1"),
)


def parse_args(argv=None):
    return word2vec_skipgram.parse_args(argv, mode="cbow")


def main(argv=None):
    return word2vec_skipgram.main(argv, mode="cbow")


if __name__ == "__main__":
    main()
