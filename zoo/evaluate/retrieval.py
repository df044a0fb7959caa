"""Retrieval quality: Recall@k and NDCG@k of a score matrix (queries x candidates) against held-out items.

The metrics are keras-rs's (`keras_rs.metrics.RecallAtK`, `NDCG`); this module builds their inputs the way a
recommender is judged: every candidate in the catalogue is ranked, the items a user already has in training are
masked out (a recommender does not re-recommend them), and the held-out items are the relevant ones.
Two baselines score the same way: most-popular items (`popularity_scores`) and EASE (`ease_scores`, its l2 chosen
on a validation split cut from training by `choose_ease_l2`).
"""

import keras_rs
import numpy as np

TIE_SEED = 1337


def relevance_matrix(rows, n_queries, n_candidates):
    """A (n_queries, n_candidates) 0/1 float32 matrix with 1 at each (query, candidate) of `rows` (pairs)."""
    matrix = np.zeros((n_queries, n_candidates), np.float32)
    if len(rows):
        queries, candidates = np.asarray(rows).T
        matrix[queries, candidates] = 1
    return matrix


def retrieval_metrics(scores, relevant, seen=None, recall_ks=(10, 50, 100), ndcg_k=10, batch_size=1024):
    """{"recall@k": ..., "ndcg@k": ...} averaged over the queries with at least one relevant candidate.

    scores: (queries, candidates), higher is better. relevant: the same shape, 1 where a candidate is relevant
    (held out). seen: the same shape, 1 where a candidate is excluded from that query's ranking (its training
    items); None excludes nothing. Equal scores are ordered at random (keras-rs shuffles ties whenever a mask is
    given) from a fixed seed, so the figures repeat; popularity counts tie often, model scores hardly ever.
    """
    scores, relevant = np.asarray(scores, np.float32), np.asarray(relevant, np.float32)
    if scores.shape != relevant.shape:
        raise ValueError(f"scores {scores.shape} and relevant {relevant.shape} differ in shape")
    keep = relevant.sum(1) > 0
    mask = np.ones_like(relevant, bool) if seen is None else ~np.asarray(seen, bool)
    scores, relevant, mask = scores[keep], relevant[keep], mask[keep]
    metrics = {f"recall@{k}": keras_rs.metrics.RecallAtK(k=k, seed=TIE_SEED) for k in recall_ks}
    metrics[f"ndcg@{ndcg_k}"] = keras_rs.metrics.NDCG(k=ndcg_k, seed=TIE_SEED)
    for start in range(0, len(scores), batch_size):
        part = slice(start, start + batch_size)
        for metric in metrics.values():
            metric.update_state({"labels": relevant[part], "mask": mask[part]}, scores[part])
    return {name: float(metric.result()) for name, metric in metrics.items()}


def answer_scores(model, features, candidate_ids, returned="item_id", batch_size=256):
    """(queries, candidates) scores that put each query's answer from a served retrieval model first, in its order
    (the rest -inf): what `retrieval_metrics` takes, to score the model a server would run.

    Args:
        model: a Keras model returning, as `returned`, (batch, k) candidate ids, best first ("" for none).
        features: {input name: numpy array}, one row per query.
        candidate_ids: the catalogue's ids, in the columns' order.
    """
    import tensorflow as tf

    column = {str(c).encode(): i for i, c in enumerate(candidate_ids)}
    n = len(next(iter(features.values())))
    scores = np.full((n, len(candidate_ids)), -np.inf, np.float32)
    for start in range(0, n, batch_size):
        batch = {name: tf.constant(values[start:start + batch_size]) for name, values in features.items()}
        for query, ids in enumerate(model(batch)[returned].numpy(), start=start):
            for rank, candidate in enumerate(ids):
                if candidate in column:
                    scores[query, column[candidate]] = len(ids) - rank
    return scores


def popularity_scores(train_candidates, n_queries, n_candidates):
    """The most-popular baseline: every query scores each candidate by its count in training."""
    counts = np.bincount(np.asarray(train_candidates, np.int64), minlength=n_candidates).astype(np.float32)
    return np.broadcast_to(counts, (n_queries, n_candidates))


# === EASE (Steck 2019): the closed-form item-item baseline ===
# Written by hand: keras-rs and KerasHub have no EASE; it is a few lines of numpy.

