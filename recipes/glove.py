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
      learning rate 0.05, 25 epochs, which on this corpus take about 6 minutes and score about 0.03: with x_max
      100 nearly every count here weighs under 0.1 and learning crawls).

    zoo run glove [--corpus FILE] [--output-dim 100 --x-max 100 --learning-rate 0.05 --epochs 25] [--epochs 5]
    TF_CONFIG=... zoo run glove --strategy multi_worker   # on each machine (README, 'Training on several machines')
"""

import argparse

from zoo import distribute
from zoo.recipes import HelpFormatter, Recipe, checkpoint_dir
from zoo.recipes import word_vector_steps as steps
from zoo.static.glove import GloVe

RECIPE = Recipe(
    name="glove", family="static", data="wiki-excerpt+lee",
    exports="glove: text -> embedding",
    summary="GloVe trained in Keras (co-occurrence counts, weighted least squares by sparse AdaGrad), served",
    metric="wordsim353 spearman", higher_is_better=True, quick_flags=("--epochs", "4"),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run glove", description=__doc__,
                                     formatter_class=HelpFormatter)
    steps.add_training_flags(parser, epochs=10)
    parser.set_defaults(output_dim=50, window=10)
    parser.add_argument("--x-max", type=float, default=10.0, help="counts from x_max up weigh 1 (glove.c: 100)")
    parser.add_argument("--alpha", type=float, default=0.75, help="the weighting's exponent")
    parser.add_argument("--learning-rate", type=float, default=0.2, help="AdaGrad's (glove.c: 0.05)")
    parser.add_argument("--batch-size", type=int, default=16384, help="co-occurrence counts per AdaGrad step")
    parser.add_argument("--save-dir", help="also save the trained model there (GloVe.load reads it back)")
    parser.add_argument("--name", default="glove", help="export name of the text encoder")
    distribute.add_strategy_flag(parser)
    args = parser.parse_args(argv)
    for flag in ("output_dim", "window", "epochs", "min_count", "batch_size"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    strategy = distribute.make_strategy(args.strategy)  # first: a multi-worker strategy sets up TensorFlow

    # 1. The corpus: vocabulary at min_count, the text as word ids.
    corpus = steps.load_corpus(args)

    # 2. Co-occurrence counts, then AdaGrad on them through fit; resumable: an interrupted run restarts from its
    #    last finished epoch. Under a strategy each replica computes its share of every batch, and all apply the
    #    whole batch's AdaGrad step (the same vectors as one process).
    glove = GloVe(output_dim=args.output_dim, window=args.window, x_max=args.x_max, alpha=args.alpha,
                  epochs=args.epochs, min_count=args.min_count, learning_rate=args.learning_rate,
                  batch_size=args.batch_size, seed=args.seed)
    glove.fit(corpus, checkpoint_dir=checkpoint_dir(args, "glove"), verbose=args.verbose, strategy=strategy)
    vectors = glove.vectors
    loss = glove.model.history.history.get("loss", [float("nan")])[-1]
    print(f"2. trained {len(vectors):,} vectors of {vectors.dim} (w + w~), last epoch's loss {loss:.4f}; nearest "
          f"to 'king': {', '.join(w for w, _ in vectors.most_similar('king', topn=5)) if 'king' in vectors else '-'}")
    if not distribute.is_chief(strategy):  # the chief alone saves and exports
        value, baseline = steps.evaluate_against_random(vectors, args.seed)
        print(f"3. {steps.HEADLINE} spearman {value:.3f} (random: {baseline:.3f}); 4. export: left to the chief")
        distribute.barrier(strategy)  # ends with the chief, which has exported
        return {"value": value, "baseline": baseline, "exports": []}
    if args.save_dir:
        print(f"   saved to {glove.save(args.save_dir)}")

    # 3. Evaluate on every word benchmark, against random vectors of the same shape.
    # 4. Export the sentence encoder and check that TF Serving can load and run it.
    result = steps.evaluate_export_and_check(vectors, args)
    distribute.barrier(strategy)
    return result


if __name__ == "__main__":
    main()
