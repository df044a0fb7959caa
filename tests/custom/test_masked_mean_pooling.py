import numpy as np

from zoo.custom import MaskedMeanPooling


def test_matches_numpy_and_gives_zeros_for_fully_masked_rows():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]], dtype=bool)
    pooled = MaskedMeanPooling()(values, mask=mask).numpy()
    np.testing.assert_allclose(pooled[0], values[0, :2].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(pooled[1], values[1].mean(axis=0), rtol=1e-6)
    np.testing.assert_array_equal(pooled[2], np.zeros(4))
    np.testing.assert_allclose(MaskedMeanPooling()(values).numpy(), values.mean(axis=1), rtol=1e-6)
