"""Reading and writing pretrained vector files: GloVe text, word2vec text (fastText .vec) and word2vec binary.

Each reader returns (keys, float32 matrix) in file order, or raises ZooDataError naming the file and line:
never a half-loaded table. Files may be `.gz` or `.bz2` compressed. `unicode_errors` is gensim's option of the
same name ("strict", "replace" or "ignore") for words that are not valid UTF-8.
"""

import sys
import warnings

import numpy as np

from zoo.data.fasttext_bin import is_fasttext_head
from zoo.data.records import first_non_finite, open_binary
from zoo.errors import ZooDataError
from zoo.files import written_aside

FORMATS = ("glove", "word2vec", "word2vec-binary")


CHUNK_BYTES = 8 << 20  # the readers read this much at a time; beyond the matrix they hold a few chunks' worth
_ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() strips, for lines held as latin-1 text


def _read(path, handle, size):
    try:
        return handle.read(size)
    except (OSError, EOFError) as error:
        raise ZooDataError(path, f"cannot read ({error})") from None


def _header_line(path, handle):
    """The first line (at most 64 KB of it, without its line end) and its (count, dim), or None for no header."""
    try:
        line = handle.readline(1 << 16)
    except (OSError, EOFError) as error:
        raise ZooDataError(path, f"cannot read ({error})") from None
    line = line[:-1] if line.endswith(b"\n") else line
    return line, _header(path, line)


def _header(path, first_line):
    """(count, dim) of a word2vec header line, or None where the line is not a header."""
    fields = first_line.split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        return int(fields[0]), int(fields[1])
    return None


def _pieces(path, handle):
    """The rest of the file in pieces of about CHUNK_BYTES, each ending at a line end (but the last, which is
    what is left)."""
    carry = b""
    while data := _read(path, handle, CHUNK_BYTES):
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # a line longer than a chunk
            carry += data
            continue
        yield b"".join((carry, memoryview(data)[:cut]))
        carry = data[cut:]
    if carry:
        yield carry


def _count_lines(path, limit):
    """The number of lines (a last one without a line end counts), or `limit` where the file has more."""
    count, last = 0, b"\n"
    with open_binary(path) as handle:
        while (limit is None or count < limit) and (data := _read(path, handle, CHUNK_BYTES)):
            count, last = count + data.count(b"\n"), data[-1:]
    count += last != b"\n"
    return count if limit is None else min(count, limit)


def _allocate(path, rows, dim, header):
    try:
        return np.empty((rows, dim), dtype=np.float32)
    except MemoryError:
        if not header:
            raise
        raise ZooDataError(path, f"the header's {rows} words of {dim} values do not fit in memory", line=1) from None


