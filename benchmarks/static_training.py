"""Training static word vectors: zoo against gensim, same corpus, same settings, same run.

    .venv/bin/python benchmarks/static_training.py --seeds 2
    .venv/bin/python benchmarks/static_training.py --frontier [--rates 0.025,0.05,0.1,0.2]

1. Reads the corpus once (default: the data layer's wiki-excerpt + lee, about 470,000 words at min_count 5;
   `--corpus FILE` for yours) and hands both trainers the very same sentences (zoo's Corpus: the words kept at
   min_count, long documents cut into pieces of 10,000 words).
2. For each algorithm (Word2Vec skip-gram, Word2Vec CBOW, FastText skip-gram) and each seed, trains gensim
   (workers=2, the anchor) and then zoo, taking turns (this machine's speed drifts), with equal settings:
   output_dim 100, window 5, negative 5, min_count 5, sample 1e-3, 5 epochs, each trainer's default learning rate
   (gensim 0.025; zoo word2vec.c's, 0.025 for skip-gram and 0.05 for CBOW); FastText min_n 3, max_n 6 and
   --bucket rows for both; neither computes its training loss (both trainers' default, compute_loss=False).
   Time: wall time of training alone (gensim's `train` after `build_vocab`; zoo's `fit` on the built Corpus,
   which includes building its Keras model and compiling its step; TensorFlow's one-time
   start-up in the process is paid by an untimed warm-up run). Speed: corpus words x epochs / time, as gensim
   counts them.
3. Scores every trained model on WordSim-353, MEN and SimLex-999 (Spearman, known words) and the Google analogies
   (3CosAdd accuracy) with zoo.Vectors' evaluations (gensim's own figures, tested equal).
4. Prints the speed ratio of each seed's pair of runs, one row per algorithm and trainer (means over the
   seeds), the ratio of those means, and the quality differences zoo - gensim against the issue's goals: speed
   >= 1.0x (skip-gram, FastText) and >= 0.5x (CBOW); Spearman within 0.03 and analogy accuracy within 0.02 of
   gensim, or better.
GloVe has no reference implementation installed here; it is trained and reported beside them, zoo only.
"""

import argparse
import time

import numpy as np

from zoo.data import load_analogies, load_word_pairs
from zoo.static.corpus import Corpus
from zoo.static.vectors import Vectors

SETTINGS = {"output_dim": 100, "window": 5, "negative": 5, "min_count": 5, "sample": 1e-3, "epochs": 5}
PAIRS = ("wordsim353", "men", "simlex999")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="wiki-excerpt+lee")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--bucket", type=int, default=200_000,
                        help="FastText n-gram rows, both trainers (fastText's and gensim's default: 2,000,000)")
    parser.add_argument("--algorithms", default="skipgram,cbow,fasttext,glove")
    parser.add_argument("--batch-words", type=int, default=512, help="zoo's centre words a step")
    parser.add_argument("--frontier", action="store_true",
                        help="instead: each algorithm over --rates, zoo and gensim, one seed, and each's best rate")
    parser.add_argument("--rates", default="0.025,0.05,0.1,0.2", help="the learning rates of --frontier")
    return parser.parse_args()


def quality(vectors):
    scores = {name: vectors.evaluate_word_pairs(load_word_pairs(name))["spearman"] for name in PAIRS}
    scores["google"] = vectors.evaluate_analogies(load_analogies("google-analogies"))["accuracy"]
    return scores


def train_gensim(algorithm, sentences, seed, bucket, alpha=None):
    from gensim.models import FastText, Word2Vec

    options = dict(vector_size=SETTINGS["output_dim"], window=SETTINGS["window"], negative=SETTINGS["negative"],
                   min_count=SETTINGS["min_count"], sample=SETTINGS["sample"], workers=2, seed=seed,
                   sg=int(algorithm != "cbow"), **({"alpha": alpha, "min_alpha": 1e-4} if alpha else {}))
    model = FastText(bucket=bucket, min_n=3, max_n=6, **options) if algorithm == "fasttext" else Word2Vec(**options)
    model.build_vocab(sentences)
    started = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=SETTINGS["epochs"])
    seconds = time.perf_counter() - started
    return Vectors(model.wv.index_to_key, model.wv.vectors), seconds


def train_zoo(algorithm, corpus, seed, bucket, batch_words, alpha=None):
    from zoo.static import FastText, GloVe, Word2Vec

    if algorithm == "glove":
        # The glove recipe's settings: with glove.c's x_max 100 a corpus this small barely learns (see the recipe).
        trainer = GloVe(output_dim=SETTINGS["output_dim"], min_count=SETTINGS["min_count"], x_max=10,
                        learning_rate=0.2, epochs=10, seed=seed)
    else:
        options = dict(SETTINGS, seed=seed, batch_words=batch_words, alpha=alpha)
        trainer = (FastText(mode="skipgram", min_n=3, max_n=6, bucket=bucket, **options) if algorithm == "fasttext"
                   else Word2Vec(mode=algorithm, **options))
    started = time.perf_counter()
    trainer.fit(corpus, verbose=0)
    seconds = time.perf_counter() - started  # training alone: FastText's .vectors builds its whole n-gram table
    return trainer.vectors, seconds


