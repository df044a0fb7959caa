"""Negative sampling's noise words, drawn by a guide table rather than a binary search per draw."""

import numpy as np


class NoiseSampler:
    """Negative sampling's noise words: word ids drawn from a distribution by its inverse CDF.

    The ids are the very ones `np.searchsorted(cumulative, uniforms)` gives. Why by hand: numpy's
    `Generator.choice` and `searchsorted` run a binary search for every draw, most of the batch generator's time
    after its window arithmetic; a guide table (Chen and Asau 1974) of `guide_factor` x V entries sends each
    uniform to a word at most a step or two before its answer.

    Args:
        probabilities: (V,) the weight of each word (normalised here; need not sum to 1), at least one positive.
        guide_factor: guide table entries per word. Default 4.

    Input/Output: `words(uniforms)` takes an array of uniforms in [0, 1), any shape, and returns int32 word ids of
    that shape.

    Raises:
        ValueError: no word of positive probability.

    Example:
    ```python
    sampler = NoiseSampler(corpus.noise_distribution())
    noise_ids = sampler.words(rng.random((32, 16)))  # int32, the shape of the uniforms
    ```
    """

    def __init__(self, probabilities, guide_factor=4):
        self.cumulative = np.cumsum(np.asarray(probabilities, np.float64))
        if not len(self.cumulative) or not self.cumulative[-1] > 0:
            raise ValueError("the noise distribution needs at least one word of positive probability")
        self.cumulative /= self.cumulative[-1]
        self.cumulative[-1] = 1.0  # above every uniform in [0, 1): the walk below never runs past the last word
        size = guide_factor * len(self.cumulative)
        # guide[j]: the first word whose cumulative probability reaches j / size, at or before the answer of
        # every uniform in [j / size, (j + 1) / size).
        self.guide = np.searchsorted(self.cumulative, np.arange(size) / size).astype(np.int32)

    def words(self, uniforms, steps=3):
        """The word of each uniform: the first whose cumulative probability reaches it.

        Args:
            uniforms: an array of floats in [0, 1), any shape.
            steps: steps forward from the guide entry before falling back to a binary search for the uniforms
                still behind. Default 3.

        Returns:
            int32 word ids, the shape of `uniforms`.
        """
        uniforms = np.asarray(uniforms)
        ids = self.guide[(uniforms * len(self.guide)).astype(np.int64)]
        for _ in range(steps):
            behind = self.cumulative[ids] < uniforms
            if not behind.any():
                return ids
            ids += behind
        # Words far below one guide entry's share of the probability: a binary search for those few.
        behind = self.cumulative[ids] < uniforms
        ids[behind] = np.searchsorted(self.cumulative, uniforms[behind])
        return ids
