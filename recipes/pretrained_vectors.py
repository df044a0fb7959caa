"""Pretrained vectors: any vector file as a servable sentence encoder, evaluated on every word benchmark.

What: `zoo.Vectors.load` reads the file (GloVe text, word2vec text/binary, fastText .vec or a full fastText .bin
      with its subword buckets), scores it on the word-similarity and analogy benchmarks, draws the chosen words
      in 2-D and writes a TensorBoard projector export, then exports `vectors.text_encoder()` (text -> embedding,
      TF-Hub text-embedding semantics; for a fastText .bin, unseen words get their subword vectors inside the
      served graph) and checks it as TF Serving would load it.
Data: default: gensim's shipped fastText model of the Lee news corpus (`pretrained-vectors` data set:
      1,763 words x 10 dimensions, small but real). `--vectors PATH` takes yours, e.g. glove.6B.300d.txt or
      cc.en.300.bin. Benchmarks: the 8 word-pair sets and the Google and MSR analogies of the data layer.
Expected: the default model is gensim's test fixture (10 dimensions, 300 documents of training): it scores at
      chance, WordSim-353 Spearman about 0.0 like random vectors of the same shape, and its value here is the
      whole path from a .bin to a served encoder whose unseen words get fastText's subword vectors. Real
      files score as published (GloVe 6B 300d: WordSim-353 about 0.6, Google analogies about 0.7).

    zoo run pretrained_vectors [--vectors FILE] [--format fasttext-bin] [--limit 400000] [--combiner sqrtn]
"""

import argparse

import numpy as np

from zoo.data import load_word_pairs, pretrained_vectors_path
from zoo.evaluate import evaluate_word_vectors
from zoo.recipes import HelpFormatter, Recipe, add_output_flags
from zoo.serving import check, export
from zoo.static.vectors import Vectors

RECIPE = Recipe(
    name="pretrained_vectors", family="static", data="pretrained-vectors",
    exports="pretrained_vectors: text -> embedding (fastText subword vectors for unseen words, in the graph)",
    summary="any vector file (GloVe, word2vec, fastText .vec/.bin) evaluated on 10 word benchmarks and served",
    metric="wordsim353 spearman", higher_is_better=True, quick_flags=(),
)

HEADLINE = "wordsim353"
PLOT_WORDS = {"people": ["man", "woman", "children", "police", "president", "minister"],
              "places": ["australia", "sydney", "israel", "afghanistan", "india", "pakistan"],
              "numbers": ["one", "two", "three", "four", "five", "ten"]}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run pretrained_vectors", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--vectors", help="a vector file of yours; default: the shipped fastText .bin")
    parser.add_argument("--format", choices=("glove", "word2vec", "word2vec-binary", "fasttext-bin"),
                        help="the file's format (default: sniffed)")
    parser.add_argument("--limit", type=int, help="read only the first N words (the most frequent)")
    parser.add_argument("--unicode-errors", choices=("strict", "replace", "ignore"), default="strict",
                        help="bytes that are not UTF-8: an error, or replaced/ignored (gensim's option)")
    parser.add_argument("--restrict-vocab", type=int, default=300_000, help="as gensim's evaluations")
    parser.add_argument("--combiner", choices=("sqrtn", "mean", "sum"), default="sqrtn",
                        help="how the served encoder combines a text's word vectors")
    parser.add_argument("--keep-case", action="store_true", help="do not lowercase text in the encoder")
    parser.add_argument("--seed", type=int, default=1337, help="for the random-vectors baseline")
    add_output_flags(parser, training=False)
    parser.add_argument("--views-dir", default="views/pretrained_vectors", help="PNG and projector export")
    parser.add_argument("--name", default="pretrained_vectors", help="export name of the text encoder")
    return parser.parse_args(argv)


def headline(vectors, args):
    unknown = "subwords" if vectors.subwords is not None else "skip"
    return vectors.evaluate_word_pairs(load_word_pairs(HEADLINE), args.restrict_vocab, unknown=unknown)["spearman"]


def random_like(vectors, seed):
    """The same words and shape, random vectors (and random subword buckets): the chance anchor."""
    rng = np.random.default_rng(seed)
    shuffled = Vectors(vectors.keys, rng.standard_normal(vectors.matrix.shape, np.float32))
    if vectors.subwords is not None:
        from zoo.static.fasttext_subwords import Subwords

        buckets = rng.standard_normal(vectors.subwords.buckets.shape, np.float32)
        shuffled.subwords = Subwords(buckets, vectors.subwords.min_n, vectors.subwords.max_n)
    return shuffled


def main(argv=None):
    args = parse_args(argv)

    # 1. Load the vectors (format sniffed unless named).
    path = args.vectors or pretrained_vectors_path()
    vectors = Vectors.load(path, format=args.format, limit=args.limit, unicode_errors=args.unicode_errors)
    kind = "with subword buckets" if vectors.subwords is not None else "no subwords"
    print(f"1. vectors: {len(vectors):,} words x {vectors.dim} from {path} ({kind})")

    # 2. Evaluate on every word benchmark; the headline against random vectors of the same shape.
    evaluate_word_vectors(vectors, args.restrict_vocab)
    value, baseline = headline(vectors, args), headline(random_like(vectors, args.seed), args)
    print(f"2. {HEADLINE} spearman {value:.3f} (random vectors of the same shape: {baseline:.3f})")

    # 3. Look at them: a PNG of chosen words in 2-D, and a TensorBoard projector export.
    words = {group: known for group, group_words in PLOT_WORDS.items()
             if (known := [w for w in group_words if w in vectors or vectors.subwords is not None])}
    if sum(map(len, words.values())) < 6:  # too few of the chosen words: the most frequent words instead
        words = {"most frequent": vectors.keys[:40]}
    png = vectors.plot(words, f"{args.views_dir}/words_2d.png", title=f"{args.name}: PCA of chosen words")
    projector = vectors.write_projector(f"{args.views_dir}/projector", limit=10_000)
    print(f"3. views: {png}; `tensorboard --logdir {projector}`")

    # 4. Export the sentence encoder and check that TF Serving can load and run it.
    encoder = vectors.text_encoder(combiner=args.combiner, lowercase=not args.keep_case, name=args.name)
    warmup = {"text": ["The government said on Tuesday.", "photosynthesis of quixotic zyxwv", ""]}
    path = export(encoder, args.name, warmup, root=args.export_dir)
    print(check(path).summary())
    return {"value": value, "baseline": baseline, "exports": [str(path)]}


if __name__ == "__main__":
    main()
