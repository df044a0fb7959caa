"""History-aware recommender: retrieval, then ranking, served as one model that leaves out what the user has seen.

What: retrieval: the two-tower model of `two_tower_movielens` (keras-rs in-batch softmax, logQ correction) with
      one more user feature, the user's latest items (`zoo.custom.HistoryEmbedding`, attention over the items
      and their recency); each training rating's history holds the same user's strictly earlier ratings only.
      Ranking (`zoo.custom.RankingStage`): the 200 retrieved candidates rescored by a linear scorer over their
      retrieval logit, an item-to-item score from the history (EASE's weights, λ chosen on a validation cut) and
      their popularity, trained with keras-rs's PairwiseLogisticLoss without leak: on lists that a retrieval
      model refitted without each user's 5 latest training ratings makes, with those ratings as positives.
      A user with no id but a history (a new user who rated a few films) is served from the history.
Data: `movielens-100k`, the split of `two_tower_movielens` (each user's 10 latest ratings held out, the whole
      catalogue ranked, training items left out), or your own files in the same format.
Expected: retrieval + ranking Recall@100 0.63, NDCG@10 0.195; retrieval alone 0.607 / 0.167 (EASE, λ chosen on
      validation: 0.557 / 0.145; most popular 0.340 / 0.083). A new user from demographics and 5 films: Recall@100
      0.52 from retrieval. Two exports pass `zoo check`: the served model (user features, history, leave_out ->
      the k best items' ids, titles and scores, after retrieval and ranking) and the user tower.

    zoo run recommender_movielens [--epochs 8] [--history-length 20] [--no-ranking]
"""

import argparse
import time

import keras
import numpy as np

from zoo import distribute
from zoo.custom import HistoryEmbedding, LeaveOutCandidateIndex, RankingStage, TwoTower
from zoo.custom.candidate_values import CandidateValues
from zoo.custom.feature_tower import feature_dtype
from zoo.data.histories import rating_histories, user_histories
from zoo.data.movielens import split_latest
from zoo.data.movielens_split import load_split
from zoo.evaluate import retrieval
from zoo.recipes import HelpFormatter, Recipe, add_output_flags, checkpoint_dir
from zoo.recipes import two_tower_movielens as two_tower
from zoo.serving import check, export
from zoo.training import EpochBackup

RECIPE = Recipe(
    name="recommender_movielens", family="custom", data="movielens-100k",
    exports=("recommender_movielens: user features, history, leave_out -> top-k item_id, title, scores; "
             "recommender_movielens_user: user features, history -> embedding"),
    summary="history-aware two-tower retrieval, then a ranking stage (keras-rs pairwise loss); leave-out served",
    metric="Recall@100", higher_is_better=True, quick_flags=("--epochs", "2"),
)

NEW_USER_FILMS = 5  # a new user's history in the cold-start evaluation: their latest films


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run recommender_movielens", description=__doc__,
                                     formatter_class=HelpFormatter)
    two_tower.add_data_and_training_flags(parser)
    parser.add_argument("--history-length", type=int, default=20, help="latest items a user's history keeps")
    parser.add_argument("--pooling", choices=("attention", "mean"), default="attention",
                        help="how the history's items are pooled")
    parser.add_argument("--k", type=int, default=100, help="items the served model returns")
    parser.add_argument("--no-ranking", dest="ranking", action="store_false", help="retrieval alone")
    parser.add_argument("--candidates", type=int, default=200, help="retrieved candidates the ranking rescores")
    parser.add_argument("--ranking-targets", type=int, default=5,
                        help="latest training ratings per user that the ranking learns from (see What)")
    parser.add_argument("--ease-l2", type=float, help="EASE's λ (default: chosen on a validation cut)")
    add_output_flags(parser)
    parser.add_argument("--name", default="recommender_movielens", help="export name of the served model")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    args = parser.parse_args(argv)
    if args.ranking and args.candidates < args.k:
        parser.error(f"--candidates ({args.candidates}) must be at least --k ({args.k})")
    args.title_encoder, args.logq, args.hard_negatives = "words", True, None  # two_tower_movielens' defaults
    return args