def sniff_format(path):
    with open_binary(path) as handle:  # the first 4 KB tell; the reader streams the file, later
        data = _read(path, handle, 4096)
    if not data.strip():
        raise ZooDataError(path, "empty file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # else its NUL bytes would pass for fastText's binary layout
        raise ZooDataError(path, "UTF-16 text (it starts with a UTF-16 byte-order mark): vector files are UTF-8")
    if is_fasttext_head(data):
        return "fasttext-bin"
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


def _decode_all(path, raw_words, separator, where, unicode_errors):
    """Words from bytes that cannot hold `separator`, decoded in one call; `where(i)` names word i's place."""
    if not raw_words:
        return []
    raw = separator.join(raw_words)
    try:
        return raw.decode("utf-8", errors=unicode_errors).split(separator.decode())
    except UnicodeDecodeError as error:
        raise ZooDataError(path, "word is not valid UTF-8 (pass unicode_errors='replace' to load anyway)",
                           line=where(raw.count(separator, 0, error.start))) from None


def _check_unique(path, keys, line_of):
    if len(set(keys)) != len(keys):
        seen = {}
        for i, key in enumerate(keys):
            if key in seen:
                raise ZooDataError(path, f"duplicate word {key!r} (first on line {line_of(seen[key])})",
                                   line=line_of(i))
            seen[key] = i


def read_text(path, has_header, limit=None, unicode_errors="strict"):
    """GloVe text (no header) or word2vec text (`count dim` header): `word v1 ... vd` a line.

    Streams the file in pieces of about CHUNK_BYTES into a matrix allocated once (its size from the header, or
    for GloVe from a first pass that counts lines), parsing each piece's numbers in one `np.loadtxt` call.
    Blank lines at the end of the file are ignored; a blank line before a vector is an error."""
    rows, dim, expected_count, first_body_line = None, None, None, 1
    if not has_header:
        rows = _count_lines(path, limit)
    with open_binary(path) as handle:
        if has_header:
            first, header = _header_line(path, handle)
            if header is None:
                raise ZooDataError(path, f"expected a 'count dim' header, found {first[:40]!r}", line=1)
            expected_count, dim = header
            rows, first_body_line = (expected_count if limit is None else min(expected_count, limit)), 2
        check_count = has_header and limit is None  # the header's count must be the number of vectors
        matrix, keys, filled, content = None, [], 0, False
        lineno, blank = first_body_line, None  # the next line's number; the first blank line since a vector
        pieces = _pieces(path, handle)
        for piece in pieces:
            lines = piece.decode("latin-1").split("\n")  # latin-1: a character a byte; words are decoded below
            if not lines[-1]:
                lines.pop()  # the piece's last line end
            lines = [line.rstrip(_ASCII_SPACE) for line in lines]
            end = len(lines)
            while end and not lines[end - 1]:
                end -= 1  # blank lines at the end of the piece, which may be the end of the file
            if end:
                content = True
                if dim is None:  # GloVe: as many values as the first line has
                    first = next(i for i, line in enumerate(lines) if line)
                    dim = len(lines[first].partition(" ")[2].split())
                    if not dim:
                        raise ZooDataError(path, "no values after the word", line=lineno + first)
            take = min(end, rows - filled)
            if take < end and check_count:  # more vectors than the header says
                _raise_count_mismatch(path, expected_count, lineno + end - 1, lineno + len(lines), pieces)
            if take and blank is not None:
                raise ZooDataError(path, f"expected {dim} values, found 0", line=blank)
            if take:
                if "" in lines[:take]:
                    raise ZooDataError(path, f"expected {dim} values, found 0", line=lineno + lines.index(""))
                words, _, rests = zip(*(line.partition(" ") for line in lines[:take]))
                if matrix is None:
                    matrix = _allocate(path, rows, dim, has_header)
                matrix[filled : filled + take] = _parse_values(path, rests, lineno, dim)
                keys += words if piece.isascii() else _decode_all(
                    path, [w.encode("latin-1") for w in words], b"\n", lambda i, at=lineno: at + i, unicode_errors)
                filled += take
            if end < len(lines) and blank is None:
                blank = lineno + end
            lineno += len(lines)
            if filled == rows and not check_count:
                break
    if not content:
        raise ZooDataError(path, "header but no vectors" if has_header else "empty file")
    if check_count and filled != expected_count:
        raise ZooDataError(path, f"header says {expected_count} words, the file has {filled}", line=1)
    if matrix is None:  # limit=0
        matrix = np.empty((0, dim), dtype=np.float32)
    if filled < len(matrix):  # blank lines at the end were counted as lines
        matrix.resize((filled, dim), refcheck=False)
    _check_unique(path, keys, lambda i: i + first_body_line)
    return keys, matrix


def _raise_count_mismatch(path, expected_count, last, lineno, pieces):
    """The header promises fewer vectors than the file holds: counts them (up to its last non-blank line)."""
    for piece in pieces:
        lines = piece.split(b"\n")
        if not lines[-1]:
            lines.pop()
        last = next((lineno + i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), last)
        lineno += len(lines)
    raise ZooDataError(path, f"header says {expected_count} words, the file has {last - 1}", line=1)  # 1: header


def _parse_values(path, rests, lineno, dim):
    """The numbers of a piece's lines (each without its word) as a (lines, dim) float32 array."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # loadtxt warns where it finds no numbers
            values = np.loadtxt(rests, dtype=np.float32, ndmin=2, comments=None, quotechar=None)
        if values.shape == (len(rests), dim):
            return _finite(path, values, rests, lineno)
    except ValueError:
        pass
    return _finite(path, _parse_slowly(path, rests, lineno, dim), rests, lineno)


def _finite(path, values, rests, lineno):
    """The values, or an error naming the first line with a NaN or an infinity (also a number beyond float32's
    range): gensim loads them, and every similarity with such a row is then NaN."""
    if not np.isfinite(values).all():
        row, column = np.argwhere(~np.isfinite(values))[0]
        bad = rests[row].encode("latin-1").split()[column].decode("latin-1")
        raise ZooDataError(path, f"value {bad[:20]!r} is not a finite number", line=lineno + int(row))
    return values


def _parse_slowly(path, rests, lineno, dim):
    """Line by line: names the first line with the wrong number of values or a value that is not a number, and
    otherwise parses what Python's float() takes but loadtxt does not (`1_000`)."""
    rows = []
    for i, rest in enumerate(rests):
        fields = rest.encode("latin-1").split()
        if len(fields) != dim:
            raise ZooDataError(path, f"expected {dim} values, found {len(fields)}", line=lineno + i)
        try:
            rows.append([float(field) for field in fields])
        except ValueError:
            bad = next(field for field in fields if not _is_number(field)).decode("latin-1")
            raise ZooDataError(path, f"value {bad[:20]!r} is not a number", line=lineno + i) from None
    return np.array(rows, dtype=np.float32).reshape(len(rests), dim)


def _is_number(field):
    try:
        float(field)
        return True
    except ValueError:
        return False


def read_word2vec_binary(path, limit=None, unicode_errors="strict"):
    """word2vec binary: a `count dim` header line, then per word `word<space>` and dim little-endian float32.

    Streams the file in pieces of about CHUNK_BYTES, copying each vector's bytes into a matrix allocated once."""
    with open_binary(path) as handle:
        first, header = _header_line(path, handle)
        if header is None:
            raise ZooDataError(path, f"not a word2vec binary file (no 'count dim' header: {first[:40]!r})", line=1)
        count, dim = header
        rows = min(count, limit) if limit is not None else count
        matrix = _allocate(path, rows, dim, header=True)
        out, width = memoryview(matrix.reshape(-1).view(np.uint8)), 4 * dim
        keys, raw_words, data, view, position = [], [], b"", memoryview(b""), 0

        def decode_words():
            first_vector = len(keys) + 1
            keys.extend(_decode_all(path, raw_words, b" ", lambda i: f"vector {first_vector + i}", unicode_errors))
            raw_words.clear()

        for i in range(rows):
            space = data.find(b" ", position)
            while space < 0 or space + 1 + width > len(data):
                more = _read(path, handle, CHUNK_BYTES)
                decode_words()
                if not more:
                    raise ZooDataError(path, f"truncated: the header promises {count} vectors, "
                                       f"the data ends in vector {i + 1}")
                data = data[position:] + more
                view, position = memoryview(data), 0
                space = data.find(b" ")
            raw_words.append(data[position:space].lstrip(b"\n"))  # some writers end each vector with a newline
            start = space + 1
            out[i * width : (i + 1) * width] = view[start : start + width]
            position = start + width
        decode_words()
        if rows == count and (data[position:] + _read(path, handle, CHUNK_BYTES)).strip():
            raise ZooDataError(path, f"header says {count} words, more data follows vector {count}", line=1)
    if sys.byteorder == "big":
        matrix.byteswap(inplace=True)
    non_finite = first_non_finite(matrix)
    if non_finite:
        i, bad = non_finite
        raise ZooDataError(path, f"value {bad} is not a finite number", line=f"vector {i + 1}")
    _check_unique(path, keys, lambda i: f"vector {i + 1}")
    return keys, matrix


def read_vectors(path, format=None, limit=None, unicode_errors="strict"):
    format = format or sniff_format(path)
    if format == "fasttext-bin":
        raise ValueError(f"{path} is a fastText .bin model: zoo.Vectors.load reads it, with its subword vectors")
    if format not in FORMATS:
        raise ValueError(f"unknown vector format {format!r}; choose one of {', '.join(FORMATS)}")
    if format == "word2vec-binary":
        return read_word2vec_binary(path, limit, unicode_errors)
    return read_text(path, has_header=format == "word2vec", limit=limit, unicode_errors=unicode_errors)


def write_vectors(path, keys, matrix, format="word2vec"):  # noqa: A002  (format: as in gensim)
    """Writes GloVe text, word2vec text or word2vec binary; through a temporary file renamed into place."""
    if format not in FORMATS:
        raise ValueError(f"unknown vector format {format!r}; choose one of {', '.join(FORMATS)}")
    matrix = np.asarray(matrix, dtype=np.float32)
    with written_aside(path, folder=False) as temporary, open(temporary, "wb") as out:
        if format != "glove":  # the header
            out.write(f"{len(keys)} {matrix.shape[1]}\n".encode())
        for key, row in zip(keys, matrix):
            if format == "word2vec-binary":
                out.write(key.encode() + b" " + row.astype("<f4").tobytes() + b"\n")
            else:
                out.write((key + " " + " ".join(f"{v:.9g}" for v in row) + "\n").encode())  # 9 digits: exact float32
