"""LeaveOutCandidateIndex against plain numpy: the top k of the dot products with the left-out rows removed;
unknown ids and repeats change nothing; a list of more ids than the catalogue leaves nothing (index -1, the finite
NO_CANDIDATE score, "" from CandidateValues)."""

import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import LeaveOutCandidateIndex
from zoo.custom.candidate_values import CandidateValues

IDS = ["a", "b", "c", "d", "e"]
RNG = np.random.default_rng(3)
ITEMS, QUERIES = RNG.normal(size=(5, 3)).astype(np.float32), RNG.normal(size=(4, 3)).astype(np.float32)


def expected(query, left_out, k):
    scores = ITEMS @ query
    order = [i for i in np.argsort(-scores) if IDS[i] not in left_out][:k]
    return scores[order], order


@pytest.mark.parametrize("k", [2, 5])
def test_the_top_k_of_the_rows_not_left_out(k):
    index = LeaveOutCandidateIndex(ITEMS, candidate_ids=IDS, k=k)
    leave_out = ["a c", "", "b b zz", " ".join(IDS[:4])]
    scores, rows = (x.numpy() for x in index([tf.constant(QUERIES), tf.constant(leave_out)]))
    for query, left, got_scores, got_rows in zip(QUERIES, leave_out, scores, rows):
        want_scores, want_rows = expected(query, left.split(), k)
        n = len(want_rows)
        np.testing.assert_allclose(got_scores[:n], want_scores, rtol=1e-5)
        assert got_rows[:n].tolist() == want_rows
        assert np.all(got_rows[n:] == -1) and np.all(got_scores[n:] == LeaveOutCandidateIndex.NO_CANDIDATE)


def test_more_ids_than_the_catalogue_leave_nothing_and_the_values_are_empty():
    index = LeaveOutCandidateIndex(ITEMS, candidate_ids=IDS, k=3)
    scores, rows = index([tf.constant(QUERIES[:1]), tf.constant([" ".join(IDS * 2 + ["new"])])])
    assert rows.numpy().tolist() == [[-1, -1, -1]] and np.all(np.isfinite(scores.numpy()))
    assert CandidateValues(IDS)(rows).numpy().tolist() == [[b"", b"", b""]]


def test_one_id_per_candidate_is_required():
    with pytest.raises(ValueError, match="one id per candidate"):
        LeaveOutCandidateIndex(ITEMS, candidate_ids=IDS[:2], k=2)
