"""Two-tower recommender: user and item embeddings from MovieLens-100k, served as one retrieval model.

What: `zoo.custom.TwoTower`: a user tower (id, age, gender, occupation) and an item tower (id, title, genres,
      year), trained with keras-rs's in-batch softmax (temperature, logQ correction, accidental hits removed).
      Every rating counts as a choice (implicit feedback). Ids go through lookups with an OOV bucket; 10% of
      training user ids are sent to it, so a user never seen gets a vector from their features (cold start).
Data: `movielens-100k` (943 users, 1,682 movies, 100,000 ratings; RecBole's copy), or your own files in the same
      format (`--ratings`, `--users`, `--items`; GroupLens u.data for ratings too). Temporal split: each user's
      10 latest ratings are held out; their items are ranked against the whole catalogue, the user's training
      items left out.
Expected: Recall@100 0.552 (most-popular items 0.340; TF Recommenders' tutorial model 0.366, BENCHMARKS.md),
      NDCG@10 0.142. A user the model has never seen, from age, gender and occupation alone: Recall@100 0.358
      (demographics add little to popularity here). Three exports pass `zoo check`: the user tower (user
      features -> embedding), the item tower (item features -> embedding) and the retrieval model (user
      features -> the k best items' ids, titles and scores; k larger than the catalogue is clamped to its
      size); item vectors go to a TensorBoard projector export labelled with titles.

    zoo run two_tower_movielens [--epochs 8] [--title-encoder minilm] [--no-logq] [--hard-negatives 100]
    TF_CONFIG=... zoo run two_tower_movielens --strategy multi_worker   # on each machine (README)
"""

import argparse

import keras
import numpy as np
import tensorflow as tf

from zoo import distribute
from zoo.custom import BucketizedEmbedding, CachedTextEncoder, CategoricalEmbedding, TextEmbedding, TwoTower
from zoo.custom.two_tower import SAMPLING_PROBABILITY
from zoo.data import movielens_split
from zoo.evaluate.retrieval import popularity_scores, relevance_matrix, retrieval_metrics
from zoo.recipes import HelpFormatter, Recipe, RenamedFlag, add_output_flags, checkpoint_dir
from zoo.serving import check, export
from zoo.static.vectors import Vectors
from zoo.training import EpochBackup
from zoo.views import write_projector

RECIPE = Recipe(
    name="two_tower_movielens", family="custom", data="movielens-100k",
    exports=("two_tower_movielens_user: user features -> embedding; "
             "two_tower_movielens_item: item features -> embedding; "
             "two_tower_movielens: user features -> top-k item_id, title, scores"),
    summary="two-tower recommender (keras-rs in-batch softmax, logQ); user and item vectors; cold start from features",
    metric="Recall@100", higher_is_better=True, quick_flags=("--epochs", "2"),
)

AGE_BOUNDARIES = [18, 25, 35, 45, 50, 56]  # MovieLens-1M's age groups
YEAR_BOUNDARIES = [1930, 1950, 1960, 1970, 1980, 1985, 1990, 1993, 1995, 1996, 1997]  # ML-100k is mostly 1990s
UNKNOWN_USER = "unknown user"  # a user id no training data has: the served model's cold-start case
NEW_ITEM = {"item_id": "new item", "title": "A Film Nobody Has Rated", "genres": "Drama", "year": 1998.0}


