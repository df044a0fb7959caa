"""Retrieval quality: Recall@k and NDCG@k of a score matrix (queries x candidates) against held-out items.

The metrics are keras-rs's (`keras_rs.metrics.RecallAtK`, `NDCG`); this module builds their inputs the way a
recommender is judged: every candidate in the catalogue is ranked, the items a user already has in training are
masked out (a recommender does not re-recommend them), and the held-out items are the relevant ones.
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


def popularity_scores(train_candidates, n_queries, n_candidates):
    """The most-popular baseline: every query scores each candidate by its count in training."""
    counts = np.bincount(np.asarray(train_candidates, np.int64), minlength=n_candidates).astype(np.float32)
    return np.broadcast_to(counts, (n_queries, n_candidates))
