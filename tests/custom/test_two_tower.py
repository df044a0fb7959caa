import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.custom import CategoricalEmbedding, TwoTower
from zoo.custom.two_tower import SAMPLING_PROBABILITY
from zoo.evaluate.retrieval import relevance_matrix, retrieval_metrics

SMALLEST = -np.finfo(np.float32).max / 100  # what keras-rs adds to an accidental hit's score


def make_towers(users, items, **kwargs):
    return TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=users), "group": CategoricalEmbedding(
                        4, vocabulary=["a", "b"])},
                    {"item_id": CategoricalEmbedding(8, vocabulary=items)}, output_dim=8, hidden_units=(16,), **kwargs)


def numpy_loss(query, candidate, ids, probability, temperature, hard_negatives=None):
    scores = query @ candidate.T / temperature
    scores = scores + SMALLEST * ((ids[:, None] == ids[None, :]) & ~np.eye(len(ids), dtype=bool))
    scores = scores - np.log(np.clip(probability, 1e-6, 1))[None, :]
    losses = []
    for i, row in enumerate(scores):
        negatives = np.delete(row, i)
        if hard_negatives:
            negatives = np.sort(negatives)[::-1][:hard_negatives]
        kept = np.concatenate([[row[i]], negatives])
        losses.append(np.log(np.exp(kept - kept.max()).sum()) + kept.max() - row[i])
    return np.mean(losses)


@pytest.mark.parametrize("hard_negatives", [None, 2])
def test_loss_is_in_batch_softmax_with_logq_and_accidental_hits_removed(hard_negatives):
    towers = make_towers(["1"], ["x"], temperature=0.1, num_hard_negatives=hard_negatives)
    rng = np.random.default_rng(0)
    query, candidate = rng.normal(size=(6, 8)).astype(np.float32), rng.normal(size=(6, 8)).astype(np.float32)
    ids = np.array(["x", "y", "x", "z", "w", "y"])  # x and y repeat: accidental hits
    probability = TwoTower.sampling_probabilities(ids)
    np.testing.assert_allclose(probability, [2 / 6, 2 / 6, 2 / 6, 1 / 6, 1 / 6, 2 / 6])
    loss = towers.compute_loss(x={"item_id": tf.constant(ids), SAMPLING_PROBABILITY: tf.constant(probability)},
                               y_pred={"query": tf.constant(query), "candidate": tf.constant(candidate)})
    expected = numpy_loss(query, candidate, ids, probability, 0.1, hard_negatives)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_without_corrections_the_loss_is_plain_in_batch_softmax():
    towers = make_towers(["1"], ["x"], temperature=1.0, logq_correction=False, remove_accidental_hits=False)
    query = candidate = np.eye(3, dtype=np.float32)
    loss = towers.compute_loss(x={"item_id": tf.constant(["x", "x", "x"])},
                               y_pred={"query": tf.constant(query), "candidate": tf.constant(candidate)})
    assert float(loss) == pytest.approx(np.log(np.e + 2) - 1, rel=1e-6)


