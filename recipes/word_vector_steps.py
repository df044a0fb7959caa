"""The steps the static trainers' recipes share: flags, the corpus, evaluation against random vectors of
the same shape, and the export of the text encoder with its check. Each recipe keeps its own numbered story."""

import numpy as np

from zoo.data import load_word_pairs
from zoo.evaluate import evaluate_word_vectors
from zoo.recipes import RenamedFlag, add_output_flags
from zoo.serving import check, export
from zoo.static.vectors import Vectors

HEADLINE = "wordsim353"
WARMUP = {"text": ["The king spoke to the people of the city.", "unfathomable quixotic words", ""]}


def add_training_flags(parser, epochs=5):
    """The flags every static trainer's recipe takes: corpus, vector width, window, min count, epochs, seed,
    output folders and verbosity (`epochs`: the default of --epochs)."""
    parser.add_argument("--corpus", default="wiki-excerpt+lee",
                        help="a text file (one sentence or document a line) or data-layer corpora joined with '+'")
    parser.add_argument("--output-dim", "--dim", action=RenamedFlag, dest="output_dim", type=int, default=100,
                        help="width of the word vectors (--dim: deprecated spelling)")
    parser.add_argument("--window", type=int, default=5, help="largest distance between two words of a pair")
    parser.add_argument("--min-count", type=int, default=5, help="words rarer than this in the corpus are dropped")
    parser.add_argument("--epochs", type=int, default=epochs, help="passes over the corpus")
    parser.add_argument("--seed", type=int, default=1, help="seed of the initial vectors and every random draw")
    add_output_flags(parser)
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")


def add_negative_sampling_flags(parser):
    """The flags of Word2Vec's and FastText's recipes: learning rate, noise words, subsampling, batch size."""
    parser.add_argument("--alpha", type=float, default=None,
                        help="initial learning rate (default: Word2Vec.default_alpha's rule for the corpus: "
                             "0.1 for skip-gram and 0.2 for CBOW on the shipped corpus, word2vec.c's 0.025 and "
                             "0.05 from 40 million words x epochs)")
    parser.add_argument("--negative", type=int, default=5, help="noise words per positive pair")
    parser.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold of frequent words")
    parser.add_argument("--batch-words", type=int, default=512, help="centre words updated at once")


def load_corpus(args):
    """Step 1 of each recipe: the vocabulary at min_count and the text as word ids."""
    from zoo.static.corpus import Corpus

    corpus = Corpus.build(args.corpus, args.min_count, progress=args.verbose > 0)
    print(f"1. corpus: {corpus.total_words:,} words, vocabulary {len(corpus):,} (min_count {args.min_count})")
    return corpus


def evaluate_against_random(vectors, seed):
    """Prints every benchmark; returns (WordSim-353 Spearman, the same for random vectors of the same shape)."""
    evaluate_word_vectors(vectors)
    pairs = load_word_pairs(HEADLINE)
    random = Vectors(vectors.keys, np.random.default_rng(seed).standard_normal(vectors.matrix.shape, np.float32))
    return vectors.evaluate_word_pairs(pairs)["spearman"], random.evaluate_word_pairs(pairs)["spearman"]


def evaluate_export_and_check(vectors, args):
    """Steps 3 and 4 of each recipe: every benchmark, the headline against random vectors of the same shape; the
    export of `vectors.text_encoder()` (fastText vectors: subword vectors in the graph) and its check."""
    value, baseline = evaluate_against_random(vectors, args.seed)
    print(f"3. {HEADLINE} spearman {value:.3f} (random vectors of the same shape: {baseline:.3f})")
    path = export(vectors.text_encoder(name=args.name), args.name, WARMUP, root=args.export_dir)
    print(f"4. exported {path}\n{check(path).summary()}")
    return {"value": value, "baseline": baseline, "exports": [str(path)]}
