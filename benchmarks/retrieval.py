"""Retrieval on MovieLens-100k: zoo's two-tower and history-aware two-tower against most-popular items, EASE and
TF Recommenders, in one run.

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
   training loop's; then recipe recommender_movielens at its defaults: its history-aware retrieval (the user's 20
   latest training items pooled by attention) for known users, for users whose id is unknown, for new users given
   only demographics and their 5 latest films, and with no id and no history; and its served model, retrieval then
   the ranking stage (keras-rs PairwiseLogisticLoss over retrieval logit, EASE item-to-item score, popularity).
5. EASE (Steck 2019, zoo.evaluate.retrieval.ease_scores): the closed-form item-item baseline. Its l2 is chosen on
   a validation split cut from the TRAINING ratings the way the test is cut (each user's 10 latest training
   ratings), then EASE is refitted on all training with it. For reference only, the l2 that is best on the test
   itself is printed too, labelled as the oracle it is (not a fair baseline).
Every model's user and item vectors are scored by the same code (zoo.evaluate.retrieval: the whole catalogue
ranked, each user's training items left out). Training speed is examples/second over all epochs and over epochs
2..N (without tracing); the ratio is to TF Recommenders' tutorial as written, measured in this run.

Goals: zoo beats TF Recommenders and popularity on Recall@100 and trains >= 1.5x TF Recommenders' examples/second
(issue 5); the history-aware model reaches Recall@100 >= 0.60 and NDCG@10 >= 0.16, and a new user's 5 films beat
popularity by a clear margin (issue 25).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import types

import numpy as np

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

import keras  # noqa: E402

from zoo.data.movielens_split import load_split  # noqa: E402
from zoo.evaluate.retrieval import (  # noqa: E402
    EASE_L2_CANDIDATES,
    choose_ease_l2,
    ease_scores,
    popularity_scores,
    relevance_matrix,
    retrieval_metrics,
)
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


def train_history_aware(args, folder):
    """recipe recommender_movielens at its defaults (retrieval, ranking, the served model evaluated; no export):
    {row name: metrics}, and its wall time from data to evaluation."""
    from zoo.recipes import recommender_movielens as history_recipe

    history_recipe.export = lambda *args, **kwargs: "not exported"
    history_recipe.check = lambda path: types.SimpleNamespace(summary=lambda: "not checked")
    started = time.perf_counter()
    result = history_recipe.main(["--epochs", str(args.epochs), "--verbose", "0", "--runs-dir", folder])
    return result["results"], time.perf_counter() - started


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


# === EASE ===

EASE_ORACLE_GRID = tuple(sorted({*EASE_L2_CANDIDATES, 200, 500, 700, 2000}))


def metrics_line(metrics):
    return (f"{metrics['recall@10']:6.4f} {metrics['recall@50']:6.4f} {metrics['recall@100']:6.4f} "
            f"{metrics['ndcg@10']:7.4f}")


def ease_rows(train, train_pairs, relevant, seen):
    """EASE's rows: l2 chosen on a validation split cut from the training ratings `train` (in `train_pairs`'
    order), refitted on all training; then the oracle."""
    flags = recipe.parse_args([])
    started = time.perf_counter()
    best, table = choose_ease_l2(train_pairs, [r.timestamp for r in train], *relevant.shape, held_out=flags.held_out)
    chosen_in = time.perf_counter() - started
    print(f"   EASE l2 on a validation split cut from training (each user's {flags.held_out} latest training "
          f"ratings; {chosen_in:.1f} s for {len(table)} fits):\n   {'l2':>6s} {'R@10':>6s} {'R@50':>6s} "
          f"{'R@100':>6s} {'NDCG@10':>7s}")
    for l2, metrics in table.items():
        print(f"   {l2:6g} {metrics_line(metrics)}" + ("   <- chosen (best validation Recall@100)" if l2 == best
                                                        else ""))
    started = time.perf_counter()
    chosen = ease_scores(train_pairs, *relevant.shape, best)
    fitted_in = time.perf_counter() - started
    print(f"   EASE fit on all {len(train_pairs):,} training ratings, l2 {best:g}: {fitted_in:.2f} s "
          f"({relevant.shape[1]:,} x {relevant.shape[1]:,} inverse and scoring, numpy, float64)")
    print("   EASE on the TEST for every l2 (reference only; the chosen l2 above never saw these):")
    scores = {l2: ease_scores(train_pairs, *relevant.shape, l2) for l2 in EASE_ORACLE_GRID}
    on_test = {l2: retrieval_metrics(scores[l2], relevant, seen) for l2 in EASE_ORACLE_GRID}
    for l2, metrics in on_test.items():
        print(f"   {l2:6g} {metrics_line(metrics)}")
    oracle = max(EASE_ORACLE_GRID, key=lambda l2: on_test[l2]["recall@100"])
    return [(f"EASE (l2 {best:g} from validation, fit {fitted_in:.1f} s)", chosen, None),
            (f"  oracle (l2 {oracle:g} chosen on the test: not a fair baseline)", scores[oracle], None)]


def main():
    args = parse_args()

    # 1. Data.
    users, items, train, _, train_pairs, test_pairs = load_split(held_out=recipe.parse_args([]).held_out)
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
    print("   training zoo, history-aware retrieval and ranking (recommender_movielens)...", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        history_results, seconds = train_history_aware(args, folder)
    print(f"   recommender_movielens: {seconds:.1f} s from data to evaluation (both retrieval fits, EASE, ranking)")
    rows += [(f"zoo recommender_movielens: {name.strip()}" if not name.startswith(" ") else name, metrics, None)
             for name, metrics in history_results.items() if name != "most popular"]
    print("   EASE...", flush=True)
    rows += ease_rows(train, train_pairs, relevant, seen)

    # 6. The table.
    anchor = rows[1][2]["examples_per_second"] if not args.skip_tfrs else None
    print(f"\n{'model':62s} {'R@10':>6s} {'R@50':>6s} {'R@100':>6s} {'NDCG@10':>7s} "
          f"{'examples/s':>11s} {'after ep. 1':>11s} {'x TFRS':>7s}")
    for name, scores, pace in rows:
        m = scores if isinstance(scores, dict) else retrieval_metrics(scores, relevant, seen)  # or metrics given
        line = f"{name:62s} {metrics_line(m)}"
        if pace:
            ratio = f"{pace['examples_per_second'] / anchor:6.2f}x" if anchor else "-"
            line += (f" {pace['examples_per_second']:11,.0f} {pace['examples_per_second_after_first_epoch']:11,.0f}"
                     f" {ratio:>7s}")
        print(line)


if __name__ == "__main__":
    main()
