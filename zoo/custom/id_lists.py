"""Lists of item ids in one string each (a user's history, a leave-out list): what HistoryEmbedding,
LeaveOutCandidateIndex and RankingStage take. Core TF ops (tf.strings / tf.ragged), so an export runs on any TF
Serving."""

import tensorflow as tf


def split_ids(strings, separator=" ", max_length=None):
    """(batch,) strings -> ragged (batch, None) ids, the latest `max_length` of each when given."""
    ids = tf.strings.split(strings, sep=None if separator == " " else separator)
    return ids if max_length is None else ids[:, -max_length:]


def known_cells(strings, lookup, separator=" ", max_length=None):
    """(list numbers, rows): for each id of each string that `lookup` (a StringLookup with one OOV index) knows,
    the number of its string in the batch and its row (the lookup's index - 1); unknown ids are left out.

    Returns:
        two int32 (M,) tensors.
    """
    ids = split_ids(strings, separator, max_length)
    rows = tf.cast(lookup(ids.flat_values), "int32") - 1  # -1: unknown
    known = rows >= 0
    return tf.boolean_mask(tf.cast(ids.value_rowids(), "int32"), known), tf.boolean_mask(rows, known)
