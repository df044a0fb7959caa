"""CandidateIndex: exact top-k by dot product, its width named output_dim (dim, the former name, still works)."""

import warnings

import keras
import numpy as np
import pytest

from zoo.custom.candidate_index import CandidateIndex

VECTORS = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
QUERIES = np.random.default_rng(1).normal(size=(2, 3)).astype(np.float32)


def test_top_k_is_the_brute_force_one():
    scores, indices = CandidateIndex(VECTORS, k=4)(QUERIES)
    expected = np.argsort(-(QUERIES @ VECTORS.T), axis=1, kind="stable")[:, :4]
    np.testing.assert_array_equal(indices.numpy(), expected)
    np.testing.assert_allclose(scores.numpy(), np.take_along_axis(QUERIES @ VECTORS.T, expected, 1), atol=1e-6)


def test_config_names_output_dim_and_round_trips_in_a_saved_model(tmp_path):
    index = CandidateIndex(VECTORS, k=2, name="top")
    config = index.get_config()
    assert (config["num_candidates"], config["output_dim"], config["k"]) == (6, 3, 2) and "dim" not in config
    queries = keras.Input(shape=(3,))
    model = keras.Model(queries, index(queries))
    model.save(tmp_path / "index.keras")
    loaded = keras.saving.load_model(tmp_path / "index.keras")
    for got, expected in zip(loaded(QUERIES), model(QUERIES)):
        np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-6)


def test_an_old_config_with_dim_loads_without_a_warning():
    config = CandidateIndex(VECTORS, k=2).get_config()
    config["dim"] = config.pop("output_dim")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        index = CandidateIndex.from_config(config)
    assert tuple(index.candidate_embeddings.shape) == (6, 3)


def test_dim_is_a_deprecated_alias_of_output_dim():
    with pytest.warns(DeprecationWarning, match=r"^CandidateIndex\(dim=\.\.\.\) is deprecated and will be removed "
                                                r"in the next release: use output_dim=\.\.\. instead$"):
        index = CandidateIndex(num_candidates=5, dim=4, k=2)
    assert tuple(index.candidate_embeddings.shape) == (5, 4)
    with pytest.raises(TypeError, match=r"CandidateIndex\(\) got both output_dim= and dim="):
        CandidateIndex(num_candidates=5, output_dim=4, dim=4)