def planted_interactions(rng, n_users=40, n_items=40, per_user=10):
    """Users in two groups, each choosing items of its own half of the catalogue."""
    users = [str(u) for u in range(n_users)]
    items = [f"item{i}" for i in range(n_items)]
    group = lambda u: "a" if u < n_users // 2 else "b"
    half = lambda u: np.arange(n_items // 2) + (0 if u < n_users // 2 else n_items // 2)
    pairs = [(u, i) for u in range(n_users) for i in rng.choice(half(u), per_user, replace=False)]
    return users, items, group, pairs


@pytest.fixture(scope="module")
def trained():
    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(7)
    users, items, group, pairs = planted_interactions(rng)
    held_out = [pairs.pop(int(rng.integers(len(pairs)))) for _ in range(60)]
    towers = TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=users, oov_rate=0.3, seed=1),
                       "group": CategoricalEmbedding(4, vocabulary=["a", "b"])},
                      {"item_id": CategoricalEmbedding(8, vocabulary=items)}, output_dim=8, hidden_units=(16,),
                      temperature=0.1)
    examples = {"user_id": np.array([users[u] for u, _ in pairs]), "group": np.array([group(u) for u, _ in pairs]),
                "item_id": np.array([items[i] for _, i in pairs])}
    examples[SAMPLING_PROBABILITY] = TwoTower.sampling_probabilities(examples["item_id"])
    towers.compile(optimizer=keras.optimizers.Adam(0.02))
    dataset = tf.data.Dataset.from_tensor_slices(examples).shuffle(500, seed=1).batch(32)
    towers.fit(dataset, epochs=30, verbose=0, shuffle=False)
    user_features = {"user_id": np.array(users), "group": np.array([group(u) for u in range(len(users))])}
    return towers, users, items, pairs, held_out, user_features


def test_training_finds_the_planted_groups(trained):
    towers, users, items, pairs, held_out, user_features = trained
    scores = towers.user_embedding(user_features) @ towers.item_embedding({"item_id": np.array(items)}).T
    relevant = relevance_matrix(held_out, len(users), len(items))
    seen = relevance_matrix(pairs, len(users), len(items))
    recall = retrieval_metrics(scores, relevant, seen, recall_ks=(10,))["recall@10"]
    # A random ranking finds about 10 / 32 of them; the group's own half holds all of them in 10 of 10 or so.
    assert recall > 0.6
    shuffled = retrieval_metrics(scores[np.random.default_rng(0).permutation(len(users))], relevant, seen,
                                 recall_ks=(10,))["recall@10"]
    assert recall > shuffled + 0.25


def test_an_unknown_user_is_served_from_the_features(trained):
    towers, users, items, *_ = trained
    retrieval = towers.retrieval_model({"item_id": np.array(items)}, k=10)
    top = retrieval({"user_id": tf.constant(["never seen", "never seen"]), "group": tf.constant(["a", "b"])})
    first_half = set(items[:20])
    assert sum(item.decode() in first_half for item in top["item_id"].numpy()[0]) >= 8
    assert sum(item.decode() in first_half for item in top["item_id"].numpy()[1]) <= 2


def test_the_retrieval_model_returns_the_brute_force_top_k(trained):
    towers, users, items, _, _, user_features = trained
    catalogue = {"item_id": np.array(items), "title": np.array([f"Title of {i}" for i in items])}
    retrieval = towers.retrieval_model(catalogue, k=5, returned=("item_id", "title"))
    top = retrieval({k: tf.constant(v[:4]) for k, v in user_features.items()})
    scores = towers.user_embedding({k: v[:4] for k, v in user_features.items()}) @ towers.item_embedding(catalogue).T
    expected = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    np.testing.assert_allclose(top["scores"].numpy(), np.take_along_axis(scores, expected, 1), atol=1e-5)
    np.testing.assert_array_equal(top["item_id"].numpy().astype(str), np.array(items)[expected])
    np.testing.assert_array_equal(top["title"].numpy().astype(str), catalogue["title"][expected])


def test_k_beyond_the_catalogue_is_clamped_with_a_warning(trained):
    towers, _, items, *_ = trained
    with pytest.warns(UserWarning, match="clamped to 40"):
        retrieval = towers.retrieval_model({"item_id": np.array(items)}, k=1000)
    top = retrieval({"user_id": tf.constant(["0"]), "group": tf.constant(["a"])})
    assert sorted(top["item_id"].numpy()[0].astype(str)) == sorted(items)  # every item, once


def test_unknown_ids_get_oov_vectors_not_errors(trained):
    towers, *_ = trained
    vectors = towers.item_embedding({"item_id": np.array(["item0", "no such item", "another"])})
    assert np.isfinite(vectors).all()
    np.testing.assert_array_equal(vectors[1], vectors[2])  # one OOV bucket: the same vector


