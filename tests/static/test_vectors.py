"""zoo.Vectors against gensim, the independent reference, on every vector file gensim ships in text formats."""

import bz2
import gzip
import os

import gensim
import numpy as np
import pytest
from gensim.models import KeyedVectors

from zoo.data import load_word_pairs
from zoo.errors import ZooDataError
from zoo.static.vectors import Vectors, rank

GENSIM_DATA = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")
FILES = [  # (file, gensim's options)
    ("test_glove.txt", {"no_header": True}),
    ("euclidean_vectors.bin", {"binary": True}),
    ("lee_fasttext.vec", {}),
    ("toy-model.vec", {}),
    ("pang_lee_polarity_fasttext.vec", {"unicode_errors": "replace"}),  # has bytes that are not UTF-8
]


def reference(name, options):
    return KeyedVectors.load_word2vec_format(os.path.join(GENSIM_DATA, name), **options)


@pytest.mark.parametrize("name, options", FILES)
def test_same_words_in_the_same_order_and_the_same_vectors_as_gensim(name, options):
    vectors = Vectors.load(os.path.join(GENSIM_DATA, name), unicode_errors=options.get("unicode_errors", "strict"))
    expected = reference(name, options)
    assert vectors.keys == expected.index_to_key
    np.testing.assert_allclose(vectors.matrix, expected.vectors, atol=1e-6)


def test_strict_decoding_names_the_line_and_the_lenient_option():
    with pytest.raises(ZooDataError, match=r"pang_lee_polarity_fasttext.vec:150: .*unicode_errors='replace'"):
        Vectors.load(os.path.join(GENSIM_DATA, "pang_lee_polarity_fasttext.vec"))


@pytest.mark.parametrize("format", ["glove", "word2vec", "word2vec-binary"])
@pytest.mark.parametrize("compress", [None, gzip.open, bz2.open])
def test_write_then_read_round_trips_also_compressed(tmp_path, format, compress):
    original = Vectors.load(os.path.join(GENSIM_DATA, "lee_fasttext.vec"))
    path = tmp_path / f"v.{format}"
    original.save(path, format=format)
    if compress:
        suffix = ".gz" if compress is gzip.open else ".bz2"
        with compress(str(path) + suffix, "wb") as out:
            out.write(path.read_bytes())
        path = tmp_path / (path.name + suffix)
    loaded = Vectors.load(path)
    assert loaded.keys == original.keys
    np.testing.assert_array_equal(loaded.matrix, original.matrix)
    assert Vectors.load(path, limit=10).keys == original.keys[:10]


def test_most_similar_matches_gensim_for_one_and_many_queries():
    path = os.path.join(GENSIM_DATA, "lee_fasttext.vec")
    vectors, expected = Vectors.load(path), reference("lee_fasttext.vec", {})
    batch = vectors.most_similar(["the", "government", "police"], topn=5)
    for word, result in zip(["the", "government", "police"], batch):
        want = expected.most_similar(word, topn=5)
        assert [w for w, _ in result] == [w for w, _ in want]
        np.testing.assert_allclose([s for _, s in result], [s for _, s in want], atol=1e-5)
    single = vectors.most_similar("police", topn=5)
    assert [w for w, _ in single] == [w for w, _ in batch[2]]
    np.testing.assert_allclose([s for _, s in single], [s for _, s in batch[2]], atol=1e-6)


@pytest.mark.parametrize("benchmark", ["wordsim353", "simlex999", "men"])
def test_evaluate_word_pairs_gives_gensims_figures(tmp_path, benchmark):
    path = os.path.join(GENSIM_DATA, "lee_fasttext.vec")
    pairs = load_word_pairs(benchmark)
    as_file = tmp_path / "pairs.tsv"  # gensim reads pairs from a tab-separated file
    as_file.write_text("".join(f"{p.word1}\t{p.word2}\t{p.score}\n" for p in pairs))
    (pearson, _), (spearman, _), oov = reference("lee_fasttext.vec", {}).evaluate_word_pairs(str(as_file))
    ours = Vectors.load(path).evaluate_word_pairs(pairs)
    assert ours["pearson"] == pytest.approx(pearson, abs=1e-6)
    assert ours["spearman"] == pytest.approx(spearman, abs=1e-6)
    assert ours["oov_ratio"] * 100 == pytest.approx(oov, abs=1e-9)


def test_rank_gives_ties_their_average_rank():
    np.testing.assert_array_equal(rank([10, 20, 20, 5]), [2, 3.5, 3.5, 1])


