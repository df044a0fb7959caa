"""Reading records from text files with errors that name the file and line, and records -> tf.data."""

import bz2
import gzip
import math
import os
from pathlib import Path

import numpy as np

from zoo.errors import ZooDataError


def first_non_finite(matrix, block=1 << 16):
    """(row, value) of the first NaN or infinity in a 2-D array, scanned in blocks of rows (no temporary the size
    of the matrix); None when every value is finite."""
    for start in range(0, len(matrix), block):
        finite = np.isfinite(matrix[start : start + block]).all(axis=1)
        if not finite.all():
            row = start + int(np.argmin(finite))
            return row, matrix[row][~np.isfinite(matrix[row])][0]
    return None


def open_binary(path):
    """Opens a file for reading bytes, also when it is `.gz` or `.bz2` compressed."""
    path = Path(path)
    if path.is_dir():
        raise ZooDataError(path, "a directory, not a file")
    if not path.is_file():
        raise ZooDataError(path, "no such file")
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    return opener(path, "rb")


def numbered_lines(path, encoding="utf-8"):
    """Yields (line number, line without its line ending); a byte that is not `encoding` names its line."""
    with open_binary(path) as handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                yield lineno, raw.decode(encoding).rstrip("\r\n")
            except UnicodeDecodeError as error:
                raise ZooDataError(path, f"not valid {encoding} ({error.reason})", line=lineno) from None


def split_fields(path, lineno, line, sep, at_least, names=None):
    """Splits a line on `sep`; fewer than `at_least` fields is an error naming the file and line."""
    fields = line.split(sep)
    if len(fields) < at_least:
        what = f" ({', '.join(names)})" if names else ""
        raise ZooDataError(path, f"expected {at_least} fields{what}, found {len(fields)}", line=lineno)
    return fields


def parse_number(path, lineno, text, field, kind=float):
    try:
        value = kind(text)
    except ValueError:
        raise ZooDataError(path, f"field {field!r} is not a number: {text!r}", line=lineno) from None
    if not math.isfinite(value):  # float() takes "nan" and "inf"
        raise ZooDataError(path, f"field {field!r} is not a finite number: {text!r}", line=lineno)
    return value


def to_dataset(records):
    """A `tf.data.Dataset` of dicts, one per record, from a list of NamedTuples (the loaders' records)."""
    import tensorflow as tf

    if not records:
        raise ValueError("to_dataset() needs at least one record")
    columns = {}
    for name in records[0]._fields:
        values = [getattr(record, name) for record in records]
        if isinstance(values[0], (tuple, list)):
            values = tf.ragged.constant([list(v) for v in values])
        columns[name] = values
    return tf.data.Dataset.from_tensor_slices(columns)


def data_dir():
    """Where prepared data sets live: $ZOO_DATA_DIR, else the user's cache folder."""
    if os.environ.get("ZOO_DATA_DIR"):
        return Path(os.environ["ZOO_DATA_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "zoo"
