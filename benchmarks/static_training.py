"""Training static word vectors: zoo against gensim, same corpus, same settings, same run.

    .venv/bin/python benchmarks/static_training.py --seeds 2
    .venv/bin/python benchmarks/static_training.py --frontier [--rates 0.025,0.05,0.1,0.2]

1. Reads the corpus once (default: the data layer's wiki-excerpt + lee, about 470,000 words at min_count 5;
   `--corpus FILE` for yours) and hands both trainers the very same sentences (zoo's Corpus: the words kept at
   min_count, long documents cut into pieces of 10,000 words).
2. For each algorithm (Word2Vec skip-gram, Word2Vec CBOW, FastText skip-gram) and each seed, trains gensim
   (workers=2, the anchor) and then zoo, taking turns (this machine's speed drifts), with equal settings:
   output_dim 100, window 5, negative 5, min_count 5, sample 1e-3, 5 epochs, learning rates gensim's default
   (0.025) and word2vec.c's for zoo (0.025 skip-gram, 0.05 CBOW; zoo's default rule gives more on a corpus this
   small, compared at each tool's best by --frontier); FastText min_n 3, max_n 6 and
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
GloVe has no reference implementation installed here (glove.c is not on the package registries): its anchor is
zoo's own GloVe as it was before issue 24, one batch a Keras step with tf.data autotuning on
(`GloVe.CHUNKED_MAX_WORDS = 0`, `DATA_AUTOTUNE = True`), against today's chunks of batches through XLA without
autotuning, same settings (the glove recipe's), goal >= 2.5x at equal quality.

--frontier: each algorithm at each learning rate of --rates, with gensim, official fastText (the C++ tool's pip
bindings, installed in .benchmark-packages, never a dependency of zoo:
    .venv/bin/pip install --no-deps --target .benchmark-packages fasttext-numpy2-wheel==0.9.2
) and zoo; 'default' in --rates trains each at its own default (zoo: Word2Vec.default_alpha's rule).
"""

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from zoo.data import load_analogies, load_word_pairs
from zoo.static.corpus import Corpus
from zoo.static.vectors import Vectors

# Each algorithm's anchor: gensim, or for GloVe (no reference implementation installed here) zoo's own GloVe as it
# was before issue 24 (a batch a step, tf.data autotuning on: GloVe.CHUNKED_MAX_WORDS = 0, DATA_AUTOTUNE = True);
# and the speed goals against it.
ANCHORS = {"glove": "before"}
SPEED_GOALS = {"cbow": 0.5, "glove": 2.5}
SETTINGS = {"output_dim": 100, "window": 5, "negative": 5, "min_count": 5, "sample": 1e-3, "epochs": 5}
PAIRS = ("wordsim353", "men", "simlex999")
REPOSITORY = Path(__file__).resolve().parents[1]
OFFICIAL_FASTTEXT = ("    .venv/bin/pip install --no-deps --target .benchmark-packages fasttext-numpy2-wheel==0.9.2")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="wiki-excerpt+lee",
                        help="data-layer corpora joined with '+', a text file, or 'vader-movie-reviews' (the data "
                             "layer's 10,605 review sentences, lower-cased, split into words)")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--bucket", type=int, default=200_000,
                        help="FastText n-gram rows, both trainers (fastText's and gensim's default: 2,000,000)")
    parser.add_argument("--algorithms", default="skipgram,cbow,fasttext,glove")
    parser.add_argument("--batch-words", type=int, default=512, help="zoo's centre words a step")
    parser.add_argument("--frontier", action="store_true",
                        help="instead: each algorithm over --rates, zoo and gensim, one seed, and each's best rate")
    parser.add_argument("--rates", default="0.025,0.05,0.1,0.2", help="the learning rates of --frontier")
    parser.add_argument("--frontier-seeds", type=int, default=1, help="--frontier's seeds a setting (means)")
    parser.add_argument("--trainers", default="gensim,fasttext,zoo",
                        help="--frontier's trainers: gensim, fasttext (the official C++ tool, from "
                             ".benchmark-packages) and zoo ('default' in --rates: each one's own default rate)")
    parser.add_argument("--benchmark-packages", default=str(REPOSITORY / ".benchmark-packages"),
                        help="where the official fasttext wheel is installed (--target)")
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
    return used_rate(Vectors(model.wv.index_to_key, model.wv.vectors), model.alpha), seconds


