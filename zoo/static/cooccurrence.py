"""Word-word co-occurrence counts, GloVe's way, from a Corpus.

As GloVe's `cooccur` tool with its defaults (symmetric, window 10): for every two kept words of one sentence at
most `window` apart, the pair (earlier, later) and the pair (later, earlier) each gain 1 / distance. Words below
min_count are already gone from the Corpus, so distances count kept words only, as `cooccur` skips words outside
its vocabulary; a sentence (a line of the text) bounds the window, as a newline resets `cooccur`'s history.
"""

import numpy as np


def cooccurrence(corpus, window=10):
    """(rows, cols, values): the nonzero counts X[row, col] in COO form, sorted by (row, col); rows and cols are
    int32 word ids of the corpus, values float64 sums of 1 / distance. X is symmetric."""
    if window < 1:
        raise ValueError(f"window must be at least 1, not {window}")
    ids, sentence = corpus.ids.astype(np.int64), corpus.sentence_ids()
    vocabulary = len(corpus)
    keys, values = [], []
    for distance in range(1, window + 1):  # the pairs (ids[p], ids[p + distance]) inside one sentence
        same = sentence[:-distance] == sentence[distance:]
        if not same.any():
            break  # no sentence is longer than this distance (nor any farther one)
        key = ids[:-distance][same] * vocabulary + ids[distance:][same]
        unique, count = np.unique(key, return_counts=True)
        keys.append(unique)
        values.append(count / distance)
    key = np.concatenate(keys)
    value = np.concatenate(values)
    # Symmetric: the forward pairs and the same pairs turned round.
    key = np.concatenate([key, (key % vocabulary) * vocabulary + key // vocabulary])
    value = np.concatenate([value, value])
    unique, position = np.unique(key, return_inverse=True)
    total = np.bincount(position, weights=value, minlength=len(unique))
    return (unique // vocabulary).astype(np.int32), (unique % vocabulary).astype(np.int32), total
