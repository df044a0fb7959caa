import numpy as np
import pytest

from zoo.evaluate.retrieval import popularity_scores, relevance_matrix, retrieval_metrics


def numpy_reference(scores, relevant, seen, k):
    """Recall@k and binary NDCG@k by hand: rank the unseen candidates, ties in candidate order."""
    recalls, ndcgs = [], []
    for row_scores, row_relevant, row_seen in zip(scores, relevant, seen):
        if not row_relevant.any():
            continue
        order = [i for i in np.argsort(-row_scores, kind="stable") if not row_seen[i]]
        top = row_relevant[order[:k]]
        recalls.append(top.sum() / row_relevant.sum())
        ideal = np.sort(row_relevant[~row_seen])[::-1][:k]
        discount = 1 / np.log2(np.arange(2, k + 2))
        ndcgs.append((top * discount[:len(top)]).sum() / (ideal * discount[:len(ideal)]).sum())
    return np.mean(recalls), np.mean(ndcgs)


@pytest.mark.parametrize("k", [1, 10, 50])
def test_recall_and_ndcg_equal_a_numpy_reference(k):
    rng = np.random.default_rng(k)
    scores = rng.normal(size=(40, 200)).astype(np.float32)
    relevant = (rng.random((40, 200)) < 0.04).astype(np.float32)
    relevant[3] = 0  # a query with nothing held out: left out of the mean
    seen = (rng.random((40, 200)) < 0.2) & (relevant == 0)
    metrics = retrieval_metrics(scores, relevant, seen, recall_ks=(k,), ndcg_k=k)
    recall, ndcg = numpy_reference(scores, relevant, seen, k)
    assert metrics[f"recall@{k}"] == pytest.approx(recall, abs=1e-6)
    assert metrics[f"ndcg@{k}"] == pytest.approx(ndcg, abs=1e-6)


def test_seen_items_are_not_ranked():
    scores = np.array([[9.0, 8.0, 1.0]])
    relevant = np.array([[0.0, 0.0, 1.0]])
    assert retrieval_metrics(scores, relevant, recall_ks=(1,))["recall@1"] == 0
    assert retrieval_metrics(scores, relevant, [[1, 1, 0]], recall_ks=(1,))["recall@1"] == 1


def test_perfect_and_reversed_rankings():
    relevant = np.eye(5, dtype=np.float32)
    assert retrieval_metrics(relevant, relevant, recall_ks=(1,), ndcg_k=3) == {"recall@1": 1.0, "ndcg@3": 1.0}
    assert retrieval_metrics(-relevant, relevant, recall_ks=(4,), ndcg_k=4) == {"recall@4": 0.0, "ndcg@4": 0.0}


def test_relevance_matrix_and_popularity():
    np.testing.assert_array_equal(relevance_matrix([(0, 2), (1, 0)], 2, 3), [[0, 0, 1], [1, 0, 0]])
    assert relevance_matrix(np.zeros((0, 2), int), 2, 3).sum() == 0
    np.testing.assert_array_equal(popularity_scores([2, 2, 0], 2, 3), [[1, 0, 2], [1, 0, 2]])


def test_shapes_must_agree():
    with pytest.raises(ValueError, match="differ in shape"):
        retrieval_metrics(np.zeros((2, 3)), np.zeros((2, 4)))


def test_ties_are_broken_the_same_way_each_time():
    scores = np.tile(np.array([3, 3, 3, 3, 1, 1, 1, 1], np.float32), (50, 1))  # popularity-like: many ties
    relevant = np.zeros_like(scores)
    relevant[np.arange(50), np.arange(50) % 8] = 1
    first = retrieval_metrics(scores, relevant, recall_ks=(2,))
    assert all(retrieval_metrics(scores, relevant, recall_ks=(2,)) == first for _ in range(3))
    assert 0.05 < first["recall@2"] < 0.45  # ties shuffled: about 2 of the 4 tied top scores, half the rows
