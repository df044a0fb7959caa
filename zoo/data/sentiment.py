"""Sentences with a human sentiment score, from Hutto & Gilbert (ICWSM 2014), the VADER ground truth.

Original format: `*_GroundTruth.txt`, tab-separated id, mean score (-4 to +4), text; no header.
"""

from typing import NamedTuple

from zoo.data.datasets import Carrier, DataSet, require
from zoo.data.records import numbered_lines, parse_number, split_fields
from zoo.errors import ZooDataError

FILES = {"vader-movie-reviews": "movieReviewSnippets_GroundTruth.txt"}


class ScoredText(NamedTuple):
    id: str
    score: float
    text: str


def read_ground_truth(path):
    texts = []
    for lineno, line in numbered_lines(path):
        if line:
            fields = split_fields(path, lineno, line, "\t", 3, ("id", "score", "text"))
            text = "\t".join(fields[2:])
            texts.append(ScoredText(fields[0], parse_number(path, lineno, fields[1], "score"), text))
    if not texts:
        raise ZooDataError(path, "no scored texts found")
    return texts


def load_vader_movie_reviews(*, path=None):
    """10,605 movie-review sentences, each with the mean of 10 people's sentiment ratings."""
    return read_ground_truth(path or require("vader-movie-reviews") / FILES["vader-movie-reviews"])


def count_records(folder):
    return {"sentences": len(read_ground_truth(folder / FILES["vader-movie-reviews"]))}


DATASETS = (
    DataSet("vader-movie-reviews", "Movie-review sentences with mean human sentiment -4..+4 (Hutto & Gilbert 2014)",
            Carrier("vaderSentiment==3.3.2", sdist=True),
            (("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
              "hutto_ICWSM_2014/" + FILES["vader-movie-reviews"]),),
            {"sentences": 10605}, count_records),
)
