"""The streaming readers of zoo.data.vector_files at chunk boundaries: tiny chunks put every line end, word and
vector across one, and the results and errors must be those of reading the file in one piece."""

import bz2
import gzip

import numpy as np
import pytest

from zoo.data import vector_files
from zoo.data.vector_files import read_text, read_vectors, read_word2vec_binary, write_vectors
from zoo.errors import ZooDataError

WORDS = ["the", "of", "naïve", "日本", "e-mail", "'s", "1990s", ",", "x" * 40, "é"]


@pytest.fixture(params=[7, 64, 1 << 20], ids=["7B", "64B", "1MB"])
def chunk(request, monkeypatch):
    monkeypatch.setattr(vector_files, "CHUNK_BYTES", request.param)
    return request.param


def table(rows=len(WORDS), dim=5, seed=0):
    matrix = np.random.default_rng(seed).uniform(-3, 3, (rows, dim)).round(6).astype(np.float32)
    keys = (WORDS * (rows // len(WORDS) + 1))[:rows]
    return [f"{k}{i // len(WORDS) or ''}" for i, k in enumerate(keys)], matrix


def text(keys, matrix, header=False, end="\n"):
    lines = [k + " " + " ".join(f"{v:.6f}" for v in row) for k, row in zip(keys, matrix)]
    return ((f"{len(keys)} {matrix.shape[1]}\n" if header else "") + end.join(lines) + end).encode()


@pytest.mark.parametrize("header", [False, True])
@pytest.mark.parametrize("ending", ["\n", "\r\n", "no final newline", "blank lines at the end"])
def test_text_read_in_tiny_chunks_is_the_file(tmp_path, chunk, header, ending):
    keys, matrix = table(rows=23)
    data = text(keys, matrix, header, "\r\n" if ending == "\r\n" else "\n")
    data = data[:-1] if ending == "no final newline" else data + b"\n \n\n" if ending.startswith("blank") else data
    path = tmp_path / "v.txt"
    path.write_bytes(data)
    got_keys, got = read_text(path, has_header=header)
    assert got_keys == keys
    np.testing.assert_array_equal(got, matrix)
    assert got.dtype == np.float32 and got.flags.c_contiguous and got.shape == (23, 5)
    for limit in (0, 1, 9, 23, 40):
        got_keys, got = read_text(path, has_header=header, limit=limit)
        assert got_keys == keys[:limit]
        np.testing.assert_array_equal(got, matrix[:limit])


def test_a_line_longer_than_a_chunk(tmp_path, chunk):
    keys, matrix = table(rows=4, dim=300)
    path = tmp_path / "long.txt"
    path.write_bytes(text(keys, matrix))
    got_keys, got = read_text(path, has_header=False)
    assert got_keys == keys
    np.testing.assert_array_equal(got, matrix)


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open)])
def test_compressed_files_stream_too(tmp_path, chunk, suffix, opener):
    keys, matrix = table(rows=30)
    for name, data in [("v.txt", text(keys, matrix)), ("v.vec", text(keys, matrix, header=True))]:
        path = tmp_path / (name + suffix)
        with opener(path, "wb") as out:
            out.write(data)
        got_keys, got = read_vectors(path)
        assert got_keys == keys
        np.testing.assert_array_equal(got, matrix)


def later_line(bad, rows=40, header=False):
    """A file of `rows` good lines but line 30 (counting a header), which is `bad`."""
    keys, matrix = table(rows=rows)
    lines = text(keys, matrix, header).split(b"\n")
    lines[29] = bad
    return b"\n".join(lines)


