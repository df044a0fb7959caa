"""MovieLens-100k: 100,000 ratings by 943 users of 1,682 movies, with user and movie features.

Original format: RecBole's atomic files (tab-separated, a typed header such as `user_id:token`), as shipped; the
GroupLens `u.data` file (user, item, rating, timestamp; no header) is read too.
"""

import re
from typing import NamedTuple

from zoo.data.datasets import Carrier, DataSet, require
from zoo.data.records import numbered_lines, open_binary, parse_number, split_fields
from zoo.errors import ZooDataError

UNKNOWN_YEAR = ("", "unknown", "unkonwn")  # the last is RecBole's spelling, on one movie of ml-100k
FILES = {"ratings": "ml-100k.inter", "users": "ml-100k.user", "items": "ml-100k.item"}


class Rating(NamedTuple):
    user_id: str
    item_id: str
    rating: float
    timestamp: int


class User(NamedTuple):
    user_id: str
    age: int
    gender: str
    occupation: str
    zip_code: str


class Item(NamedTuple):
    item_id: str
    title: str
    year: int  # 0 where the release year is unknown
    genres: tuple


def read_atomic_file(path, required):
    """Rows of a RecBole atomic file as (line number, {column: text}); the header must name `required`."""
    lines = numbered_lines(path)
    try:
        _, header = next(lines)
    except StopIteration:
        raise ZooDataError(path, "empty file") from None
    columns = [field.split(":")[0] for field in header.split("\t")]
    missing = [name for name in required if name not in columns]
    if missing:
        raise ZooDataError(path, f"header lacks column(s) {', '.join(missing)}; found {', '.join(columns)}", line=1)
    for lineno, line in lines:
        if line:
            fields = split_fields(path, lineno, line, "\t", len(columns), columns)
            yield lineno, dict(zip(columns, fields))


def read_ratings(path):
    with open_binary(path) as handle:
        typed_header = b":" in handle.readline()
    if not typed_header:  # GroupLens u.data
        ratings = []
        for lineno, line in numbered_lines(path):
            if line:
                user, item, rating, stamp = split_fields(path, lineno, line, "\t", 4)[:4]
                ratings.append(Rating(user, item, parse_number(path, lineno, rating, "rating"),
                                      parse_number(path, lineno, stamp, "timestamp", int)))
    else:
        ratings = [
            Rating(row["user_id"], row["item_id"], parse_number(path, lineno, row["rating"], "rating"),
                   int(parse_number(path, lineno, row["timestamp"], "timestamp")))
            for lineno, row in read_atomic_file(path, ("user_id", "item_id", "rating", "timestamp"))
        ]
    if not ratings:
        raise ZooDataError(path, "no ratings found")
    return ratings


def read_users(path):
    return [
        User(row["user_id"], parse_number(path, lineno, row["age"], "age", int), row["gender"], row["occupation"],
             row["zip_code"])
        for lineno, row in read_atomic_file(path, ("user_id", "age", "gender", "occupation", "zip_code"))
    ]


def read_items(path):
    items = []
    for lineno, row in read_atomic_file(path, ("item_id", "movie_title", "release_year", "class")):
        title, year = row["movie_title"], row["release_year"]
        # RecBole's conversion split one title at a Roman numeral: "...Giving (1995)" with year "V". The
        # year is then the one the title ends with.
        year_in_title = re.fullmatch(r"(.*\S)\s*\((\d{4})\)", title)
        if not year.isdigit() and year not in UNKNOWN_YEAR and year_in_title:
            title, year = year_in_title.groups()
        year = 0 if year in UNKNOWN_YEAR else parse_number(path, lineno, year, "release_year", int)
        items.append(Item(row["item_id"], title, year, tuple(row["class"].split())))
    return items


READERS = {"ratings": read_ratings, "users": read_users, "items": read_items}


def load_movielens(part="ratings", *, path=None, tfds_name=None, tfds_data_dir=None):
    """Ratings, users or items: from `path`, a prepared TFDS data set (ratings), or the shipped copy."""
    from zoo.data import tfds_source

    if part not in READERS:
        raise ValueError(f"unknown MovieLens part {part!r}; choose one of {', '.join(READERS)}")
    if tfds_name:
        if part != "ratings":
            raise ValueError("from TFDS only the ratings are read (movielens/100k-ratings)")
        return [
            Rating(e["user_id"].decode(), e["movie_id"].decode(), float(e["user_rating"]), int(e["timestamp"]))
            for e in tfds_source.examples(tfds_name, "train", tfds_data_dir)
        ]
    return READERS[part](path or require("movielens-100k") / FILES[part])


def split_latest(ratings, per_user=10):
    """A temporal split: each user's `per_user` latest ratings (by timestamp, ties by order in the file) are the
    test set, the rest the training set. Users with no more than `per_user` ratings stay whole in training."""
    by_user = {}
    for index, rating in enumerate(ratings):
        by_user.setdefault(rating.user_id, []).append(index)
    test = set()
    for indices in by_user.values():
        if len(indices) > per_user:
            latest = sorted(indices, key=lambda i: (ratings[i].timestamp, i))[-per_user:]
            test.update(latest)
    return ([r for i, r in enumerate(ratings) if i not in test], [r for i, r in enumerate(ratings) if i in test])


def count_records(folder):
    return {part: len(reader(folder / FILES[part])) for part, reader in READERS.items()}


DATASETS = (
    DataSet("movielens-100k", "MovieLens-100k ratings, users (age, gender, occupation) and items (title, year, "
            "genres)", Carrier("recbole==1.2.1"), tuple(f"recbole/dataset_example/ml-100k/{f}" for f in FILES.values()),
            {"ratings": 100000, "users": 943, "items": 1682}, count_records),
)