def frontier(args, corpus, sentences, words):
    """Each algorithm at each learning rate, gensim then zoo (seed 1), both decaying linearly to 1e-4; zoo's step
    scales its rows as sequential SGD above Word2Vec.PLAIN_STEP_MAX_ALPHA. Prints a table and each one's best
    rate by the mean of the three word-pair Spearmans."""
    rows = []
    for algorithm in [a for a in args.algorithms.split(",") if a != "glove"]:
        for rate in map(float, args.rates.split(",")):
            for trainer in ("gensim", "zoo"):
                vectors, seconds = (train_gensim(algorithm, sentences, 1, args.bucket, rate) if trainer == "gensim"
                                    else train_zoo(algorithm, corpus, 1, args.bucket, args.batch_words, rate))
                rows.append({"algorithm": algorithm, "rate": rate, "trainer": trainer, "speed": words / seconds,
                             **quality(vectors)})
                print(f"  {algorithm} {rate} {trainer}: {words / seconds:,.0f} words/s", flush=True)
    print("\n| algorithm | rate | trainer | " + " | ".join((*PAIRS, "google")) + " | words/s | zoo / gensim |")
    print("|---|---|---|" + "---|" * (len(PAIRS) + 3))
    for row in rows:
        anchor = next(r for r in rows if r["algorithm"] == row["algorithm"] and r["rate"] == row["rate"])
        ratio = f"{row['speed'] / anchor['speed']:.2f}x" if row["trainer"] == "zoo" else "1.00x"
        print(f"| {row['algorithm']} | {row['rate']:g} | {row['trainer']} | "
              + " | ".join(f"{row[n]:.3f}" for n in (*PAIRS, "google")) + f" | {row['speed']:,.0f} | {ratio} |")
    print("\nbest rate (mean of the three Spearmans):")
    for algorithm in dict.fromkeys(r["algorithm"] for r in rows):
        for trainer in ("gensim", "zoo"):
            best = max((r for r in rows if r["algorithm"] == algorithm and r["trainer"] == trainer),
                       key=lambda r: sum(r[n] for n in PAIRS))
            print(f"  {algorithm:<9} {trainer:<7} {best['rate']:g}: " + ", ".join(
                f"{n} {best[n]:.3f}" for n in (*PAIRS, "google")) + f"; {best['speed']:,.0f} words/s")


def main():
    args = parse_args()
    corpus = Corpus.build(args.corpus, SETTINGS["min_count"])
    sentences = corpus.sentences()
    words = corpus.total_words * SETTINGS["epochs"]
    print(f"corpus {args.corpus}: {corpus.total_words:,} words, vocabulary {len(corpus):,}; {args.seeds} seed(s)")
    # TensorFlow's one-time start-up in this process (thread pools, first kernels: several seconds) is not
    # training; a tiny untimed run pays it before zoo's first timed run.
    train_zoo("skipgram", Corpus(corpus.words, corpus.counts, corpus.ids[:20_000], np.zeros(1, np.int64)), 0,
              args.bucket, args.batch_words)
    if args.frontier:
        return frontier(args, corpus, sentences, words)
    rows, goals = [], []
    for algorithm in args.algorithms.split(","):
        results, trainers = {}, (["zoo"] if algorithm == "glove" else ["gensim", "zoo"])
        runs = {trainer: [] for trainer in trainers}
        for seed in range(1, args.seeds + 1):  # the trainers take turns, so that both meet the machine's drift
            for trainer in trainers:
                if trainer == "gensim":
                    vectors, seconds = train_gensim(algorithm, sentences, seed, args.bucket)
                else:
                    vectors, seconds = train_zoo(algorithm, corpus, seed, args.bucket, args.batch_words)
                runs[trainer].append((words / seconds, quality(vectors)))
                print(f"  {algorithm} {trainer} seed {seed}: {words / seconds:,.0f} words/s", flush=True)
        for trainer in trainers:
            speed = float(np.mean([s for s, _ in runs[trainer]]))
            scores = {k: float(np.mean([q[k] for _, q in runs[trainer]])) for k in runs[trainer][0][1]}
            results[trainer] = (speed, scores)
            rows.append((algorithm, trainer, speed, scores))
        if "gensim" in results:
            pairs = [z / g for (z, _), (g, _) in zip(runs["zoo"], runs["gensim"])]
            print(f"  {algorithm}: zoo / gensim seed by seed " + ", ".join(f"{r:.2f}x" for r in pairs), flush=True)
            (gensim_speed, gensim_scores), (zoo_speed, zoo_scores) = results["gensim"], results["zoo"]
            speed_goal = 0.5 if algorithm == "cbow" else 1.0
            goals.append((f"{algorithm} speed >= {speed_goal}x gensim", f"{zoo_speed / gensim_speed:.2f}x",
                          zoo_speed / gensim_speed >= speed_goal))
            for name in PAIRS:
                difference = zoo_scores[name] - gensim_scores[name]
                goals.append((f"{algorithm} {name} Spearman within 0.03", f"{difference:+.3f}", difference >= -0.03))
            difference = zoo_scores["google"] - gensim_scores["google"]
            goals.append((f"{algorithm} Google analogies within 0.02", f"{difference:+.3f}", difference >= -0.02))

    print("\nalgorithm  trainer  words/s     ratio  " + "  ".join(f"{n:>10}" for n in (*PAIRS, "google")))
    anchors = {a: s for a, t, s, _ in rows if t == "gensim"}
    for algorithm, trainer, speed, scores in rows:
        ratio = f"{speed / anchors[algorithm]:.2f}x" if algorithm in anchors else "-"
        print(f"{algorithm:<10} {trainer:<8} {speed:>10,.0f}  {ratio:>5}  "
              + "  ".join(f"{scores[n]:>10.3f}" for n in (*PAIRS, "google")))
    print("\ngoal                                      zoo vs gensim  met")
    for goal, value, met in goals:
        print(f"{goal:<41} {value:>13}  {'yes' if met else 'NO'}")


if __name__ == "__main__":
    main()
