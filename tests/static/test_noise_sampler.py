import numpy as np
import pytest

from zoo.static.noise_sampler import NoiseSampler


@pytest.mark.parametrize("probabilities", [
    np.arange(1, 2001) ** -1.0,                      # Zipf-like: a long tail of tiny probabilities
    np.r_[1e6, np.ones(5000)],                       # one word takes almost all: many words under a guide entry
    np.r_[0.0, 3.0, 0.0, 0.0, 1.0, 0.0],             # words of probability 0
    np.array([2.5]),                                  # one word
], ids=["zipf", "one-heavy-word", "zeros", "single"])
def test_the_words_are_numpys_inverse_cdf(probabilities):
    sampler = NoiseSampler(probabilities)
    uniforms = np.random.default_rng(0).random((64, 32, 16))
    cumulative = np.cumsum(probabilities) / np.sum(probabilities)
    expected = np.minimum(np.searchsorted(cumulative, uniforms), len(probabilities) - 1)
    np.testing.assert_array_equal(sampler.words(uniforms), expected)
    assert sampler.words(uniforms).shape == uniforms.shape


def test_words_of_probability_zero_are_never_drawn_and_frequencies_match():
    probabilities = np.r_[0.0, 0.5, 0.0, 0.3, 0.2]
    drawn = NoiseSampler(probabilities).words(np.random.default_rng(1).random(200_000))
    frequencies = np.bincount(drawn, minlength=5) / len(drawn)
    assert frequencies[0] == frequencies[2] == 0
    np.testing.assert_allclose(frequencies, probabilities, atol=5 * np.sqrt(0.25 / len(drawn)))


def test_a_distribution_without_weight_is_a_clear_error():
    with pytest.raises(ValueError, match="positive probability"):
        NoiseSampler(np.zeros(3))
