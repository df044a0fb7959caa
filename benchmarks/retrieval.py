"""Retrieval on MovieLens-100k: zoo's two-tower against most-popular items and TF Recommenders, in one run.

    .venv/bin/python benchmarks/retrieval.py [--epochs 8] [--tfrs-epochs 3] [--skip-tfrs]

TF Recommenders needs Keras 2 (tf_keras) and is never a dependency of zoo; it runs in a child process
(benchmarks/tfrs_retrieval.py) with TF_USE_LEGACY_KERAS=1 and the package installed beside zoo:
    .venv/bin/pip install --no-deps --target .benchmark-packages tensorflow-recommenders==0.7.7

1. Data: the recipe's (`zoo run two_tower_movielens`): each user's 10 latest ratings held out, 90,570 training.
2. Most popular: unseen items ranked by their training count.
3. TF Recommenders, the basic retrieval tutorial's model and settings (user id and movie title embeddings of 32,
   Adagrad 0.1, batches of 8,192, 3 epochs), as written (FactorizedTopK metrics computed while training), then
   without training metrics (the tutorial's `compute_metrics=not training`), then at zoo's batch size (1,024).
4. zoo: the recipe's model and defaults (user id, age, gender, occupation; item id, title, genres, year;
   in-batch softmax with logQ correction, batches of 1,024, 8 epochs); then the same training on the tutorial's
   features alone (a user id and a title id, 32 wide, no hidden layer), to tell the features' cost from the
   training loop's.
Every model's user and item vectors are scored by the same code (zoo.evaluate.retrieval: the whole catalogue
ranked, each user's training items left out). Training speed is examples/second over all epochs and over epochs
2..N (without tracing); the ratio is to TF Recommenders' tutorial as written, measured in this run.

Goal (the issue): zoo beats both on Recall@100 and trains >= 1.5x TF Recommenders' examples/second.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

import keras  # noqa: E402

from zoo.evaluate.retrieval import popularity_scores, relevance_matrix, retrieval_metrics  # noqa: E402
from zoo.recipes import two_tower_movielens as recipe  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8, help="zoo's epochs (the recipe's default)")
    parser.add_argument("--tfrs-epochs", type=int, default=3, help="TF Recommenders' epochs (the tutorial's)")
    parser.add_argument("--tfrs-packages", default=os.path.join(REPOSITORY, ".benchmark-packages"))
    parser.add_argument("--skip-tfrs", action="store_true")
    return parser.parse_args()


class EpochTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)


def speed(examples_per_epoch, seconds):
    later = sum(seconds[1:])
    return {"examples_per_second": examples_per_epoch * len(seconds) / sum(seconds),
            "examples_per_second_after_first_epoch": examples_per_epoch * (len(seconds) - 1) / later
            if later else float("nan")}


def ids_only_towers(flags, users, items, train_pairs):
    """The tutorial's features in zoo: a user id and a movie title embedding (as ids), no hidden layer."""
    from zoo.custom import CategoricalEmbedding, TwoTower

    return TwoTower({"user_id": CategoricalEmbedding(32, vocabulary=sorted(set(users["user_id"])))},
                    {"title": CategoricalEmbedding(32, vocabulary=sorted(set(items["title"])))}, output_dim=32,
                    candidate_id="title", hidden_units=())


def train_zoo(args, users, items, train_pairs, build=recipe.build_towers):
    flags = recipe.parse_args(["--epochs", str(args.epochs)])
    keras.utils.set_random_seed(flags.seed)
    towers = build(flags, users, items, train_pairs)
    towers.compile(optimizer=keras.optimizers.Adam(flags.learning_rate))
    dataset = recipe.training_data(flags, users, items, train_pairs)
    timer = EpochTimer()
    towers.fit(dataset, epochs=flags.epochs, verbose=0, shuffle=False, callbacks=[timer])
    return (towers.user_embedding(users) @ towers.item_embedding(items).T,
            speed(len(dataset) * flags.batch_size, timer.seconds))


def train_tfrs(args, users, items, train_pairs, folder, *flags):
    interactions, out = os.path.join(folder, "interactions.npz"), os.path.join(folder, "tfrs.npz")
    np.savez(interactions, user_id=users["user_id"][train_pairs[:, 0]], title=items["title"][train_pairs[:, 1]],
             catalogue_title=items["title"])
    env = dict(os.environ, PYTHONPATH=args.tfrs_packages, TF_CPP_MIN_LOG_LEVEL="2")
    command = [sys.executable, os.path.join(REPOSITORY, "benchmarks", "tfrs_retrieval.py"), "--interactions",
               interactions, "--out", out, "--epochs", str(args.tfrs_epochs), *flags]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"TF Recommenders failed:\n{result.stderr[-3000:]}")
    with np.load(out) as trained:
        row = {u: i for i, u in enumerate(trained["user_vocabulary"].astype(str))}
        user_vectors = trained["user_embeddings"][[row[u] for u in users["user_id"]]]
        scores = user_vectors @ trained["catalogue_embeddings"].T
        return scores, {k: float(trained[k]) for k in ("examples_per_second", "examples_per_second_after_first_epoch")}


def main():
    args = parse_args()

    # 1. Data.
    users, items, train_pairs, test_pairs = recipe.load_split(recipe.parse_args([]))
    relevant = relevance_matrix(test_pairs, len(users["user_id"]), len(items["item_id"]))
    seen = relevance_matrix(train_pairs, *relevant.shape)
    print(f"1. data: {len(train_pairs):,} training ratings, {len(test_pairs):,} held out")

    # 2-4. The models.
    rows = [("most popular", popularity_scores(train_pairs[:, 1], *relevant.shape), None)]
    if not args.skip_tfrs:
        with tempfile.TemporaryDirectory() as folder:
            for name, flags in [("TF Recommenders tutorial (batch 8192)", ["--train-metrics"]),
                                ("  without training metrics", ["--no-train-metrics"]),
                                ("  without them, batch 1024", ["--no-train-metrics", "--batch-size", "1024"])]:
                print(f"   training {name.strip()}...", flush=True)
                rows.append((name, *train_tfrs(args, users, items, train_pairs, folder, *flags)))
    print("   training zoo...", flush=True)
    rows.append((f"zoo two-tower ({args.epochs} epochs, batch 1024)", *train_zoo(args, users, items, train_pairs)))
    rows.append(("  ids only (the tutorial's features)",
                 *train_zoo(args, users, items, train_pairs, build=ids_only_towers)))

    # 5. The table.
    anchor = rows[1][2]["examples_per_second"] if not args.skip_tfrs else None
    print(f"\n{'model':40s} {'R@10':>6s} {'R@50':>6s} {'R@100':>6s} {'NDCG@10':>7s} "
          f"{'examples/s':>11s} {'after ep. 1':>11s} {'x TFRS':>7s}")
    for name, scores, pace in rows:
        m = retrieval_metrics(scores, relevant, seen)
        line = (f"{name:40s} {m['recall@10']:6.4f} {m['recall@50']:6.4f} {m['recall@100']:6.4f} "
                f"{m['ndcg@10']:7.4f}")
        if pace:
            ratio = f"{pace['examples_per_second'] / anchor:6.2f}x" if anchor else "-"
            line += (f" {pace['examples_per_second']:11,.0f} {pace['examples_per_second_after_first_epoch']:11,.0f}"
                     f" {ratio:>7s}")
        print(line)


if __name__ == "__main__":
    main()