@pytest.mark.parametrize("content, message, line", [
    (b"", "empty file", None),
    (b"a 1 2 3\nb 1 2\n", "expected 3 values, found 2", 2),
    (b"a 1 2 3\nb 1 x 3\n", "value b'x' is not a number", 2),
    (b"3 2\na 1 2\nb 1 2\n", "header says 3 words, the file has 2", 1),
    (b"a 1 2\nb 3 4\na 5 6\n", "duplicate word 'a' (first on line 1)", 3),
    (b"a 1 2\n\xff\xfe 3 4\n", "word is not valid UTF-8", 2),
])
def test_bad_text_files_name_file_and_line(tmp_path, content, message, line):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ZooDataError) as error:
        Vectors.load(path)
    assert message in str(error.value)
    assert str(error.value).startswith(f"{path}:{line}:" if line else f"{path}:")


def test_a_truncated_binary_file_is_an_error_not_half_a_table(tmp_path):
    data = open(os.path.join(GENSIM_DATA, "euclidean_vectors.bin"), "rb").read()
    path = tmp_path / "cut.bin"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ZooDataError, match="truncated: the header promises 2747 vectors"):
        Vectors.load(path)


@pytest.mark.parametrize("name, benchmark", [("lee_fasttext.vec", "google-analogies"),
                                             ("euclidean_vectors.bin", "google-analogies"),
                                             ("lee_fasttext.vec", "msr-analogies")])
def test_evaluate_analogies_gives_gensims_accuracy(tmp_path, name, benchmark):
    from zoo.data import load_analogies

    analogies = load_analogies(benchmark)
    as_file = tmp_path / "questions.txt"  # gensim reads Google's format
    sections = {}
    for q in analogies:
        sections.setdefault(q.section, []).append(f"{q.a} {q.b} {q.c} {q.expected}\n")
    as_file.write_text("".join(f": {s}\n" + "".join(lines) for s, lines in sections.items()))
    options = {"binary": True} if name.endswith(".bin") else {}
    score, gensim_sections = reference(name, options).evaluate_word_analogies(str(as_file))
    total = gensim_sections[-1]
    ours = Vectors.load(os.path.join(GENSIM_DATA, name)).evaluate_analogies(analogies)
    assert ours["questions"] == len(total["correct"]) + len(total["incorrect"]) > 0
    assert ours["correct"] == len(total["correct"])
    assert ours["accuracy"] == pytest.approx(score)


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("a, b, c", [("man", "president", "people"), ("the", "of", "and"),
                                     ("government", "police", "Australian")])
def test_analogy_matches_gensims_most_similar_and_most_similar_cosmul(method, a, b, c):
    vectors, expected = Vectors.load(os.path.join(GENSIM_DATA, "lee_fasttext.vec")), reference("lee_fasttext.vec", {})
    query = expected.most_similar if method == "3cosadd" else expected.most_similar_cosmul
    want = query(positive=[b, c], negative=[a], topn=5)
    got = vectors.analogy(a, b, c, topn=5, method=method)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_evaluate_analogies_with_3cosmul_scores_each_question_as_gensims_most_similar_cosmul():
    from zoo.data import load_analogies

    vectors, expected = Vectors.load(os.path.join(GENSIM_DATA, "lee_fasttext.vec")), reference("lee_fasttext.vec", {})
    # The questions whose words are all in this small vocabulary (gensim has no 3CosMul evaluation to call).
    analogies = [q for q in load_analogies("google-analogies")
                 if all(w in vectors for w in (q.a, q.b, q.c, q.expected))]
    assert len(analogies) > 20
    correct = sum(expected.most_similar_cosmul(positive=[q.b, q.c], negative=[q.a], topn=1)[0][0] == q.expected
                  for q in analogies)
    ours = vectors.evaluate_analogies(analogies, case_insensitive=False, method="3cosmul")
    assert (ours["questions"], ours["correct"]) == (len(analogies), correct)


@pytest.mark.parametrize("words", [["the", "of", "and", "government"], ["police", "people", "man", "the"],
                                   ["Australian", "Palestinian", "Israeli", "said"]])
def test_doesnt_match_agrees_with_gensim(words):
    vectors, expected = Vectors.load(os.path.join(GENSIM_DATA, "lee_fasttext.vec")), reference("lee_fasttext.vec", {})
    assert vectors.doesnt_match(words) == expected.doesnt_match(words)


def test_doesnt_match_leaves_out_unknown_words_with_a_warning():
    vectors = Vectors(["a", "b", "c"], np.array([[1, 0], [0.9, 0.1], [0, 1]], np.float32))
    with pytest.warns(UserWarning, match="no vectors for \\['zzz'\\]"):
        assert vectors.doesnt_match(["a", "b", "c", "zzz"]) == "c"