def add_data_and_training_flags(parser):
    """The data's flags (your files, the split) and the towers' training flags: this recipe's and
    recommender_movielens'."""
    parser.add_argument("--ratings", help="a ratings file of yours (RecBole .inter or GroupLens u.data)")
    parser.add_argument("--users", help="a users file of yours (RecBole .user)")
    parser.add_argument("--items", help="an items file of yours (RecBole .item)")
    parser.add_argument("--held-out", type=int, default=10, help="latest ratings per user held out for the test")
    parser.add_argument("--output-dim", "--dim", action=RenamedFlag, dest="output_dim", type=int, default=64,
                        help="size of the user and item vectors (--dim: deprecated spelling)")
    parser.add_argument("--epochs", type=int, default=8, help="passes over the training ratings")
    parser.add_argument("--batch-size", type=int, default=1024, help="also the number of in-batch candidates "
                        "(under a strategy of N replicas: each takes batch-size / N, its in-batch candidates)")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam's learning rate")
    parser.add_argument("--temperature", type=float, default=0.05,
                        help="softmax temperature of the in-batch retrieval loss")
    parser.add_argument("--oov-rate", type=float, default=0.1, help="share of training user ids sent to OOV")
    parser.add_argument("--seed", type=int, default=1337, help="random seed (weights, OOV sampling, order)")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run two_tower_movielens", description=__doc__,
                                     formatter_class=HelpFormatter)
    add_data_and_training_flags(parser)
    parser.add_argument("--no-logq", dest="logq", action="store_false", help="no sampling-probability correction")
    parser.add_argument("--hard-negatives", type=int, help="keep only this many hardest in-batch negatives")
    parser.add_argument("--title-encoder", choices=("words", "minilm"), default="words",
                        help="titles as learnt word vectors (TextEmbedding), or all-MiniLM-L6-v2 vectors (frozen)")
    parser.add_argument("--k", type=int, default=100, help="items the served retrieval model returns")
    add_output_flags(parser)
    parser.add_argument("--views-dir", default="views/two_tower_movielens", help="the projector export")
    parser.add_argument("--name", default="two_tower_movielens", help="export name of the retrieval model")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    distribute.add_strategy_flag(parser)
    return parser.parse_args(argv)


def tower_features(args, users, items, train_pairs):
    """({user feature: layer}, {item feature: layer}), each layer from its raw value to a vector; ids known from
    training."""
    train_users = users["user_id"][np.unique(train_pairs[:, 0])]
    train_items = items["item_id"][np.unique(train_pairs[:, 1])]
    if args.title_encoder == "minilm":  # encoded once per title; a new title runs MiniLM in the graph
        from zoo.contextual import TextEncoder

        title = CachedTextEncoder(TextEncoder.from_preset(), items["title"].tolist())
    else:
        title = TextEmbedding(max_tokens=5_000, output_dim=32, sequence_length=16)  # ML-100k titles: 2,396 words
        title.adapt(items["title"].tolist())
    user_features = {
        "user_id": CategoricalEmbedding(32, vocabulary=train_users.tolist(), oov_rate=args.oov_rate,
                                        seed=args.seed),
        "age": BucketizedEmbedding(AGE_BOUNDARIES, 8),
        "gender": CategoricalEmbedding(4, vocabulary=["M", "F"]),
        "occupation": CategoricalEmbedding(8, vocabulary=sorted(set(users["occupation"]))),
    }
    item_features = {
        "item_id": CategoricalEmbedding(32, vocabulary=train_items.tolist()),
        "title": title,
        "genres": CategoricalEmbedding(8, vocabulary=sorted({g for x in items["genres"] for g in x.split()}),
                                       separator=" "),
        "year": BucketizedEmbedding(YEAR_BOUNDARIES, 8),
    }
    return user_features, item_features


def build_towers(args, users, items, train_pairs):
    """The TwoTower of `tower_features`."""
    return TwoTower(*tower_features(args, users, items, train_pairs), output_dim=args.output_dim,
                    temperature=args.temperature, logq_correction=args.logq, num_hard_negatives=args.hard_negatives)


def load_split(args):
    """(users, items, train_pairs, test_pairs): feature tables and (user row, item row) pairs."""
    split = movielens_split.load_split(args.ratings, args.users, args.items, args.held_out)
    return split.users, split.items, split.train_pairs, split.test_pairs


def training_data(args, users, items, train_pairs, more=None):
    """One example per training rating: the user's and the item's features, the item's sampling probability, and
    `more` features ({name: one value per rating})."""
    examples = {**{k: v[train_pairs[:, 0]] for k, v in users.items()},
                **{k: v[train_pairs[:, 1]] for k, v in items.items()}, **(more or {})}
    examples[SAMPLING_PROBABILITY] = TwoTower.sampling_probabilities(examples["item_id"])
    # Shuffle row numbers and gather each batch's rows, rather than shuffle the examples themselves: tf.data
    # then moves one integer per example instead of nine features, strings among them (faster training).
    columns = {name: tf.constant(values) for name, values in examples.items()}
    return (tf.data.Dataset.range(len(train_pairs)).shuffle(len(train_pairs), seed=args.seed)
            .batch(args.batch_size, drop_remainder=True)
            .map(lambda rows: {name: tf.gather(column, rows) for name, column in columns.items()})
            .prefetch(tf.data.AUTOTUNE))


