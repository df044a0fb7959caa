"""MovieLens as a recommender trains on it: one feature table for the users and one for the items (a numpy array
per feature, one row per user or item), and the ratings split in time with each rating as a (user row, item row)
pair of those tables."""

from typing import NamedTuple

import numpy as np

from zoo.data.movielens import load_movielens, split_latest
from zoo.errors import ZooDataError

# feature: (its value in a record, its dtype)
USER_COLUMNS = {"user_id": (lambda u: u.user_id, str), "age": (lambda u: u.age, np.float32),
                "gender": (lambda u: u.gender, str), "occupation": (lambda u: u.occupation, str)}
ITEM_COLUMNS = {"item_id": (lambda i: i.item_id, str), "title": (lambda i: i.title, str),
                "genres": (lambda i: " ".join(i.genres), str), "year": (lambda i: i.year, np.float32)}


def feature_table(records, columns):
    """{feature: numpy array}, one row per record."""
    return {name: np.array([value(r) for r in records], dtype=dtype) for name, (value, dtype) in columns.items()}


class MovieLensSplit(NamedTuple):
    users: dict  # feature table of the users
    items: dict  # feature table of the items
    train: list  # training Ratings, in the file's order
    test: list  # held-out Ratings
    train_pairs: np.ndarray  # (len(train), 2) int: user row, item row
    test_pairs: np.ndarray  # (len(test), 2)


def load_split(ratings=None, users=None, items=None, held_out=10):
    """Feature tables and each user's `held_out` latest ratings held out (`split_latest`).

    Args:
        ratings, users, items: files of yours (None: the data set's).
        held_out: latest ratings per user held out.

    Raises:
        ZooDataError: a rating of a user or item that the users or items file lacks (no features to give them).
    """
    user_table = feature_table(load_movielens("users", path=users), USER_COLUMNS)
    item_table = feature_table(load_movielens("items", path=items), ITEM_COLUMNS)
    train, test = split_latest(load_movielens("ratings", path=ratings), held_out)
    user_row = {u: i for i, u in enumerate(user_table["user_id"])}
    item_row = {i: r for r, i in enumerate(item_table["item_id"])}
    unknown = sorted({r.user_id for r in train + test if r.user_id not in user_row}
                     | {r.item_id for r in train + test if r.item_id not in item_row})
    if unknown:  # an error, not a guess
        raise ZooDataError(ratings or "movielens-100k ratings", f"{len(unknown)} user or item id(s) that the "
                           f"users and items files lack, such as {', '.join(unknown[:3])}")

    def pairs(records):
        return np.array([(user_row[r.user_id], item_row[r.item_id]) for r in records]).reshape(-1, 2)

    return MovieLensSplit(user_table, item_table, train, test, pairs(train), pairs(test))
