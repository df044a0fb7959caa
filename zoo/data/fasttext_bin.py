"""Reading fastText's `.bin` model files: the words, their input vectors and the subword (char n-gram) buckets.

The layout is fastText's own (src/args.cc, dictionary.cc, matrix.cc; native byte order, as fastText writes it):
magic and version int32 (files from before 2017 start straight with dim and ws), the arguments, the dictionary
(words as NUL-terminated bytes with an int64 count and an int8 type: 0 word, 1 label), the prune index, then
the input matrix (nwords + bucket rows) and the output matrix. gensim refuses supervised models (they have
labels); we read them too: their word vectors are built the same way.
"""

import struct
from dataclasses import dataclass

import numpy as np

from zoo.data.records import first_non_finite, open_binary
from zoo.errors import ZooDataError

MAGIC = 793712314
KNOWN_VERSIONS = (11, 12)
ARGUMENTS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model", "bucket", "minn", "maxn",
             "lr_update_rate")


@dataclass
class FastTextModel:
    """What a `.bin` holds that word vectors need: `word_rows` (nwords x dim) are the words' own input rows,
    `buckets` (bucket x dim) the hashed char n-gram rows."""

    words: list
    raw_words: list  # the words' bytes as in the file: fastText hashes these
    counts: np.ndarray
    word_rows: np.ndarray
    buckets: np.ndarray
    min_n: int
    max_n: int
    supervised: bool


class _Reader:
    def __init__(self, path, data):
        self.path, self.data, self.position = path, data, 0

    def unpack(self, fmt, what):
        size = struct.calcsize(fmt)
        if self.position + size > len(self.data):
            raise ZooDataError(self.path, f"truncated: the file ends inside the {what} (byte {len(self.data)})")
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += size
        return values

    def matrix(self, what, quantization_flag):
        if quantization_flag and self.unpack("<?", f"{what} header")[0]:
            raise ZooDataError(self.path, f"the {what} is quantized (a .ftz model): not supported; use the "
                               "unquantized .bin or the .vec file")
        rows, dim = self.unpack("<2q", f"{what} header")
        size = rows * dim * 4
        if rows < 0 or dim <= 0 or self.position + size > len(self.data):
            raise ZooDataError(self.path, f"truncated: the {what} needs {rows} x {dim} floats, "
                               f"{max(len(self.data) - self.position, 0)} bytes remain")
        matrix = np.frombuffer(self.data, dtype="<f4", count=rows * dim, offset=self.position)
        self.position += size
        return matrix.reshape(rows, dim)


def _decode(path, raw, number, unicode_errors):
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError:
        raise ZooDataError(path, f"word {number} is not valid UTF-8 (pass unicode_errors='replace' to load "
                           "anyway)") from None


def read_fasttext_bin(path, limit=None, unicode_errors="strict"):
    """A fastText `.bin` (also .gz/.bz2) as a FastTextModel; `limit`: keep the first N words (all buckets)."""
    with open_binary(path) as handle:
        try:
            data = handle.read()
        except (OSError, EOFError) as error:
            raise ZooDataError(path, f"cannot read ({error})") from None
    if not data:
        raise ZooDataError(path, "empty file")
    reader = _Reader(path, data)
    magic, version = reader.unpack("<2i", "header")
    new_format = magic == MAGIC
    if new_format:
        if version not in KNOWN_VERSIONS:
            raise ZooDataError(path, f"fastText file format version {version}; this reader knows "
                               f"{KNOWN_VERSIONS}")
        values = reader.unpack("<12i", "arguments")
    else:  # before format version 11 the file starts with dim and ws
        values = (magic, version) + reader.unpack("<10i", "arguments")
    arguments = dict(zip(ARGUMENTS, values))
    reader.unpack("<d", "arguments")  # t, the sampling threshold
    if not (0 < arguments["dim"] <= 100_000 and 0 <= arguments["minn"] <= arguments["maxn"] < 1000
            and 0 <= arguments["bucket"] < 2**31):
        raise ZooDataError(path, "not a fastText .bin model (its header does not parse as fastText's); a "
                           "word2vec binary? use format='word2vec-binary'. gensim's own .save() files are "
                           "pickles: load them with gensim and save_word2vec_format")

    size, nwords, nlabels = reader.unpack("<3i", "dictionary header")
    reader.unpack("<q", "dictionary header")  # ntokens
    prune_size = reader.unpack("<q", "dictionary header")[0] if new_format else 0
    if not (0 <= nwords <= size and nlabels == size - nwords):
        raise ZooDataError(path, f"dictionary header says {size} entries, {nwords} words and {nlabels} labels")
    raw_words, counts = [], np.empty(nwords, np.int64)
    for number in range(1, size + 1):
        end = data.find(b"\0", reader.position)
        if end < 0:
            raise ZooDataError(path, f"truncated: the file ends inside dictionary entry {number} of {size}")
        raw, reader.position = data[reader.position:end], end + 1
        count, kind = reader.unpack("<qb", f"dictionary entry {number}")
        if (kind != 0) != (number > nwords):
            raise ZooDataError(path, f"dictionary entry {number}: type {kind}, expected words first, then labels")
        if number <= nwords:
            raw_words.append(raw)
            counts[number - 1] = count
    if prune_size > 0:
        raise ZooDataError(path, "a pruned (quantized) model: its n-gram index is remapped; not supported")
    input_matrix = reader.matrix("input matrix", new_format)
    if input_matrix.shape != (nwords + arguments["bucket"], arguments["dim"]):
        raise ZooDataError(path, f"input matrix is {input_matrix.shape}, expected "
                           f"({nwords} words + {arguments['bucket']} buckets, {arguments['dim']})")
    non_finite = first_non_finite(input_matrix)
    if non_finite:
        row, bad = non_finite
        what = f"word {row + 1}" if row < nwords else f"bucket {row - nwords}"
        raise ZooDataError(path, f"input matrix row {row + 1} ({what}): value {bad} is not a finite number")
    reader.matrix("output matrix", new_format)
    if reader.position != len(data):
        raise ZooDataError(path, f"{len(data) - reader.position} unexpected bytes after the output matrix")

    keep = nwords if limit is None else min(limit, nwords)
    words = [_decode(path, raw, i + 1, unicode_errors) for i, raw in enumerate(raw_words[:keep])]
    return FastTextModel(words, raw_words[:keep], counts[:keep], np.array(input_matrix[:keep]),
                         np.array(input_matrix[nwords:]), arguments["minn"],
                         arguments["maxn"] if arguments["bucket"] else 0, supervised=nlabels > 0)


def is_fasttext_head(head):
    """True for the first bytes of fastText's binary layout: its magic number, or (files before 2017) raw ints
    with NUL bytes where every text format and word2vec binary starts with printable text."""
    if len(head) >= 4 and struct.unpack_from("<i", head)[0] == MAGIC:
        return True
    return b"\0" in head[:64] and not head[:1].isdigit()
