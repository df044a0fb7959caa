"""Word2Vec skip-gram: word vectors trained in Keras on Wikipedia and news text, served as a sentence encoder.

What: `zoo.static.Word2Vec(mode="skipgram")`: each word predicts the words around it, with negative sampling
      and word2vec's subsampling, reduced windows and decaying learning rate (gensim's defaults, but for the
      initial rate: `Word2Vec.default_alpha`'s rule for the corpus size, 0.10 here; `--alpha` sets it), trained
      through Keras `fit` (progress bar, resumable). The vectors become `vectors.text_encoder()` (text -> embedding,
      TF-Hub text-embedding semantics) and are exported and checked.
Data: the `wiki-excerpt` (106 Wikipedia articles) and `lee` (300 news documents) corpora, about 470,000 words
      kept at min_count 5 (`--corpus FILE` takes yours: one sentence or document a line). Evaluated on the 8
      word-pair benchmarks and the Google and MSR analogies.
Expected: WordSim-353 Spearman about 0.46 (random vectors: about 0.0); gensim at its best rate on the same corpus
      0.48, at its default 0.23 (`benchmarks/static_training.py --frontier` measures both); a corpus this small
      knows few benchmark words, so analogies stay near 0.

    zoo run word2vec_skipgram [--corpus FILE] [--output-dim 100] [--window 5] [--epochs 5]
"""

import argparse

from zoo import distribute
from zoo.recipes import HelpFormatter, Recipe, checkpoint_dir
from zoo.recipes import word_vector_steps as steps
from zoo.static.word2vec import Word2Vec

RECIPE = Recipe(
    name="word2vec_skipgram", family="static", data="wiki-excerpt+lee",
    exports="word2vec_skipgram: text -> embedding",
    summary="Word2Vec skip-gram trained in Keras (negative sampling), evaluated on 10 word benchmarks and served",
    metric="wordsim353 spearman", higher_is_better=True, quick_flags=("--epochs", "1"),
)


def parse_args(argv=None, mode="skipgram"):
    parser = argparse.ArgumentParser(prog=f"zoo run word2vec_{mode}", description=__doc__,
                                     formatter_class=HelpFormatter)
    steps.add_training_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.SPARSE_UPDATE)
    steps.add_negative_sampling_flags(parser)
    parser.add_argument("--name", default=f"word2vec_{mode}", help="export name of the text encoder")
    return parser.parse_args(argv)


def main(argv=None, mode="skipgram"):
    args = parse_args(argv, mode)
    distribute.require_strategy(args.strategy, ("default",), "word2vec", distribute.SPARSE_UPDATE)

    # 1. The corpus: vocabulary at min_count, the text as word ids.
    corpus = steps.load_corpus(args)

    # 2. Train, resumable: an interrupted run restarts from its last finished epoch.
    trainer = Word2Vec(mode=mode, output_dim=args.output_dim, window=args.window, negative=args.negative,
                       min_count=args.min_count, sample=args.sample, epochs=args.epochs, alpha=args.alpha,
                       batch_words=args.batch_words, seed=args.seed,
                       compute_loss=args.verbose > 0)  # the loss in the progress bar
    trainer.fit(corpus, checkpoint_dir=checkpoint_dir(args, f"word2vec_{mode}"), verbose=args.verbose)
    vectors = trainer.vectors
    nearest = ", ".join(w for w, _ in vectors.most_similar("king", topn=5)) if "king" in vectors else "-"
    print(f"2. trained {len(vectors):,} vectors of {vectors.dim} (learning rate {trainer.alpha:.3g}); nearest to "
          f"'king': {nearest}")

    # 3. Evaluate on every word benchmark, against random vectors of the same shape.
    # 4. Export the sentence encoder and check that TF Serving can load and run it.
    return steps.evaluate_export_and_check(vectors, args)


if __name__ == "__main__":
    main()
