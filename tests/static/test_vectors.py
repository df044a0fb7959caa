"""zoo.Vectors against gensim, the independent reference: every vector file gensim ships in text formats, and
gensim's KeyedVectors API (most_similar, similarity, get_vector, ...) on the same files and queries."""

import bz2
import gzip
import os
import sys

import gensim
import numpy as np
import pytest
from gensim.models import KeyedVectors
from gensim.models.fasttext import FastTextKeyedVectors, load_facebook_model

from zoo.data import load_word_pairs, pretrained_vectors_path
from zoo.errors import ZooDataError, ZooInputError
from zoo.static.vectors import NotInVocabularyError, Vectors, rank

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


def test_most_similar_each_answers_each_query_as_gensims_most_similar():
    path = os.path.join(GENSIM_DATA, "lee_fasttext.vec")
    vectors, expected = Vectors.load(path), reference("lee_fasttext.vec", {})
    batch = vectors.most_similar_each(["the", "government", "police"], topn=5)
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
    (b"a 1 2 3\nb 1 x 3\n", "value 'x' is not a number", 2),
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


# === gensim's KeyedVectors API, against gensim on the files the project prepares ===

def assert_same_answer(got, want):
    """Scores to 1e-5, and the same keys in the same order wherever gensim's scores are not tied."""
    assert len(got) == len(want)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
    tied = {i for i in range(len(want)) for j in (i - 1, i + 1)
            if 0 <= j < len(want) and abs(want[i][1] - want[j][1]) < 1e-6}
    assert [w for i, (w, _) in enumerate(got) if i not in tied] == [w for i, (w, _) in enumerate(want) if i not in tied]


@pytest.fixture(scope="module")
def vec():
    """lee_fasttext.vec read by zoo and by gensim's KeyedVectors."""
    path = pretrained_vectors_path("lee_fasttext.vec")
    return Vectors.load(path), KeyedVectors.load_word2vec_format(str(path))


@pytest.fixture(scope="module")
def fasttext_bin():
    """lee_fasttext_new.bin (subword buckets) read by zoo and by gensim's load_facebook_model."""
    path = pretrained_vectors_path("lee_fasttext_new.bin")
    return Vectors.load(path), load_facebook_model(str(path))


@pytest.fixture(params=["vec", "bin"])
def both(request, vec, fasttext_bin):
    """(zoo's Vectors, gensim's KeyedVectors) for the .vec and for the .bin."""
    return vec if request.param == "vec" else (fasttext_bin[0], fasttext_bin[1].wv)


QUERIES = {  # name: gensim's reference KeyedVectors -> most_similar's arguments
    "positives summed": lambda kv: {"positive": ["he", "Mr"]},
    "one word": lambda kv: {"positive": "police", "topn": 5},
    "analogy": lambda kv: {"positive": ["president", "people"], "negative": ["man"]},
    "analogy, topn 3": lambda kv: {"positive": ["government", "police"], "negative": ["Australian"], "topn": 3},
    "negative only": lambda kv: {"negative": ["government"], "topn": 5},
    "weighted pairs": lambda kv: {"positive": [("he", 2.0), ("Mr", 0.5)], "negative": [("man", -0.3)]},
    "negative pair weight as given": lambda kv: {"positive": ["he"], "negative": [("man", 0.5)]},
    "a vector": lambda kv: {"positive": kv["police"] * 3},
    "a 2-D array of vectors": lambda kv: {"positive": kv[["police", "government"]]},
    "a vector with words": lambda kv: {"positive": ["he", kv["Mr"] * 2.5], "negative": [(kv["man"], -2.0)]},
    "restrict_vocab": lambda kv: {"positive": ["the"], "restrict_vocab": 200, "topn": 20},
    "more than the vocabulary": lambda kv: {"positive": ["the", "of"], "topn": 5000},
}


@pytest.mark.parametrize("query", QUERIES.values(), ids=QUERIES.keys())
def test_most_similar_is_gensims(both, query):
    vectors, expected = both
    arguments = query(expected)
    assert_same_answer(vectors.most_similar(**arguments), expected.most_similar(**arguments))


