"""TokenPooling against plain numpy, for every mode, with right padding."""

import numpy as np
import pytest

from zoo.contextual.token_pooling import TokenPooling

RNG = np.random.default_rng(0)
VECTORS = RNG.normal(size=(3, 5, 4)).astype(np.float32)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], np.int32)


def numpy_pooling(mode, vectors, mask):
    rows = []
    for row, m in zip(vectors, mask):
        kept = row[m.astype(bool)]
        rows.append({"mean": kept.mean(0), "max": kept.max(0), "cls": row[0], "last": kept[-1]}[mode])
    return np.stack(rows)


@pytest.mark.parametrize("mode", ["mean", "cls", "max", "last"])
def test_pooling_equals_numpy(mode):
    pooled = TokenPooling(mode)(VECTORS, MASK).numpy()
    np.testing.assert_allclose(pooled, numpy_pooling(mode, VECTORS, MASK), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("mode", ["mean", "max", "last"])
def test_padding_values_never_leak(mode):
    poisoned = VECTORS.copy()
    poisoned[~MASK.astype(bool)] = 1e6
    np.testing.assert_allclose(TokenPooling(mode)(poisoned, MASK).numpy(), TokenPooling(mode)(VECTORS, MASK).numpy())


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown pooling 'sum'"):
        TokenPooling("sum")


def test_config_round_trip():
    layer = TokenPooling("last", name="p")
    assert TokenPooling.from_config(layer.get_config()).mode == "last"