def main(argv=None):
    args = parse_args(argv)
    strategy = distribute.make_strategy(args.strategy)  # first: a multi-worker strategy sets up TensorFlow
    keras.utils.set_random_seed(args.seed)

    # 1. Data: users, items, ratings; each user's latest ratings held out.
    users, items, train_pairs, test_pairs = load_split(args)
    print(f"1. data: {len(users['user_id'])} users, {len(items['item_id'])} items; {len(train_pairs):,} training "
          f"and {len(test_pairs):,} held-out ratings (each user's {args.held_out} latest)")

    # 2. Model: the towers, from the training users' and items' features; variables in the strategy's scope.
    with strategy.scope():
        towers = build_towers(args, users, items, train_pairs)
        towers.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    print(f"2. model: {towers.count_params():,} parameters")

    # 3. Train, resumable: an interrupted run restarts from its last finished epoch. Under a strategy each replica
    #    takes its share of a batch (tf.data splits each batch over the workers) and gradients are averaged.
    def dataset():  # a function: under parameter servers, each worker makes its own
        return training_data(args, users, items, train_pairs)

    backup = distribute.worker_folder(checkpoint_dir(args, "two_tower_movielens"), strategy)
    distribute.fit(towers, strategy, dataset, epochs=args.epochs, verbose=args.verbose, shuffle=False,
                   callbacks=[EpochBackup(backup)])
    towers = distribute.trained_model(towers, strategy)  # under parameter servers: read back to this process
    print(f"3. trained: {args.epochs} epochs of {len(train_pairs) // args.batch_size} batches of {args.batch_size} "
          f"({distribute.describe(strategy)})")

    # 4. Evaluate: rank the whole catalogue for each user; popularity and features-only beside it.
    item_vectors = towers.item_embedding(items)
    relevant = relevance_matrix(test_pairs, len(users["user_id"]), len(items["item_id"]))
    seen = relevance_matrix(train_pairs, len(users["user_id"]), len(items["item_id"]))
    results = {
        "two-tower": retrieval_metrics(towers.user_embedding(users) @ item_vectors.T, relevant, seen),
        "features only (user id unknown)": retrieval_metrics(
            towers.user_embedding({**users, "user_id": np.full_like(users["user_id"], UNKNOWN_USER)})
            @ item_vectors.T, relevant, seen),
        "most popular": retrieval_metrics(popularity_scores(train_pairs[:, 1], *relevant.shape), relevant, seen),
    }
    print("4. held-out ratings, whole-catalogue ranking:")
    for name, metrics in results.items():
        print(f"   {name:32s} " + "  ".join(f"{k} {v:.4f}" for k, v in metrics.items()))

    summary = {"value": results["two-tower"]["recall@100"], "baseline": results["most popular"]["recall@100"],
               "results": results, "exports": [], "projector": None}
    if not distribute.is_chief(strategy):  # the chief alone writes what outlives training
        print("5-6. views and exports: left to the chief")
        distribute.barrier(strategy)  # ends with the chief, which has exported
        return summary

    # 5. Look at the item vectors: a TensorBoard projector export labelled with titles.
    labels = [f"{title} ({int(year) or '?'})" for title, year in zip(items["title"], items["year"])]
    projector = write_projector(Vectors(labels, item_vectors), f"{args.views_dir}/projector", name="items")
    print(f"5. views: `tensorboard --logdir {projector}`")

    # 6. Export the two towers and the retrieval model; check that TF Serving can load and run them.
    user_warmup = {k: v[[0, 1, 0]].tolist() for k, v in users.items()}  # two users from the file, and
    user_warmup["user_id"][-1] = UNKNOWN_USER  # a cold-start one: the first user's features, an unknown id
    item_warmup = {k: v[:2].tolist() for k, v in items.items()}  # two items from the file, and a new one
    for name, value in NEW_ITEM.items():
        item_warmup[name].append(value)
    retrieval = towers.retrieval_model(items, k=args.k, returned=("item_id", "title"), name=args.name)
    paths = [
        export(towers.query_tower, f"{args.name}_user", user_warmup, root=args.export_dir),
        export(towers.candidate_tower, f"{args.name}_item", item_warmup, root=args.export_dir),
        export(retrieval, args.name, user_warmup, root=args.export_dir),
    ]
    for path in paths:
        print(check(path).summary())
    distribute.barrier(strategy)
    return {**summary, "exports": [str(p) for p in paths], "projector": projector}


if __name__ == "__main__":
    main()