def test_an_int_key_is_a_row_number_as_in_gensims_keyed_vectors(vec, fasttext_bin):
    vectors, expected = vec
    assert_same_answer(vectors.most_similar([3, "Mr"]), expected.most_similar([3, "Mr"]))
    np.testing.assert_array_equal(vectors[7], expected[7])
    np.testing.assert_array_equal(vectors[[7, "Mr"]], expected[[7, "Mr"]])
    assert vectors.get_index("Mr") == expected.get_index("Mr") and vectors.get_index(7) == 7
    vectors, model = fasttext_bin  # gensim's FastTextKeyedVectors hashes str(7) instead; a row here as well
    np.testing.assert_allclose(vectors[7], model.wv[model.wv.index_to_key[7]], atol=1e-6)


def test_most_similar_of_two_words_is_one_answer_as_gensim(vec):
    vectors, expected = vec
    got = vectors.most_similar(["he", "Mr"])
    assert [w for w, _ in got][:2] == ["place", "matter"] == [w for w, _ in expected.most_similar(["he", "Mr"])][:2]


@pytest.mark.parametrize("arguments", [{"positive": ["governmentally"]},
                                       {"positive": ["he", "zyxwv"], "negative": ["photosynthesizing"]},
                                       {"positive": [("governmentally", 2.0), "police"], "topn": 3}])
def test_most_similar_gives_unseen_words_their_subword_vectors_as_gensims_fasttext(fasttext_bin, arguments):
    vectors, model = fasttext_bin
    assert_same_answer(vectors.most_similar(**arguments), model.wv.most_similar(**arguments))


@pytest.mark.parametrize("restrict_vocab", [None, 100])
@pytest.mark.parametrize("arguments", [{"positive": ["he", "Mr"]},
                                       {"positive": ["president", "people"], "negative": ["man"]}])
def test_most_similar_with_topn_none_is_gensims_similarity_array(both, arguments, restrict_vocab):
    vectors, expected = both
    got = vectors.most_similar(**arguments, topn=None, restrict_vocab=restrict_vocab)
    want = expected.most_similar(**arguments, topn=None, restrict_vocab=restrict_vocab)
    assert isinstance(got, np.ndarray) and got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_most_similar_with_topn_zero_is_empty_and_with_no_query_an_error(vec):
    vectors, expected = vec
    assert vectors.most_similar("he", topn=0) == expected.most_similar("he", topn=0) == []
    with pytest.raises(ValueError):
        vectors.most_similar()


def test_most_similar_each_takes_words_and_vectors_and_not_a_single_query(fasttext_bin):
    vectors, model = fasttext_bin
    queries = ["police", "governmentally", model.wv["government"]]
    for got, query in zip(vectors.most_similar_each(queries, topn=4), queries):
        assert_same_answer(got, model.wv.most_similar(query, topn=4))
    with pytest.raises(TypeError, match="most_similar_each takes a list"):
        vectors.most_similar_each("police")


@pytest.mark.parametrize("w1, w2", [("he", "Mr"), ("government", "police"), ("the", "the")])
def test_similarity_is_gensims(both, w1, w2):
    vectors, expected = both
    assert vectors.similarity(w1, w2) == pytest.approx(float(expected.similarity(w1, w2)), abs=1e-5)


@pytest.mark.parametrize("w1, w2", [("government", "governmentally"), ("zyxwv", "police"),
                                    ("photosynthesizing", "photosynthesis")])
def test_similarity_of_unseen_words_of_a_bin_is_gensims_fasttext(fasttext_bin, w1, w2):
    vectors, model = fasttext_bin
    assert w1 not in vectors or w2 not in vectors
    assert vectors.similarity(w1, w2) == pytest.approx(float(model.wv.similarity(w1, w2)), abs=1e-5)


UNKNOWN_WORD_CALLS = {  # the call on zoo's Vectors, and the same on gensim's KeyedVectors
    "similarity": lambda v: v.similarity("he", "zyxwv"),
    "most_similar": lambda v: v.most_similar(["he", "zyxwv"]),
    "negative": lambda v: v.most_similar(negative="zyxwv"),
    "get_vector": lambda v: v.get_vector("zyxwv"),
    "[key]": lambda v: v["zyxwv"],
    "[keys]": lambda v: v[["he", "zyxwv"]],
    "each": lambda v: v.most_similar_each(["he", "zyxwv"]) if isinstance(v, Vectors) else v.most_similar("zyxwv"),
}