@pytest.mark.parametrize("bad, message", [
    (b"w 1 2 3", "expected 5 values, found 3"),
    (b"w 1 2 3 4 5 6", "expected 5 values, found 6"),
    (b"w 1 2 x 4 5", "value 'x' is not a number"),
    (b"", "expected 5 values, found 0"),
    (b"   ", "expected 5 values, found 0"),
    (b"w\xff 1 2 3 4 5", "word is not valid UTF-8"),
    (b"the 1 2 3 4 5", "duplicate word 'the' (first on line 1)"),
])
def test_errors_in_a_later_chunk_name_their_line(tmp_path, chunk, bad, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(later_line(bad))
    with pytest.raises(ZooDataError) as error:
        read_text(path, has_header=False)
    assert message in str(error.value) and str(error.value).startswith(f"{path}:30:")
    keys, _ = read_text(path, has_header=False, limit=29)  # the bad line is past the limit
    assert len(keys) == 29


def test_a_value_loadtxt_refuses_but_float_takes_is_read_as_gensim_would(tmp_path, chunk):
    path = tmp_path / "underscore.txt"
    path.write_bytes(b"a 1_000 2\nb 3 4\n")
    keys, matrix = read_text(path, has_header=False)
    assert keys == ["a", "b"]
    np.testing.assert_array_equal(matrix, [[1000, 2], [3, 4]])


@pytest.mark.parametrize("count, has", [(38, 40), (41, 40), (0, 40)])
def test_a_header_that_miscounts_is_an_error_on_line_1(tmp_path, chunk, count, has):
    keys, matrix = table(rows=has)
    data = text(keys, matrix, header=True).replace(b"40 5\n", f"{count} 5\n".encode(), 1)
    path = tmp_path / "v.vec"
    path.write_bytes(data + b"\n\n")
    with pytest.raises(ZooDataError, match=rf"^{path}:1: header says {count} words, the file has {has}$"):
        read_text(path, has_header=True)
    keys, _ = read_text(path, has_header=True, limit=5)  # with a limit the count is not checked; as gensim: the
    assert len(keys) == min(count, 5)  # first min(header's count, limit) vectors


def test_the_unicode_errors_option_reaches_every_chunk(tmp_path, chunk):
    path = tmp_path / "latin1.txt"
    path.write_bytes(later_line(b"caf\xe9 1 2 3 4 5"))
    keys, _ = read_text(path, has_header=False, unicode_errors="replace")
    assert keys[29] == "caf\ufffd"
    keys, _ = read_text(path, has_header=False, unicode_errors="ignore")
    assert keys[29] == "caf"


@pytest.mark.parametrize("newlines", [False, True])
def test_binary_read_in_tiny_chunks_is_the_file(tmp_path, chunk, newlines):
    keys, matrix = table(rows=25, dim=7)
    path = tmp_path / "v.bin"
    write_vectors(path, keys, matrix, format="word2vec-binary")  # ends each vector with a newline
    if not newlines:
        count = len(keys)
        path.write_bytes(f"{count} 7\n".encode() + b"".join(
            k.encode() + b" " + row.astype("<f4").tobytes() for k, row in zip(keys, matrix)))
    got_keys, got = read_word2vec_binary(path)
    assert got_keys == keys
    np.testing.assert_array_equal(got, matrix)
    got_keys, got = read_word2vec_binary(path, limit=11)
    assert got_keys == keys[:11]
    np.testing.assert_array_equal(got, matrix[:11])


def test_binary_errors_name_the_vector(tmp_path, chunk):
    keys, matrix = table(rows=25, dim=7)
    path = tmp_path / "v.bin"
    write_vectors(path, keys, matrix, format="word2vec-binary")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"\n" + keys[20].encode() + b" ", b"\n\xff\xfe ", 1))
    with pytest.raises(ZooDataError, match=r":vector 21: word is not valid UTF-8"):
        read_word2vec_binary(path)
    path.write_bytes(data[: data.index(b"\n" + keys[21].encode() + b" ") + 10])  # into vector 22's numbers
    with pytest.raises(ZooDataError, match="truncated: the header promises 25 vectors, the data ends in vector 22"):
        read_word2vec_binary(path)
    assert len(read_word2vec_binary(path, limit=21)[0]) == 21


@pytest.mark.parametrize("format", ["glove", "word2vec", "word2vec-binary"])
def test_reading_holds_little_beyond_the_matrix(tmp_path, monkeypatch, format):
    import tracemalloc

    monkeypatch.setattr(vector_files, "CHUNK_BYTES", 128 << 10)
    keys = [f"w{i}" for i in range(5000)]
    matrix = np.random.default_rng(0).uniform(-1, 1, (5000, 200)).astype(np.float32)
    path = tmp_path / "v"
    write_vectors(path, keys, matrix, format=format)  # text: 9 digits a value, a file of 10 MB
    tracemalloc.start()
    try:
        got_keys, got = read_vectors(path, format)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(got, matrix)
    assert peak < 1.5 * matrix.nbytes, f"peak {peak / matrix.nbytes:.2f}x the matrix"