def train_zoo(algorithm, corpus, seed, bucket, batch_words, alpha=None, glove_before=False):
    from zoo.static import FastText, GloVe, Word2Vec

    if algorithm == "glove":
        # The glove recipe's settings: with glove.c's x_max 100 a corpus this small barely learns (see the recipe).
        trainer = GloVe(output_dim=SETTINGS["output_dim"], min_count=SETTINGS["min_count"], x_max=10,
                        learning_rate=0.2, epochs=10, seed=seed)
        if glove_before:  # the code before issue 24: a batch a step, tf.data autotuning on
            trainer.CHUNKED_MAX_WORDS, trainer.DATA_AUTOTUNE = 0, True
    else:
        options = dict(SETTINGS, seed=seed, batch_words=batch_words, alpha=alpha)
        trainer = (FastText(mode="skipgram", min_n=3, max_n=6, bucket=bucket, **options) if algorithm == "fasttext"
                   else Word2Vec(mode=algorithm, **options))
    started = time.perf_counter()
    trainer.fit(corpus, verbose=0)
    seconds = time.perf_counter() - started  # training alone: FastText's .vectors builds its whole n-gram table
    return used_rate(trainer.vectors, getattr(trainer, "alpha", None)), seconds


def word2vec_c_rate(algorithm):
    """word2vec.c's learning rate (0.025 skip-gram and FastText, 0.05 CBOW), zoo's before its default rule (which
    gives 0.1-0.2 on a corpus this small: see --frontier); None for GloVe."""
    from zoo.static import Word2Vec

    return None if algorithm == "glove" else Word2Vec.BASE_ALPHA["cbow" if algorithm == "cbow" else "skipgram"]


def used_rate(vectors, rate):
    """`vectors`, with the initial learning rate that trained them as `vectors.learning_rate`."""
    vectors.learning_rate = rate
    return vectors


def train_official(algorithm, text_file, bucket, alpha=None, packages=None):
    """Official fastText (the C++ tool through its pip bindings), 2 threads. Time: the whole train_unsupervised
    call, which also reads the text file and builds the vocabulary (fastText has no separate step). Its Python
    binding takes no seed: 2 threads make it vary from run to run anyway."""
    if packages and packages not in sys.path:
        sys.path.insert(0, packages)
    try:
        import fasttext
    except ImportError:
        raise SystemExit(f"official fastText is not installed; install it with\n{OFFICIAL_FASTTEXT}") from None
    subwords = {"minn": 3, "maxn": 6} if algorithm == "fasttext" else {"minn": 0, "maxn": 0}
    started = time.perf_counter()
    model = fasttext.train_unsupervised(
        str(text_file), model="cbow" if algorithm == "cbow" else "skipgram", dim=SETTINGS["output_dim"],
        ws=SETTINGS["window"], neg=SETTINGS["negative"], minCount=SETTINGS["min_count"], t=SETTINGS["sample"],
        epoch=SETTINGS["epochs"], bucket=bucket, thread=2, verbose=0, **subwords,
        **({"lr": alpha} if alpha else {}))
    seconds = time.perf_counter() - started
    words = [w for w in model.get_words() if w != "</s>"]  # fastText's end-of-line token is a word to it
    vectors = Vectors(words, np.stack([model.get_word_vector(w) for w in words]))
    return used_rate(vectors, model.lr), seconds