@pytest.mark.parametrize("call", UNKNOWN_WORD_CALLS.values(), ids=UNKNOWN_WORD_CALLS.keys())
def test_an_unknown_word_without_subwords_is_a_key_error_naming_it(vec, call):
    vectors, expected = vec
    with pytest.raises(KeyError):
        call(expected)  # gensim raises a KeyError too
    with pytest.raises(KeyError) as error:
        call(vectors)
    assert isinstance(error.value, NotInVocabularyError) and isinstance(error.value, ZooInputError)
    assert str(error.value).startswith("'zyxwv' is not in the vocabulary")


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("key", ["the", "Mr"])
def test_get_vector_and_getitem_are_gensims(both, key, norm):
    vectors, expected = both
    np.testing.assert_allclose(vectors.get_vector(key, norm=norm), expected.get_vector(key, norm=norm), atol=1e-6)
    np.testing.assert_allclose(vectors[key], expected[key], atol=1e-6)
    np.testing.assert_allclose(vectors[[key, "police"]], expected[[key, "police"]], atol=1e-6)


@pytest.mark.parametrize("norm", [False, True])
@pytest.mark.parametrize("word", ["governmentally", "zyxwv", "Mr."])
def test_get_vector_of_an_unseen_word_of_a_bin_is_gensims_fasttext(fasttext_bin, word, norm):
    vectors, model = fasttext_bin
    np.testing.assert_allclose(vectors.get_vector(word, norm=norm), model.wv.get_vector(word, norm=norm), atol=1e-5)
    np.testing.assert_allclose(vectors[["the", word]], model.wv[["the", word]], atol=1e-5)


def test_keys_rows_and_sizes_under_gensims_names(both):
    vectors, expected = both
    assert vectors.index_to_key == expected.index_to_key and vectors.key_to_index == expected.key_to_index
    np.testing.assert_allclose(vectors.vectors, expected.vectors, atol=1e-5)
    assert vectors.vector_size == vectors.dim == expected.vector_size
    assert vectors.vectors is vectors.matrix and vectors.keys is vectors.index_to_key
    assert vectors.index is vectors.key_to_index
    np.testing.assert_allclose(vectors.get_normed_vectors(), expected.get_normed_vectors(), atol=1e-6)
    assert ("Mr" in vectors, "zyxwv" in vectors) == (True, False)


@pytest.mark.parametrize("binary", [False, True])
def test_save_word2vec_format_is_read_back_by_gensim(both, tmp_path, binary):
    vectors, _ = both
    path = tmp_path / ("vectors.bin" if binary else "vectors.txt")
    vectors.save_word2vec_format(path, binary=binary)
    again = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert again.index_to_key == vectors.index_to_key
    np.testing.assert_array_equal(again.vectors, vectors.vectors)  # 9 significant digits: float32 exactly
    assert Vectors.load(path).index_to_key == vectors.index_to_key


def test_from_gensim_and_to_gensim_keep_keys_vectors_and_answers(vec):
    vectors, expected = vec
    ours = Vectors.from_gensim(expected)
    assert ours.index_to_key == expected.index_to_key and ours.subwords is None
    np.testing.assert_array_equal(ours.vectors, expected.vectors)
    theirs = vectors.to_gensim()
    assert type(theirs) is KeyedVectors and theirs.index_to_key == vectors.index_to_key
    assert theirs.key_to_index == vectors.key_to_index
    np.testing.assert_array_equal(theirs.vectors, vectors.vectors)
    assert theirs.vectors is not vectors.vectors  # copies: gensim's in-place normalisation leaves ours alone
    assert_same_answer(theirs.most_similar(["he", "Mr"]), expected.most_similar(["he", "Mr"]))
    assert_same_answer(Vectors.from_gensim(theirs).most_similar(["he", "Mr"]), vectors.most_similar(["he", "Mr"]))


UNSEEN = ["governmentally", "zyxwv", "photosynthesizing", "Mr.", "ünïcödé"]