EASE_L2_CANDIDATES = (10, 30, 100, 300, 1000, 3000)


def ease_weights(train_pairs, n_users, n_items, l2):
    """EASE's item-item weights B (n_items, n_items, float64), diag(B) = 0.

    "Embarrassingly Shallow Autoencoders for Sparse Data" (Steck 2019): X is the binary user x item matrix of
    `train_pairs` ((user row, item row) ints, shape (N, 2); a pair given twice counts once), G = XᵀX + l2·I,
    P = G⁻¹ and B = I - P·diag(1/diag(P)), the closed form of min ||X - XB||² + l2·||B||² subject to diag(B) = 0.
    Cost: one items x items inverse, O(items³) time and O(items²) memory: a second for thousands of items, out of
    reach for millions. An item nobody rated in training gets a zero column (never recommended), and a user
    with no training row scores zero everywhere: EASE cannot embed what it never saw.
    """
    if not l2 > 0:
        raise ValueError(f"EASE needs l2 > 0 (the inverse of XᵀX alone may not exist), got {l2}")
    x = relevance_matrix(train_pairs, n_users, n_items).astype(np.float64)
    return _ease_from_gram(x.T @ x, l2)


def _ease_from_gram(gram, l2):
    p = np.linalg.inv(gram + l2 * np.eye(len(gram)))
    weights = -p / np.diag(p)  # B = I - P·diag(1/diag(P)): off the diagonal, -P[i, j] / P[j, j]
    np.fill_diagonal(weights, 0.0)
    return weights


def ease_scores(train_pairs, n_users, n_items, l2):
    """EASE's scores X·B (n_users, n_items, float32) of every item for every user; see `ease_weights`.

    Example:
        scores = ease_scores(train_pairs, n_users, n_items, l2=300)
        metrics = retrieval_metrics(scores, relevant, seen)
    """
    x = relevance_matrix(train_pairs, n_users, n_items)
    return (x @ ease_weights(train_pairs, n_users, n_items, l2)).astype(np.float32)


def choose_ease_l2(train_pairs, timestamps, n_users, n_items, held_out=10, candidates=EASE_L2_CANDIDATES,
                   metric="recall@100", recall_ks=(10, 50, 100), ndcg_k=10):
    """(best l2, {l2: validation metrics}): EASE's l2 chosen on a validation split cut from TRAINING only.

    The validation split is cut the way the test is (zoo.data.movielens.split_latest): each user's `held_out`
    latest training pairs by `timestamps` (one per pair; ties by order), users with no more than `held_out`
    staying whole. EASE is fitted on the rest for each candidate l2 and scored by `retrieval_metrics` (each
    user's remaining training items excluded); the best `metric` wins, the smaller l2 on a tie. Only training
    pairs come in: the test is never looked at. Refit on all training with the chosen l2 for the test.
    """
    from zoo.data.movielens import Rating, split_latest

    train_pairs = np.asarray(train_pairs, np.int64).reshape(-1, 2)
    timestamps = np.asarray(timestamps)
    if len(timestamps) != len(train_pairs):
        raise ValueError(f"{len(timestamps)} timestamps for {len(train_pairs)} training pairs")
    records = [Rating(user, item, 1.0, stamp) for (user, item), stamp in zip(train_pairs.tolist(), timestamps.tolist())]
    fit, validation = (np.array([(r.user_id, r.item_id) for r in part], np.int64).reshape(-1, 2)
                       for part in split_latest(records, held_out))
    if not len(validation):
        raise ValueError(f"no user has more than {held_out} training pairs: nothing to validate on")
    x = relevance_matrix(fit, n_users, n_items)
    relevant = relevance_matrix(validation, n_users, n_items)
    gram = x.astype(np.float64).T @ x  # shared by every l2
    table = {}
    for l2 in candidates:
        scores = (x @ _ease_from_gram(gram, l2)).astype(np.float32)
        table[l2] = retrieval_metrics(scores, relevant, x, recall_ks=recall_ks, ndcg_k=ndcg_k)
    if metric not in table[candidates[0]]:
        raise ValueError(f"unknown metric {metric!r}; computed: {', '.join(table[candidates[0]])}")
    best = max(candidates, key=lambda l2: (table[l2][metric], -l2))
    return best, table
