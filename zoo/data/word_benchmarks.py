"""Word similarity (pairs with a human score) and analogy (a : b :: c : d) benchmarks.

Original formats: similarity files hold `word1 word2 score` a line, tab- or space-separated, `#` comments
allowed; analogy files hold `a b c d` a line, with `: section` lines (Google), or one file per section (MSR).
"""

from typing import NamedTuple

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
    from zoo.data import catalogue

    if path is None:
        if name not in WORD_PAIR_FILES:
            raise ValueError(f"unknown word-pair benchmark {name!r}; choose one of {', '.join(WORD_PAIR_FILES)}")
        path = catalogue.require(name) / WORD_PAIR_FILES[name]
    return read_word_pairs(path)


def load_analogies(name="google-analogies", *, path=None):
    """Analogies of a named benchmark, or of a file of yours in Google's format."""
    from zoo.data import catalogue

    if path is not None:
        return read_analogies(path)
    if name == "google-analogies":
        return read_analogies(catalogue.require(name) / ANALOGY_FILES[name])
    if name == "msr-analogies":  # one file a section, named after it (JJ_JJR.txt ...)
        files = sorted(catalogue.require(name).glob("*.txt"))
        return [analogy for file in files for analogy in read_analogies(file, section=file.stem)]
    raise ValueError(f"unknown analogy benchmark {name!r}; choose one of {', '.join(ANALOGY_FILES)}")


def count_word_pairs(name):
    return lambda folder: {"pairs": len(read_word_pairs(folder / WORD_PAIR_FILES[name]))}


def count_analogies(name):
    def count(folder):
        files = sorted(folder.glob(ANALOGY_FILES[name]))
        return {"analogies": sum(len(read_analogies(file, section=file.stem)) for file in files)}

    return count