def build_model(args, users, items, train_pairs):
    """TwoTower with `two_tower_movielens`' features and the user's history."""
    user_features, item_features = two_tower.tower_features(args, users, items, train_pairs)
    known_items = items["item_id"][np.unique(train_pairs[:, 1])].tolist()
    user_features["history"] = HistoryEmbedding(32, vocabulary=known_items, max_length=args.history_length,
                                                pooling=args.pooling)
    return TwoTower(user_features, item_features, output_dim=args.output_dim, temperature=args.temperature)


def training_data(args, users, items, train, train_pairs):
    """`two_tower_movielens`' examples, each with its history (the user's strictly earlier ratings)."""
    return two_tower.training_data(args, users, items, train_pairs,
                                   {"history": rating_histories(train, args.history_length)})


def fit_retrieval(args, users, items, ratings, pairs, backup=None):
    towers = build_model(args, users, items, pairs)
    towers.compile(optimizer=keras.optimizers.Adam(args.learning_rate))
    towers.fit(training_data(args, users, items, ratings, pairs), epochs=args.epochs, verbose=args.verbose,
               callbacks=[EpochBackup(backup)] if backup else [])
    return towers


def fit_ranking_stage(args, users, items, train, train_pairs):
    """The RankingStage, its scorer trained on lists that a retrieval model refitted without each user's latest
    `--ranking-targets` training ratings makes (those ratings: the positives); its tables then from all training."""
    row = {(r.user_id, r.item_id): i for i, r in enumerate(train)}
    earlier, targets = split_latest(train, args.ranking_targets)
    earlier_pairs, target_pairs = (train_pairs[[row[r.user_id, r.item_id] for r in part]] for part in (earlier,
                                                                                                        targets))
    shape = (len(users["user_id"]), len(items["item_id"]))
    timestamps = [r.timestamp for r in earlier]
    l2 = args.ease_l2 or retrieval.choose_ease_l2(earlier_pairs, timestamps, *shape, args.held_out)[0]
    towers = fit_retrieval(args, users, items, earlier, earlier_pairs)
    histories = user_histories(users["user_id"], earlier, args.history_length)
    scores = towers.user_embedding({**users, "history": histories}) @ towers.item_embedding(items).T
    scores[earlier_pairs[:, 0], earlier_pairs[:, 1]] = -np.inf  # seen
    candidates = np.argsort(-scores, axis=1)[:, :args.candidates]
    stage = RankingStage(items["item_id"].tolist(), k=args.k, temperature=args.temperature,
                         max_length=args.history_length, name="ranking")

    def tables(pairs):  # EASE's item-to-item weights and the items' counts
        return retrieval.ease_weights(pairs, *shape, l2), np.bincount(pairs[:, 1], minlength=shape[1])

    stage.set_tables(*tables(earlier_pairs))  # the scorer learns with the cut's tables, then serves with all's
    labels = np.take_along_axis(retrieval.relevance_matrix(target_pairs, *shape), candidates, axis=1)
    stage.fit(np.take_along_axis(scores, candidates, axis=1), candidates, histories, labels)
    stage.set_tables(*tables(train_pairs))
    print(f"   ranking: EASE λ {l2:g}; scorer weights " + ", ".join(
        f"{name} {w:.3f}" for name, w in zip(RankingStage.FEATURES, stage.scorer.kernel.numpy().ravel())))
    return stage