def frontier(args, corpus, sentences, words):
    """Each algorithm at each learning rate with each trainer (the means of seeds 1..--frontier-seeds), all decaying
    linearly to (about) 0; zoo's
    step scales its rows as sequential SGD above Word2Vec.PLAIN_STEP_MAX_ALPHA. Prints a table, each trainer's best
    rate by the mean of the three word-pair Spearmans, and issue 24's goals at the best settings."""
    trainers = args.trainers.split(",")
    rates = [None if r == "default" else float(r) for r in args.rates.split(",")]
    text_file = None
    if "fasttext" in trainers:
        text_file = Path(tempfile.mkdtemp()) / "corpus.txt"
        text_file.write_text("".join(" ".join(sentence) + "\n" for sentence in sentences), "utf-8")
    rows = []
    for algorithm in [a for a in args.algorithms.split(",") if a != "glove"]:
        for rate in rates:
            for trainer in trainers:
                runs = []
                for seed in range(1, args.frontier_seeds + 1):  # official fastText takes no seed: runs again
                    if trainer == "gensim":
                        vectors, seconds = train_gensim(algorithm, sentences, seed, args.bucket, rate)
                    elif trainer == "fasttext":
                        vectors, seconds = train_official(algorithm, text_file, args.bucket, rate,
                                                          args.benchmark_packages)
                    else:
                        vectors, seconds = train_zoo(algorithm, corpus, seed, args.bucket, args.batch_words, rate)
                    runs.append({"speed": words / seconds, **quality(vectors)})
                    print(f"  {algorithm} {vectors.learning_rate:g} {trainer} seed {seed}: {words / seconds:,.0f} "
                          "words/s", flush=True)
                rows.append({"algorithm": algorithm, "rate": vectors.learning_rate, "default": rate is None,
                             "trainer": trainer, **{key: float(np.mean([run[key] for run in runs]))
                                                    for key in runs[0]}})
    if text_file:
        text_file.unlink()
        text_file.parent.rmdir()
    print("\n| algorithm | rate | trainer | " + " | ".join((*PAIRS, "google")) + " | words/s | × gensim |")
    print("|---|---|---|" + "---|" * (len(PAIRS) + 3))
    for row in rows:
        anchor = next((r for r in rows if r["algorithm"] == row["algorithm"] and r["rate"] == row["rate"]
                       and r["default"] == row["default"] and r["trainer"] == "gensim"), None)
        ratio = f"{row['speed'] / anchor['speed']:.2f}x" if anchor else "-"
        rate = f"{row['rate']:g}" + (" (default)" if row["default"] else "")
        print(f"| {row['algorithm']} | {rate} | {row['trainer']} | "
              + " | ".join(f"{row[n]:.3f}" for n in (*PAIRS, "google")) + f" | {row['speed']:,.0f} | {ratio} |")
    print("\nbest rate (mean of the three Spearmans), and issue 24's goals at each trainer's best:")
    for algorithm in dict.fromkeys(r["algorithm"] for r in rows):
        best = {}
        for trainer in trainers:
            best[trainer] = max((r for r in rows if r["algorithm"] == algorithm and r["trainer"] == trainer),
                                key=lambda r: sum(r[n] for n in PAIRS))
            print(f"  {algorithm:<9} {trainer:<8} {best[trainer]['rate']:g}: " + ", ".join(
                f"{n} {best[trainer][n]:.3f}" for n in (*PAIRS, "google")) + f"; {best[trainer]['speed']:,.0f} words/s")
        if "zoo" not in best:
            continue
        zoo_best = {n: max(r[n] for r in rows if r["algorithm"] == algorithm and r["trainer"] == "zoo")
                    for n in (*PAIRS, "google")}
        for name in (*PAIRS, "google") if algorithm == "fasttext" else PAIRS:
            anchors = [max(r[name] for r in rows if r["algorithm"] == algorithm and r["trainer"] == t)
                       for t in trainers if t != "zoo"]
            if anchors:
                met = zoo_best[name] >= max(anchors) - 0.02
                print(f"    {name} zoo {zoo_best[name]:.3f} >= anchors' best {max(anchors):.3f} - 0.02: "
                      f"{'yes' if met else 'NO'}")
        goals = {"gensim": 1.0 if algorithm == "cbow" else 1.5, "fasttext": 2.0 if algorithm == "fasttext" else None}
        for anchor, goal in goals.items():
            if goal and anchor in best:
                ratio = best["zoo"]["speed"] / best[anchor]["speed"]
                print(f"    speed at the best settings: zoo / {anchor} {ratio:.2f}x (goal >= {goal}x): "
                      f"{'yes' if ratio >= goal else 'NO'}")