@pytest.mark.parametrize("source", ["model", "wv"])
def test_from_gensim_keeps_a_fasttext_models_subwords(fasttext_bin, source):
    vectors, model = fasttext_bin
    ours = Vectors.from_gensim(model if source == "model" else model.wv)
    assert ours.index_to_key == vectors.index_to_key and ours.subwords is not None
    assert (ours.subwords.min_n, ours.subwords.max_n, ours.subwords.bucket) == (3, 6, 1000)
    np.testing.assert_allclose(ours.vectors, vectors.vectors, atol=1e-6)
    np.testing.assert_allclose(ours[UNSEEN], model.wv[UNSEEN], atol=1e-5)
    assert_same_answer(ours.most_similar("governmentally"), model.wv.most_similar("governmentally"))


def test_to_gensim_of_a_bin_is_a_fasttext_keyed_vectors_giving_gensims_unseen_vectors(fasttext_bin, tmp_path):
    vectors, model = fasttext_bin
    theirs = vectors.to_gensim()
    assert isinstance(theirs, FastTextKeyedVectors)
    assert (theirs.min_n, theirs.max_n, theirs.bucket) == (model.wv.min_n, model.wv.max_n, model.wv.bucket)
    np.testing.assert_allclose(theirs[UNSEEN], model.wv[UNSEEN], atol=1e-5)
    # Each word's own row, recovered from its composed vector: the composed vector's float32 rounding (1e-6) times
    # (n-grams + 1); what matters is that gensim recomposes the same vectors from it.
    np.testing.assert_allclose(theirs.vectors_vocab, model.wv.vectors_vocab, atol=5e-5)
    theirs.save(str(tmp_path / "wv"))  # gensim saves without .vectors and recomposes them from the rows on load
    loaded = FastTextKeyedVectors.load(str(tmp_path / "wv"))
    np.testing.assert_allclose(loaded.vectors, vectors.vectors, atol=1e-5)
    back = Vectors.from_gensim(theirs)
    np.testing.assert_allclose(back[UNSEEN], vectors[UNSEEN], atol=1e-6)
    assert_same_answer(back.most_similar(["he", "zyxwv"]), model.wv.most_similar(["he", "zyxwv"]))


@pytest.mark.parametrize("min_n, max_n, bucket", [(2, 4, 500), (1, 3, 97)])
def test_a_fasttext_model_gensim_trained_round_trips_with_its_subwords(min_n, max_n, bucket):
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    model = FastText(common_texts, vector_size=8, min_count=1, min_n=min_n, max_n=max_n, bucket=bucket, epochs=2,
                     seed=1, workers=1)
    ours = Vectors.from_gensim(model.wv)
    np.testing.assert_allclose(ours[UNSEEN], model.wv[UNSEEN], atol=1e-5)
    assert ours.similarity("human", "humanoid") == pytest.approx(float(model.wv.similarity("human", "humanoid")),
                                                                 abs=1e-5)
    theirs = ours.to_gensim()
    np.testing.assert_allclose(theirs[UNSEEN], model.wv[UNSEEN], atol=1e-5)
    np.testing.assert_allclose(theirs.vectors_vocab, model.wv.vectors_vocab, atol=5e-5)


def test_a_fasttext_model_without_ngrams_has_no_subwords_as_in_gensim():
    from gensim.models import FastText
    from gensim.test.utils import common_texts

    model = FastText(common_texts, vector_size=8, min_count=1, max_n=0, epochs=1, seed=1, workers=1)
    ours = Vectors.from_gensim(model.wv)
    assert ours.subwords is None and type(ours.to_gensim()) is KeyedVectors
    with pytest.raises(KeyError):
        model.wv["humanoid"]
    with pytest.raises(NotInVocabularyError, match="'humanoid' is not in the vocabulary"):
        ours["humanoid"]


def test_to_gensim_without_gensim_says_how_to_install_it(monkeypatch):
    vectors = Vectors(["a", "b"], np.eye(2, dtype=np.float32))
    for module in ("gensim", "gensim.models", "gensim.models.fasttext"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match="pip install gensim"):
        vectors.to_gensim()