def test_missing_features_are_named():
    towers = make_towers(["1"], ["x"])
    with pytest.raises(KeyError, match="query_tower needs feature.*group"):
        towers.user_embedding({"user_id": np.array(["1"])})
    with pytest.raises(KeyError, match=SAMPLING_PROBABILITY):
        towers.compute_loss(x={"item_id": tf.constant(["x"])},
                            y_pred={"query": tf.ones((1, 8)), "candidate": tf.ones((1, 8))})
    with pytest.raises(ValueError, match="candidate_id 'movie' is not a candidate feature"):
        make_towers(["1"], ["x"], candidate_id="movie")


def test_config_round_trip():
    towers = make_towers(["1", "2"], ["x"], temperature=0.2, num_hard_negatives=5, logq_correction=False)
    clone = TwoTower.from_config(towers.get_config())
    assert (clone.temperature, clone.num_hard_negatives, clone.logq_correction) == (0.2, 5, False)
    assert clone.count_params() == towers.count_params()
    assert clone.query_tower.feature_names == ["user_id", "group"]


def test_the_towers_and_the_retrieval_model_save_and_load(trained, tmp_path):
    towers, users, items, _, _, user_features = trained
    queries = {k: tf.constant(v[:3]) for k, v in user_features.items()}
    towers.save(tmp_path / "towers.keras")
    loaded = keras.saving.load_model(tmp_path / "towers.keras")
    np.testing.assert_allclose(loaded.user_embedding(user_features), towers.user_embedding(user_features), atol=1e-6)
    retrieval = towers.retrieval_model({"item_id": np.array(items)}, k=4)
    retrieval.save(tmp_path / "retrieval.keras")
    loaded = keras.saving.load_model(tmp_path / "retrieval.keras")
    expected, got = retrieval(queries), loaded(queries)
    np.testing.assert_array_equal(got["item_id"].numpy(), expected["item_id"].numpy())
    np.testing.assert_allclose(got["scores"].numpy(), expected["scores"].numpy(), atol=1e-6)


def test_output_dim_defaults_to_64():
    towers = TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=["1"])},
                      {"item_id": CategoricalEmbedding(8, vocabulary=["x"])}, hidden_units=())
    assert towers.output_dim == 64 and towers.user_embedding({"user_id": np.array(["1"])}).shape == (1, 64)


def test_dim_is_a_deprecated_alias_of_output_dim():
    features = lambda: ({"user_id": CategoricalEmbedding(8, vocabulary=["1"])},  # noqa: E731
                        {"item_id": CategoricalEmbedding(8, vocabulary=["x"])})
    with pytest.warns(DeprecationWarning, match=r"^TwoTower\(dim=\.\.\.\) is deprecated and will be removed in the "
                                                r"next release: use output_dim=\.\.\. instead$"):
        towers = TwoTower(*features(), dim=4, hidden_units=())
    assert towers.output_dim == 4 and towers.item_embedding({"item_id": np.array(["x", "y"])}).shape == (2, 4)
    with pytest.warns(DeprecationWarning, match=r"^TwoTower\.dim is deprecated and will be removed in the next "
                                                r"release: use TwoTower\.output_dim instead$"):
        assert towers.dim == 4
    with pytest.raises(TypeError, match=r"TwoTower\(\) got both output_dim= and dim="):
        TwoTower(*features(), output_dim=4, dim=4)


def test_the_config_says_output_dim_and_an_old_config_with_dim_loads_without_a_warning():
    config = make_towers(["1", "2"], ["x"]).get_config()
    assert config["output_dim"] == 8 and "dim" not in config
    config["dim"] = 6
    del config["output_dim"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        clone = TwoTower.from_config(config)
    assert clone.output_dim == 6
    assert clone.user_embedding({"user_id": np.array(["1"]), "group": np.array(["a"])}).shape == (1, 6)
