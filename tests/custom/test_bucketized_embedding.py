import keras
import numpy as np
import pytest

from zoo.custom import BucketizedEmbedding


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
def test_each_number_gets_its_buckets_vector(dtype):
    layer = BucketizedEmbedding([18, 25, 35], output_dim=3)
    values = np.array([-5, 17, 18, 24.5, 25, 34, 35, 1e9], dtype=dtype)
    out = keras.ops.convert_to_numpy(layer(values))
    table = layer.embedding.embeddings.numpy()
    buckets = np.digitize(values.astype(np.float64), [18, 25, 35])  # numpy's bucketing: edges start a bucket
    np.testing.assert_array_equal(out, table[buckets])
    assert out.shape == (8, 3)


@pytest.mark.parametrize("boundaries", [[], [3, 1], [1, 1]])
def test_boundaries_must_ascend(boundaries):
    with pytest.raises(ValueError, match="ascending"):
        BucketizedEmbedding(boundaries)


def test_config_round_trip():
    layer = BucketizedEmbedding([1.5, 2.5], output_dim=4, name="age")
    clone = BucketizedEmbedding.from_config(layer.get_config())
    assert (clone.bin_boundaries, clone.output_dim, clone.name) == ([1.5, 2.5], 4, "age")
