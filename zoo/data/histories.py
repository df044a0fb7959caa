"""Interaction histories: for each interaction, what the same user chose before it; for each user, what they chose
last. The input of a history-aware query tower (zoo.custom.HistoryEmbedding): one string of item ids, oldest
first, separated by spaces.

Only strictly earlier interactions go into an interaction's history: the item it is about, and anything at the same
time or later, never do (no leak of the target or the future into training).
"""

import numpy as np


def _by_user(user_ids, timestamps):
    """{user: positions of their interactions, by time (ties in the given order)}."""
    order = np.lexsort((np.arange(len(timestamps)), np.asarray(timestamps)))
    users = {}
    for position in order:
        users.setdefault(user_ids[position], []).append(position)
    return users


def earlier_items(user_ids, item_ids, timestamps, max_length=20):
    """For each interaction, the same user's items of strictly earlier timestamps, the latest `max_length`.

    Args:
        user_ids, item_ids, timestamps: one value per interaction (sequences of equal length).
        max_length: at most this many items each.

    Returns:
        (n,) str array: space-separated item ids, oldest first; "" where the user had chosen nothing before.
    """
    histories = np.full(len(timestamps), "", dtype=object)
    times = np.asarray(timestamps)
    for positions in _by_user(user_ids, times).values():
        user_times = times[positions]
        items = [str(item_ids[p]) for p in positions]
        before = np.searchsorted(user_times, user_times, side="left")  # interactions strictly earlier than each
        for position, count in zip(positions, before):
            histories[position] = " ".join(items[max(0, count - max_length):count])
    return histories.astype(str)


def latest_items(user_ids, item_ids, timestamps, max_length=20):
    """For each user, their latest `max_length` items, oldest first, space-separated: {user id: string}."""
    return {user: " ".join(str(item_ids[p]) for p in positions[-max_length:])
            for user, positions in _by_user(user_ids, timestamps).items()}


def rating_histories(ratings, max_length=20):
    """`earlier_items` of records with `user_id`, `item_id` and `timestamp` (zoo.data.movielens.Rating)."""
    return earlier_items([r.user_id for r in ratings], [r.item_id for r in ratings], [r.timestamp for r in ratings],
                         max_length)


def user_histories(user_ids, ratings, max_length=20):
    """(len(user_ids),) str: each user's `latest_items` among the records `ratings` ("" for a user with none)."""
    latest = latest_items([r.user_id for r in ratings], [r.item_id for r in ratings], [r.timestamp for r in ratings],
                          max_length)
    return np.array([latest.get(user, "") for user in user_ids])
