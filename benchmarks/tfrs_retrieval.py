"""TensorFlow Recommenders' basic retrieval tutorial model, trained on given interactions, as a reference.

    PYTHONPATH=.benchmark-packages .venv/bin/python benchmarks/tfrs_retrieval.py --interactions IN.npz --out OUT.npz

The model of https://www.tensorflow.org/recommenders/examples/basic_retrieval with the tutorial's settings:
a user tower and a movie tower (StringLookup + Embedding each), `tfrs.tasks.Retrieval` with FactorizedTopK
metrics over the catalogue, Adagrad at 0.1, batches of 8192, 3 epochs. `--no-train-metrics` skips the metrics
while training (the tutorial's `compute_metrics=not training` form); the default computes them, as written.

Reads IN.npz: 1-D string arrays `user_id`, `title` (one row per training interaction, in order) and
`catalogue_title` (one per catalogue item; titles may repeat).
Writes OUT.npz: `user_vocabulary` and `user_embeddings` (one row each), `catalogue_embeddings` (one row per
`catalogue_title`), and the scalars `train_seconds` (wall time of all epochs of `fit`),
`train_seconds_after_first_epoch` (epochs 2..N, without tracing), `examples` (seen in all epochs),
`examples_per_second` and `examples_per_second_after_first_epoch`.

TF Recommenders needs Keras 2 (tf_keras) and is never a dependency of zoo; it is installed beside it with
    .venv/bin/pip install --no-deps --target .benchmark-packages tensorflow-recommenders==0.7.7
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["TF_USE_LEGACY_KERAS"] = "1"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
try:
    import tensorflow_recommenders as tfrs
except ImportError as error:
    sys.exit(
        f"tensorflow_recommenders cannot be imported ({error}). Install it beside zoo, never into it:\n"
        f"    {ROOT}/.venv/bin/pip install --no-deps --target {ROOT}/.benchmark-packages "
        "tensorflow-recommenders==0.7.7\n"
        f"and run this script with PYTHONPATH={ROOT}/.benchmark-packages"
    )


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", required=True, help="IN.npz: user_id, title, catalogue_title")
    parser.add_argument("--out", required=True, help="OUT.npz: embeddings and training speed")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8192)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--train-metrics", action=argparse.BooleanOptionalAction, default=True,
                        help="compute FactorizedTopK while training (the tutorial as written)")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def load(path):
    with np.load(path) as data:
        return data["user_id"].astype(str), data["title"].astype(str), data["catalogue_title"].astype(str)


def tower(vocabulary, dim):
    return tf_keras.Sequential([
        tf_keras.layers.StringLookup(vocabulary=vocabulary, mask_token=None),
        tf_keras.layers.Embedding(len(vocabulary) + 1, dim),
    ])


class RetrievalModel(tfrs.Model):
    def __init__(self, user_model, movie_model, task, train_metrics):
        super().__init__()
        self.user_model, self.movie_model, self.task = user_model, movie_model, task
        self.train_metrics = train_metrics

    def compute_loss(self, features, training=False):
        user_embeddings = self.user_model(features["user_id"])
        positive_movie_embeddings = self.movie_model(features["movie_title"])
        compute_metrics = self.train_metrics or not training
        return self.task(user_embeddings, positive_movie_embeddings, compute_metrics=compute_metrics)


def build(user_vocabulary, movie_vocabulary, args):
    user_model, movie_model = tower(user_vocabulary, args.dim), tower(movie_vocabulary, args.dim)
    movies = tf.data.Dataset.from_tensor_slices(movie_vocabulary)
    task = tfrs.tasks.Retrieval(metrics=tfrs.metrics.FactorizedTopK(candidates=movies.batch(128).map(movie_model)))
    model = RetrievalModel(user_model, movie_model, task, args.train_metrics)
    model.compile(optimizer=tf_keras.optimizers.Adagrad(learning_rate=args.learning_rate))
    return model


class EpochTimer(tf_keras.callbacks.Callback):
    """Wall time of each epoch, from its beginning to its end."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def train(model, user_ids, titles, args):
    interactions = tf.data.Dataset.from_tensor_slices({"user_id": user_ids, "movie_title": titles})
    train_data = interactions.shuffle(100_000, seed=args.seed, reshuffle_each_iteration=False)
    train_data = train_data.batch(args.batch_size).cache()
    timer = EpochTimer()
    model.fit(train_data, epochs=args.epochs, verbose=1, callbacks=[timer])
    seconds, later = sum(timer.seconds), sum(timer.seconds[1:])
    examples = len(user_ids) * args.epochs
    later_examples = len(user_ids) * (args.epochs - 1)
    return {
        "train_seconds": seconds,
        "train_seconds_after_first_epoch": later,
        "examples": examples,
        "examples_per_second": examples / seconds,
        "examples_per_second_after_first_epoch": later_examples / later if later else float("nan"),
    }


def write(path, model, user_vocabulary, catalogue_titles, speed):
    np.savez(
        path,
        user_vocabulary=user_vocabulary,
        user_embeddings=model.user_model(tf.constant(user_vocabulary)).numpy().astype(np.float32),
        catalogue_embeddings=model.movie_model(tf.constant(catalogue_titles)).numpy().astype(np.float32),
        **{name: np.asarray(value) for name, value in speed.items()},
    )


def main():
    args = parse_args()
    # The tutorial's seed. Alone it leaves tf_keras' unseeded initializers random (they draw their seeds from
    # Python's `random`), so seed that too: same seed, same embeddings.
    tf.random.set_seed(args.seed)
    tf_keras.utils.set_random_seed(args.seed)
    user_ids, titles, catalogue_titles = load(args.interactions)
    user_vocabulary, movie_vocabulary = np.unique(user_ids), np.unique(catalogue_titles)
    model = build(user_vocabulary, movie_vocabulary, args)
    speed = train(model, user_ids, titles, args)
    write(args.out, model, user_vocabulary, catalogue_titles, speed)
    print(", ".join(f"{name} {value:.6g}" for name, value in speed.items()))


if __name__ == "__main__":
    main()
