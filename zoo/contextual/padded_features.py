"""Token-id lists -> a backbone's padded features, in numpy: what the trainers' batch generators yield."""

import numpy as np


def padded_features(token_lists, pad_id, segment_ids=True):
    """{"token_ids", "padding_mask"[, "segment_ids"]}: each (len(token_lists), longest) int32, the lists padded on
    the right with `pad_id` to the longest of them (the numpy twin of `TextEncoder.pack`, for generators)."""
    lengths = np.array([len(ids) for ids in token_lists])
    longest = max(int(lengths.max()), 1)
    token_ids = np.full((len(token_lists), longest), pad_id, np.int32)
    for row, ids in enumerate(token_lists):
        token_ids[row, :len(ids)] = ids
    features = {"token_ids": token_ids, "padding_mask": (np.arange(longest) < lengths[:, None]).astype(np.int32)}
    if segment_ids:
        features["segment_ids"] = np.zeros_like(token_ids)
    return features
