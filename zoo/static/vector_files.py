"""Reading and writing pretrained vector files: GloVe text, word2vec text (fastText .vec) and word2vec binary.

Each reader returns (keys, float32 matrix) in file order, or raises ZooDataError naming the file and line:
never a half-loaded table. Files may be `.gz` or `.bz2` compressed. `unicode_errors` is gensim's option of the
same name ("strict", "replace" or "ignore") for words that are not valid UTF-8.
"""

import warnings

import numpy as np

from zoo.data.records import open_binary
from zoo.errors import ZooDataError

FORMATS = ("glove", "word2vec", "word2vec-binary")


def _read_all(path):
    with open_binary(path) as handle:
        try:
            return handle.read()
        except (OSError, EOFError) as error:
            raise ZooDataError(path, f"cannot read ({error})") from None


def _header(path, first_line):
    """(count, dim) of a word2vec header line, or None where the line is not a header."""
    fields = first_line.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[0]), int(fields[1])
    return None


def sniff_format(path):
    with open_binary(path) as handle:  # the first 4 KB tell; the reader reads the whole file once, later
        data = handle.read(4096)
    if not data.strip():
        raise ZooDataError(path, "empty file")
    first, _, rest = data.partition(b"\n")
    if _header(path, first) is None:
        return "glove"
    try:
        rest.decode("utf-8")
    except UnicodeDecodeError as error:
        # A binary body has raw float bytes; a text body may only break off mid-character at the 4 KB cut.
        if error.start < len(rest) - 4:
            return "word2vec-binary"
    return "word2vec"


def _decode(path, raw, lineno, unicode_errors):
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError:
        raise ZooDataError(path, "word is not valid UTF-8 (pass unicode_errors='replace' to load anyway)",
                           line=lineno) from None


def _check_unique(path, keys, line_of):
    if len(set(keys)) != len(keys):
        seen = {}
        for i, key in enumerate(keys):
            if key in seen:
                raise ZooDataError(path, f"duplicate word {key!r} (first on line {line_of(seen[key])})",
                                   line=line_of(i))
            seen[key] = i


def read_text(path, has_header, limit=None, unicode_errors="strict"):
    """GloVe text (no header) or word2vec text (`count dim` header): `word v1 ... vd` a line."""
    lines = _read_all(path).split(b"\n")
    first_body_line = 1
    expected_count = None
    if has_header:
        header = _header(path, lines[0])
        if header is None:
            raise ZooDataError(path, f"expected a 'count dim' header, found {lines[0][:40]!r}", line=1)
        expected_count, dim = header
        lines, first_body_line = lines[1:], 2
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ZooDataError(path, "empty file" if not has_header else "header but no vectors")
    if expected_count is not None and limit is None and len(lines) != expected_count:
        raise ZooDataError(path, f"header says {expected_count} words, the file has {len(lines)}", line=1)
    if limit is not None:
        lines = lines[:limit]
    words, rests = zip(*(line.rstrip().partition(b" ")[::2] for line in lines))
    if not has_header:
        dim = len(rests[0].split())
    try:
        with warnings.catch_warnings():  # numpy warns or raises where a value does not parse
            warnings.simplefilter("ignore")
            values = np.fromstring(b" ".join(rests), dtype=np.float32, sep=" ")
    except ValueError:
        values = np.empty(0, np.float32)
    if values.size != len(lines) * dim:
        _raise_at_bad_line(path, rests, dim, first_body_line)
    keys = [_decode(path, w, i + first_body_line, unicode_errors) for i, w in enumerate(words)]
    _check_unique(path, keys, lambda i: i + first_body_line)
    return keys, values.reshape(len(lines), dim)


def _raise_at_bad_line(path, rests, dim, first_body_line):
    for i, rest in enumerate(rests):
        fields = rest.split()
        if len(fields) != dim:
            raise ZooDataError(path, f"expected {dim} values, found {len(fields)}", line=i + first_body_line)
        for field in fields:
            try:
                float(field)
            except ValueError:
                raise ZooDataError(path, f"value {field[:20]!r} is not a number", line=i + first_body_line) from None
    raise ZooDataError(path, "values do not parse")


def read_word2vec_binary(path, limit=None, unicode_errors="strict"):
    """word2vec binary: a `count dim` header line, then per word `word<space>` and dim little-endian float32."""
    data = _read_all(path)
    first, _, _ = data.partition(b"\n")
    header = _header(path, first)
    if header is None:
        raise ZooDataError(path, f"not a word2vec binary file (no 'count dim' header: {first[:40]!r})", line=1)
    count, dim = header
    count = min(count, limit) if limit is not None else count
    position, width = len(first) + 1, 4 * dim
    keys, offsets = [], np.empty(count, dtype=np.int64)
    for i in range(count):
        while data[position : position + 1] == b"\n":  # some writers end each vector with a newline
            position += 1
        end = data.find(b" ", position)
        if end < 0 or end + 1 + width > len(data):
            raise ZooDataError(path, f"truncated: the header promises {header[0]} vectors, "
                               f"the data ends in vector {i + 1}")
        keys.append(_decode(path, data[position:end], f"vector {i + 1}", unicode_errors))
        offsets[i] = end + 1
        position = end + 1 + width
    buffer = np.frombuffer(data, dtype=np.uint8)
    matrix = buffer[offsets[:, None] + np.arange(width)].view("<f4").reshape(count, dim).astype(np.float32)
    _check_unique(path, keys, lambda i: f"vector {i + 1}")
    return keys, matrix


def read_vectors(path, format=None, limit=None, unicode_errors="strict"):
    format = format or sniff_format(path)
    if format not in FORMATS:
        raise ValueError(f"unknown vector format {format!r}; choose one of {', '.join(FORMATS)}")
    if format == "word2vec-binary":
        return read_word2vec_binary(path, limit, unicode_errors)
    return read_text(path, has_header=format == "word2vec", limit=limit, unicode_errors=unicode_errors)


def write_vectors(path, keys, matrix, format="word2vec"):  # noqa: A002  (format: as in gensim)
    """Writes GloVe text, word2vec text or word2vec binary; through a temporary file renamed into place."""
    import os

    if format not in FORMATS:
        raise ValueError(f"unknown vector format {format!r}; choose one of {', '.join(FORMATS)}")
    matrix = np.asarray(matrix, dtype=np.float32)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "wb") as out:
        if format != "glove":  # the header
            out.write(f"{len(keys)} {matrix.shape[1]}\n".encode())
        for key, row in zip(keys, matrix):
            if format == "word2vec-binary":
                out.write(key.encode() + b" " + row.astype("<f4").tobytes() + b"\n")
            else:
                out.write((key + " " + " ".join(f"{v:.9g}" for v in row) + "\n").encode())  # 9 digits: exact float32
    os.replace(temporary, path)