def sentence_file(name):
    """A text file of the data layer's sentence set `name`, lower-cased and split into words (letters, digits and
    inner apostrophes), one sentence a line."""
    from zoo.data import load_vader_movie_reviews

    if name != "vader-movie-reviews":
        return name
    path = Path(tempfile.mkdtemp()) / f"{name}.txt"
    path.write_text("".join(" ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", review.text.lower())) + "\n"
                            for review in load_vader_movie_reviews()), "utf-8")
    return str(path)


def main():
    args = parse_args()
    source = sentence_file(args.corpus)
    corpus = Corpus.build(source, SETTINGS["min_count"])
    if source != args.corpus:
        os.remove(source)
        os.rmdir(os.path.dirname(source))
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
        anchor = ANCHORS.get(algorithm, "gensim")
        results, trainers = {}, [anchor, "zoo"]
        runs = {trainer: [] for trainer in trainers}
        for seed in range(1, args.seeds + 1):  # the trainers take turns, so that both meet the machine's drift
            for trainer in trainers:
                if trainer == "gensim":
                    vectors, seconds = train_gensim(algorithm, sentences, seed, args.bucket)
                else:
                    vectors, seconds = train_zoo(algorithm, corpus, seed, args.bucket, args.batch_words,
                                                 word2vec_c_rate(algorithm), glove_before=trainer == "before")
                runs[trainer].append((words / seconds, quality(vectors)))
                print(f"  {algorithm} {trainer} seed {seed}: {words / seconds:,.0f} words/s ({seconds:.1f} s)",
                      flush=True)
        for trainer in trainers:
            speed = float(np.mean([s for s, _ in runs[trainer]]))
            scores = {k: float(np.mean([q[k] for _, q in runs[trainer]])) for k in runs[trainer][0][1]}
            results[trainer] = (speed, scores)
            rows.append((algorithm, trainer, speed, scores))
        pairs = [z / g for (z, _), (g, _) in zip(runs["zoo"], runs[anchor])]
        print(f"  {algorithm}: zoo / {anchor} seed by seed " + ", ".join(f"{r:.2f}x" for r in pairs), flush=True)
        (anchor_speed, anchor_scores), (zoo_speed, zoo_scores) = results[anchor], results["zoo"]
        speed_goal = SPEED_GOALS.get(algorithm, 1.0)
        goals.append((f"{algorithm} speed >= {speed_goal}x {anchor}", f"{zoo_speed / anchor_speed:.2f}x",
                      zoo_speed / anchor_speed >= speed_goal))
        for name in PAIRS:
            difference = zoo_scores[name] - anchor_scores[name]
            goals.append((f"{algorithm} {name} Spearman within 0.03", f"{difference:+.3f}", difference >= -0.03))
        difference = zoo_scores["google"] - anchor_scores["google"]
        goals.append((f"{algorithm} Google analogies within 0.02", f"{difference:+.3f}", difference >= -0.02))

    print("\nalgorithm  trainer  words/s     ratio  " + "  ".join(f"{n:>10}" for n in (*PAIRS, "google")))
    anchors = {a: s for a, t, s, _ in rows if t != "zoo"}
    for algorithm, trainer, speed, scores in rows:
        ratio = f"{speed / anchors[algorithm]:.2f}x" if algorithm in anchors else "-"
        print(f"{algorithm:<10} {trainer:<8} {speed:>10,.0f}  {ratio:>5}  "
              + "  ".join(f"{scores[n]:>10.3f}" for n in (*PAIRS, "google")))
    print("\ngoal                                      zoo vs anchor  met")
    for goal, value, met in goals:
        print(f"{goal:<41} {value:>13}  {'yes' if met else 'NO'}")


if __name__ == "__main__":
    main()
