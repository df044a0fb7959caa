"""GloVe: word vectors trained in Keras from co-occurrence counts, evaluated on every word benchmark and served.

What: `zoo.static.GloVe` (Pennington et al. 2014) as the reference glove.c computes it: symmetric co-occurrence
      counts within a window, each pair weighted 1 / distance, then w_i . w~_j + b_i + b~_j fitted to log X_ij
      with weight min(1, (X_ij / x_max) ** 0.75) by AdaGrad, through `Model.fit` (resumable: an interrupted run
      restarts after its last finished epoch). The vectors (w + w~) are scored on the word-similarity and
      analogy benchmarks against random vectors of the same shape, then exported as a sentence encoder
      (`vectors.text_encoder()`, text -> embedding) and checked as TF Serving would load it.
Data: `wiki-excerpt` + `lee` (Lee's 300 background news documents): about 470,000 tokens, 9,300 words at
      min_count 5. `--corpus FILE` takes a text file of yours (one sentence or document a line, tokens split on
      whitespace). Benchmarks: the 8 word-pair sets and the Google and MSR analogies of the data layer.
Expected: on this small corpus (GloVe's published vectors learn from 6 to 840 billion tokens) WordSim-353
      Spearman about 0.2 against about 0.0 for random vectors; many benchmark words are outside the
      vocabulary (the table gives the share) and the analogies stay near 0.
      The defaults fit a 2-core laptop in about 2 minutes: 50 dimensions and x_max 10 as GloVe's demo.sh,
      window 10, and a learning rate of 0.2 for 10 epochs (glove.c's defaults: 100 dimensions, x_max 100,
      learning rate 0.05, 25 epochs, which on this corpus take about 10 minutes and score lower: with x_max 100
      nearly every count here weighs under 0.1 and learning crawls).

    zoo run glove [--corpus FILE] [--dim 100 --x-max 100 --learning-rate 0.05 --epochs 25] [--epochs 5]
"""

import argparse
import hashlib
import json

import numpy as np

from zoo.cli import print_table
from zoo.evaluate import evaluate_word_vectors
from zoo.serving import check, export
from zoo.static.corpus import Corpus
from zoo.static.glove import GloVe
from zoo.vectors import Vectors

HEADLINE = "wordsim353"
DEFAULT_CORPUS = "wiki-excerpt+lee"
TRAINING_FLAGS = ("corpus", "dim", "window", "x_max", "alpha", "epochs", "min_count", "learning_rate",
                  "batch_size", "seed")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run glove", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=DEFAULT_CORPUS,
                        help="a text file of yours, or data-layer corpora joined by '+' (default: %(default)s)")
    parser.add_argument("--dim", type=int, default=50)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--x-max", type=float, default=10.0)
    parser.add_argument("--alpha", type=float, default=0.75)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--learning-rate", type=float, default=0.2)
    parser.add_argument("--batch-size", type=int, default=16384, help="co-occurrence counts per AdaGrad step")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restrict-vocab", type=int, default=300_000, help="as gensim's evaluations")
    parser.add_argument("--export-dir", default="saved_models")
    parser.add_argument("--checkpoint-dir", help="where an interrupted run resumes from "
                        "(default: EXPORT_DIR/.checkpoints/glove-<hash of the training flags>)")
    parser.add_argument("--save-dir", help="also save the trained model there (GloVe.load reads it back)")
    parser.add_argument("--name", default="glove", help="export name of the text encoder")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars, "
                        "2 a line an epoch")
    args = parser.parse_args(argv)
    for flag in ("dim", "window", "epochs", "min_count", "batch_size"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def random_like(vectors, seed):
    """The same words and shape, random vectors: the chance anchor."""
    return Vectors(vectors.keys, np.random.default_rng(seed).standard_normal(vectors.matrix.shape, np.float32))


def main(argv=None):
    args = parse_args(argv)

    # 1. The corpus: vocabulary (words of min_count or more) and the text as word ids.
    corpus = Corpus.build(args.corpus, args.min_count, progress=args.verbose > 0)
    print(f"1. corpus {args.corpus}: {corpus.total_words:,} tokens, {len(corpus):,} words of "
          f"min_count {args.min_count} or more, {len(corpus.starts):,} lines")

    # 2. Train, resumable: an interrupted run restarts after its last finished epoch.
    flags = {flag: getattr(args, flag) for flag in TRAINING_FLAGS}
    run_key = hashlib.sha1(json.dumps(flags, sort_keys=True).encode()).hexdigest()[:12]
    backup = args.checkpoint_dir or f"{args.export_dir}/.checkpoints/glove-{run_key}"
    glove = GloVe(args.dim, args.window, args.x_max, args.alpha, args.epochs, args.min_count, args.learning_rate,
                  args.batch_size, args.seed)
    glove.fit(corpus, checkpoint_dir=backup, verbose=args.verbose)
    vectors = glove.vectors
    loss = glove.model.history.history.get("loss", [float("nan")])[-1]
    print(f"2. trained: {len(vectors):,} words x {vectors.dim} (w + w~), last epoch's loss {loss:.4f}")
    if args.save_dir:
        print(f"   saved to {glove.save(args.save_dir)}")

    # 3. Evaluate on every word benchmark, beside random vectors of the same shape.
    rows = evaluate_word_vectors(vectors, args.restrict_vocab, print_table=False)
    chance = evaluate_word_vectors(random_like(vectors, args.seed), args.restrict_vocab, print_table=False)
    print_table(("benchmark", "measure", "GloVe", "random vectors", "unknown"),
                [(b, m, f"{v:.3f}", f"{r[2]:.3f}", f"{u:.0%}") for (b, m, v, u), r in zip(rows, chance)])
    value = next(v for b, _, v, _ in rows if b == HEADLINE)
    baseline = next(v for b, _, v, _ in chance if b == HEADLINE)
    print(f"3. {HEADLINE} spearman {value:.3f} (random vectors of the same shape: {baseline:.3f})")

    # 4. Export the sentence encoder and check that TF Serving can load and run it.
    encoder = vectors.text_encoder(name=args.name)
    warmup = {"text": ["The government said on Tuesday.", "photosynthesis of quixotic zyxwv", ""]}
    path = export(encoder, args.name, warmup, root=args.export_dir)
    print(check(path).summary())
    return {"metric": f"{HEADLINE} spearman", "value": value, "baseline": baseline, "exports": [str(path)]}


if __name__ == "__main__":
    main()
