"""FastText: word vectors from words and their character n-grams, so that unseen words get vectors too.

What: `zoo.static.FastText`: skip-gram (or `--mode cbow`) whose input is the mean of a word's row and the rows
      of its 3- to 6-character n-grams (hashed into `--bucket` rows with fastText's FNV-1a), trained through
      Keras `fit`. The exported text encoder computes the n-gram vectors of unseen words inside the served
      graph, in core TF ops, exactly as the trained model does.
Data: the `wiki-excerpt` + `lee` corpora (or `--corpus FILE`); the 8 word-pair benchmarks (known words, and
      every pair with subword vectors for the unknown words) and the 2 analogy sets.
Expected: WordSim-353 Spearman about 0.51 at the default rule's learning rate (0.10 here; random vectors: about
      0.0), above gensim's (0.38) and official fastText's (0.43) best on the same corpus; on Rare Words, every
      pair scored thanks to subwords, where Word2Vec knows few of them.

    zoo run fasttext [--corpus FILE] [--mode skipgram] [--min-n 3] [--max-n 6] [--bucket 200000] [--epochs 5]
"""

import argparse

from zoo import distribute
from zoo.recipes import HelpFormatter, Recipe, RenamedFlag, checkpoint_dir
from zoo.recipes import word_vector_steps as steps
from zoo.static.fasttext import FastText

RECIPE = Recipe(
    name="fasttext", family="static", data="wiki-excerpt+lee",
    exports="fasttext: text -> embedding (subword vectors for unseen words, in the graph)",
    summary="FastText (char n-grams, fastText's hashing) trained in Keras; unseen words get vectors when served",
    metric="wordsim353 spearman", higher_is_better=True, quick_flags=("--epochs", "1", "--bucket", "50000"),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run fasttext", description=__doc__,
                                     formatter_class=HelpFormatter)
    steps.add_training_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.SPARSE_UPDATE)
    parser.add_argument("--mode", choices=("skipgram", "cbow"), default="skipgram",
                        help="skipgram: a word predicts its neighbours; cbow: their mean predicts the word")
    parser.add_argument("--min-n", "--minn", action=RenamedFlag, dest="min_n", type=int, default=3,
                        help="fewest characters of an n-gram, < and > included (--minn: deprecated spelling)")
    parser.add_argument("--max-n", "--maxn", action=RenamedFlag, dest="max_n", type=int, default=6,
                        help="most characters of an n-gram (--maxn: deprecated spelling)")
    parser.add_argument("--bucket", type=int, default=200_000,
                        help="n-gram rows (fastText's default 2,000,000 makes an 800 MB export at output_dim 100)")
    steps.add_negative_sampling_flags(parser)
    parser.add_argument("--name", default="fasttext", help="export name of the text encoder")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "fasttext", distribute.SPARSE_UPDATE)

    # 1. The corpus: vocabulary at min_count, the text as word ids.
    corpus = steps.load_corpus(args)

    # 2. Train, resumable: an interrupted run restarts from its last finished epoch.
    trainer = FastText(mode=args.mode, output_dim=args.output_dim, min_n=args.min_n, max_n=args.max_n,
                       bucket=args.bucket, window=args.window, negative=args.negative, min_count=args.min_count,
                       sample=args.sample, epochs=args.epochs, alpha=args.alpha, batch_words=args.batch_words,
                       seed=args.seed, compute_loss=args.verbose > 0)  # the loss in the progress bar
    trainer.fit(corpus, checkpoint_dir=checkpoint_dir(args, "fasttext"), verbose=args.verbose)
    vectors = trainer.vectors
    unseen = "governmentally"
    print(f"2. trained {len(vectors):,} vectors of {vectors.dim} and {args.bucket:,} n-gram rows (learning rate "
          f"{trainer.alpha:.3g}); nearest to the "
          f"unseen {unseen!r}: {', '.join(w for w, _ in vectors.most_similar(unseen, topn=5))}")

    # 3. Evaluate on every word benchmark, against random vectors of the same shape.
    # 4. Export the sentence encoder and check that TF Serving can load and run it.
    return steps.evaluate_export_and_check(vectors, args)


if __name__ == "__main__":
    main()