def served_model(towers, items, k, name, ranking=None, candidates=200):
    """User features + history + leave_out (space-separated item ids) -> the k best unseen items: retrieval, then
    the ranking stage when given (it rescores `candidates` retrieved items)."""
    inputs = {name: keras.Input(shape=(), dtype=feature_dtype(layer), name=name)
              for name, layer in towers.query_tower.feature_layers.items()}
    inputs["leave_out"] = keras.Input(shape=(), dtype="string", name="leave_out")
    retrieved = min(candidates if ranking else k, len(items["item_id"]))
    index = LeaveOutCandidateIndex(towers.item_embedding(items), candidate_ids=items["item_id"].tolist(),
                                   k=retrieved, name="top_k")
    query = towers.query_tower({f: inputs[f] for f in towers.query_tower.feature_names})
    scores, rows = index([query, inputs["leave_out"]])
    if ranking is not None:
        scores, rows = ranking([scores, rows, inputs["history"]])
    outputs = {"scores": scores, **{f: CandidateValues(items[f], name=f)(rows) for f in ("item_id", "title")}}
    return keras.Model(inputs, outputs, name=name)


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "recommender_movielens", distribute.NOT_WIRED)
    keras.utils.set_random_seed(args.seed)

    # 1. Data: the two-tower split; each training rating's history, each user's latest items.
    users, items, train, _, train_pairs, test_pairs = load_split(args.ratings, args.users, args.items, args.held_out)
    histories = user_histories(users["user_id"], train, args.history_length)
    print(f"1. data: {len(users['user_id'])} users, {len(items['item_id'])} items; {len(train_pairs):,} training "
          f"ratings with their histories (up to {args.history_length} earlier items), {len(test_pairs):,} held out")

    # 2. Retrieval: two towers, the user's also reading the history; resumable (restarts after its last epoch).
    started = time.perf_counter()
    towers = fit_retrieval(args, users, items, train, train_pairs, checkpoint_dir(args, "recommender_movielens"))
    print(f"2. retrieval: {towers.count_params():,} parameters, history pooled by {args.pooling}, {args.epochs} "
          f"epochs, {time.perf_counter() - started:.0f} s")

    # 3. Ranking: its scorer learnt on a cut of the training ratings (no leak), then its tables from all of them.
    started = time.perf_counter()
    ranking = fit_ranking_stage(args, users, items, train, train_pairs) if args.ranking else None
    print(f"3. ranking stage: {f'rescores {args.candidates} candidates' if ranking else 'none'}, "
          f"{time.perf_counter() - started:.0f} s")

    # 4. Evaluate: the whole catalogue ranked for each user, training items left out; cold starts and popularity.
    shape = (len(users["user_id"]), len(items["item_id"]))
    relevant, seen = (retrieval.relevance_matrix(pairs, *shape) for pairs in (test_pairs, train_pairs))
    unknown = np.full_like(users["user_id"], two_tower.UNKNOWN_USER)
    few = np.array([" ".join(h.split()[-NEW_USER_FILMS:]) for h in histories])
    views = {"retrieval (history-aware two-tower)": {**users, "history": histories},
             "  user id unknown, history": {**users, "user_id": unknown, "history": histories},
             f"  new user: demographics, {NEW_USER_FILMS} films": {**users, "user_id": unknown, "history": few},
             "  demographics only": {**users, "user_id": unknown, "history": np.full_like(histories, "")}}
    item_vectors = towers.item_embedding(items)
    scores = {name: towers.user_embedding(features) @ item_vectors.T for name, features in views.items()}
    served = served_model(towers, items, args.k, args.name, ranking, args.candidates)
    if ranking:  # what the served model answers, each user's training items as the leave-out list
        leave_out = np.array([" ".join(items["item_id"][seen[user] > 0]) for user in range(shape[0])])
        scores["retrieval + ranking (served)"] = retrieval.answer_scores(
            served, {**users, "history": histories, "leave_out": leave_out}, items["item_id"])
    scores["most popular"] = retrieval.popularity_scores(train_pairs[:, 1], *shape)
    results = {name: retrieval.retrieval_metrics(matrix, relevant, seen) for name, matrix in scores.items()}
    print("4. held-out ratings, whole-catalogue ranking, training items left out:")
    for name, metrics in results.items():
        print(f"   {name:40s} " + "  ".join(f"{key} {value:.4f}" for key, value in metrics.items()))

    # 5. Export the served model (leave-out list in) and the user tower; check that TF Serving can run them.
    warmup = {k: v[[0, 1, 0, 0]].tolist() for k, v in users.items()}  # two known users, a new one, and neither
    warmup["user_id"][2:] = [two_tower.UNKNOWN_USER] * 2
    warmup["history"] = [histories[0], histories[1], few[0], ""]
    leave_out = {"leave_out": [histories[0], " ".join(["unknown-item", few[1], few[1]]), "",  # and, last, more
                               " ".join([*items["item_id"], "unknown-item"])]}  # ids than the catalogue has
    paths = [export(served, args.name, {**warmup, **leave_out}, root=args.export_dir),
             export(towers.query_tower, f"{args.name}_user", warmup, root=args.export_dir)]
    for path in paths:
        print(check(path).summary())
    value = results["retrieval + ranking (served)" if ranking else "retrieval (history-aware two-tower)"]
    return {"value": value["recall@100"], "baseline": results["most popular"]["recall@100"], "results": results,
            "exports": [str(p) for p in paths]}


if __name__ == "__main__":
    main()
