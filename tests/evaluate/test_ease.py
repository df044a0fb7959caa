import numpy as np
import pytest

from zoo.evaluate.retrieval import (
    choose_ease_l2,
    ease_scores,
    ease_weights,
    relevance_matrix,
    retrieval_metrics,
)


def ridge_per_column(x, l2):
    """EASE by its definition, one item at a time: B[:, j] = argmin ||X[:, j] - X B[:, j]||² + l2·||B[:, j]||²
    with B[j, j] = 0, i.e. a ridge regression of column j on the other columns (row and column j dropped)."""
    n_items = x.shape[1]
    weights = np.zeros((n_items, n_items))
    for j in range(n_items):
        others = np.delete(np.arange(n_items), j)
        rest = x[:, others]
        weights[others, j] = np.linalg.solve(rest.T @ rest + l2 * np.eye(n_items - 1), rest.T @ x[:, j])
    return weights


def random_pairs(seed, n_users=30, n_items=12, density=0.3):
    rng = np.random.default_rng(seed)
    x = (rng.random((n_users, n_items)) < density).astype(np.float64)
    return np.argwhere(x), x


@pytest.mark.parametrize("l2", [0.5, 10.0])
def test_ease_equals_a_ridge_regression_per_item(l2):
    pairs, x = random_pairs(int(l2))
    weights = ease_weights(pairs, *x.shape, l2)
    np.testing.assert_allclose(weights, ridge_per_column(x, l2), atol=1e-10)
    scores = ease_scores(pairs, *x.shape, l2)
    assert scores.shape == x.shape and scores.dtype == np.float32
    np.testing.assert_allclose(scores, x @ ridge_per_column(x, l2), rtol=1e-5, atol=1e-6)


def test_diagonal_is_zero_and_unseen_items_and_users_score_zero():
    pairs, x = random_pairs(3)
    weights = ease_weights(pairs, 32, 14, 1.0)  # user rows 30, 31 and item columns 12, 13 have no pair
    assert weights.shape == (14, 14)
    np.testing.assert_array_equal(np.diag(weights), 0)
    scores = ease_scores(pairs, 32, 14, 1.0)
    assert scores.shape == (32, 14)
    np.testing.assert_array_equal(scores[30:], 0)
    np.testing.assert_array_equal(scores[:, 12:], 0)


def test_duplicate_pairs_count_once():
    pairs, x = random_pairs(4)
    doubled = np.concatenate([pairs, pairs[::3]])
    np.testing.assert_array_equal(ease_scores(doubled, *x.shape, 2.0), ease_scores(pairs, *x.shape, 2.0))


def test_l2_must_be_positive():
    with pytest.raises(ValueError, match="l2 > 0"):
        ease_weights(np.array([[0, 0]]), 1, 1, 0)


def planted(seed=0, groups=5):
    """Training pairs and timestamps where a small l2 is plainly right, a large one plainly wrong.

    Every user rated P; a group's users rated its film A; 30% of users rated a popular film Q. A group's four
    "teachers" rated its sequel B, then (latest) a film only they have; its four "learners" rated B last. On
    the validation cut (each user's latest), a learner's held-out film is B. A large l2 scores by co-occurrence
    counts, where Q (rated with P by many) beats B; a small l2 learns that A predicts B and Q is chance.
    """
    rng = np.random.default_rng(seed)
    p, q = 0, 1
    pairs, stamps = [], []
    junk = 2 + 2 * groups
    for group in range(groups):
        a, b = 2 + 2 * group, 3 + 2 * group
        for member in range(8):
            user = 8 * group + member
            films = [p, a] + ([q] if rng.random() < 0.3 else [])
            films += [b, junk + user] if member < 4 else [b]
            pairs += [(user, film) for film in films]
            stamps += list(range(len(films)))  # in order: the last is the latest
    return np.array(pairs), np.array(stamps), 8 * groups, junk + 8 * groups


def test_the_chooser_picks_the_plainly_best_l2_from_training_alone():
    pairs, stamps, n_users, n_items = planted()
    best, table = choose_ease_l2(pairs, stamps, n_users, n_items, held_out=1, candidates=(0.01, 1e4),
                                 metric="recall@1", recall_ks=(1,), ndcg_k=1)
    assert best == 0.01 and set(table) == {0.01, 1e4}
    assert table[0.01]["recall@1"] >= 0.45 and table[1e4]["recall@1"] <= 0.1


def test_the_validation_split_is_each_users_latest_training_pairs():
    rng = np.random.default_rng(5)
    pairs, _ = random_pairs(5, n_users=20, n_items=15, density=0.5)
    stamps = rng.permutation(len(pairs))  # training order shuffled in time
    # By hand: per user, the 2 pairs with the largest timestamps, for users with more than 2.
    held = np.zeros(len(pairs), bool)
    for user in np.unique(pairs[:, 0]):
        rows = np.flatnonzero(pairs[:, 0] == user)
        if len(rows) > 2:
            held[rows[np.argsort(stamps[rows])[-2:]]] = True
    fit, validation = pairs[~held], pairs[held]
    candidates = (0.3, 3.0, 30.0)
    best, table = choose_ease_l2(pairs, stamps, 20, 15, held_out=2, candidates=candidates, recall_ks=(5,),
                                 metric="recall@5", ndcg_k=5)
    for l2 in candidates:
        expected = retrieval_metrics(ease_scores(fit, 20, 15, l2), relevance_matrix(validation, 20, 15),
                                     relevance_matrix(fit, 20, 15), recall_ks=(5,), ndcg_k=5)
        assert table[l2] == pytest.approx(expected)
    assert best in candidates and table[best]["recall@5"] == max(row["recall@5"] for row in table.values())


def test_chooser_bad_input():
    pairs, stamps, n_users, n_items = planted()
    with pytest.raises(ValueError, match="timestamps for"):
        choose_ease_l2(pairs, stamps[:-1], n_users, n_items)
    with pytest.raises(ValueError, match="nothing to validate"):
        choose_ease_l2(pairs, stamps, n_users, n_items, held_out=10)
    with pytest.raises(ValueError, match="unknown metric"):
        choose_ease_l2(pairs, stamps, n_users, n_items, held_out=1, metric="recall@7", recall_ks=(1,))
