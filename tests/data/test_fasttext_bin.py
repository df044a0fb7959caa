"""fastText .bin models against gensim's load_facebook_model, the independent reference: words, vectors, the
vectors of unseen words, in numpy and inside a served graph."""

import bz2
import gzip
import os
import re
import struct

import gensim
import numpy as np
import pytest
import tensorflow as tf
from gensim.models import KeyedVectors
from gensim.models.fasttext import ft_ngram_hashes, load_facebook_model

import zoo
from zoo.errors import ZooDataError
from zoo.static.fasttext_subwords import ngram_buckets
from zoo.static.vectors import Vectors

GENSIM_DATA = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")
MODELS = ["lee_fasttext.bin", "lee_fasttext_new.bin", "toy-model.bin", "toy-model-pretrained.bin",
          "non_ascii_fasttext.bin"]  # the first is fastText's format before 2017 (no magic number)
UNSEEN = ["photosynthesis", "zyxwv", "Governments", "naïve", "日本語", "über-cool", "a", "xy", "running"]


def gensim_path(name):
    return os.path.join(GENSIM_DATA, name)


@pytest.fixture(scope="module", params=MODELS)
def model_pair(request):
    path = gensim_path(request.param)
    return Vectors.load(path), load_facebook_model(path).wv


def test_words_order_and_vectors_equal_gensims(model_pair):
    vectors, expected = model_pair
    assert vectors.keys == expected.index_to_key
    np.testing.assert_allclose(vectors.matrix, expected.vectors, atol=1e-6)


def test_unseen_words_get_gensims_subword_vectors(model_pair):
    vectors, expected = model_pair
    assert not any(word in vectors for word in UNSEEN[:5])
    for word in UNSEEN:
        np.testing.assert_allclose(vectors[word], expected[word], atol=1e-5, err_msg=word)


@pytest.mark.parametrize("min_n, max_n, bucket", [(3, 6, 2_000_000), (1, 3, 1000), (2, 4, 7), (5, 5, 100)])
def test_ngram_hashes_equal_gensims(min_n, max_n, bucket):
    words = UNSEEN + ["", "<", "x" * 30, "héllo wörld"]
    got = ngram_buckets(tf.constant(words), min_n, max_n, bucket).to_list()
    for word, rows in zip(words, got):
        assert sorted(rows) == sorted(ft_ngram_hashes(word, min_n, max_n, bucket)), word


def test_a_supervised_model_gives_the_vectors_of_its_vec_file():
    # gensim refuses supervised models; fastText's own .vec export of the same model is the reference.
    vectors = Vectors.load(gensim_path("pang_lee_polarity_fasttext.bin"), unicode_errors="replace")
    expected = KeyedVectors.load_word2vec_format(gensim_path("pang_lee_polarity_fasttext.vec"),
                                                 unicode_errors="replace")
    assert vectors.keys == expected.index_to_key
    np.testing.assert_allclose(vectors.matrix, expected.vectors, atol=1e-5)
    assert vectors.subwords is None  # trained without n-grams: as gensim, no vector for an unseen word
    with pytest.raises(KeyError):
        vectors["zyxwv"]


@pytest.mark.parametrize("compress", [gzip.open, bz2.open])
def test_compressed_and_limited_models_read_the_same(tmp_path, compress):
    path = gensim_path("lee_fasttext_new.bin")
    whole = Vectors.load(path)
    packed = tmp_path / ("model.bin" + (".gz" if compress is gzip.open else ".bz2"))
    with compress(packed, "wb") as out:
        out.write(open(path, "rb").read())
    again = Vectors.load(packed)
    np.testing.assert_array_equal(again.matrix, whole.matrix)
    first = Vectors.load(path, limit=100)
    assert first.keys == whole.keys[:100]
    np.testing.assert_array_equal(first.matrix, whole.matrix[:100])
    np.testing.assert_array_equal(first["zyxwv"], whole["zyxwv"])  # all buckets kept


def test_sentence_encoder_and_layer_compute_subword_vectors_in_the_graph(tmp_path):
    path = gensim_path("lee_fasttext_new.bin")
    vectors, expected = Vectors.load(path), load_facebook_model(path).wv
    texts = ["The photosynthesis of zyxwv, naïve!", "", "government", "unfathomable quixotic governments"]
    encoder = vectors.text_encoder(combiner="sqrtn")
    export_path = zoo.export(encoder, "fasttext_lee", warmup_examples={"text": texts}, root=str(tmp_path))
    report = zoo.check(export_path)
    assert not report.needs_tensorflow_text and not report.ops["unknown"]
    served = zoo.load_export(export_path)(tf.constant(texts)).numpy()
    for text, vector in zip(texts, served):
        tokens = re.sub(r"[^\w\s]", " ", text.lower()).split()
        want = sum((expected[t] for t in tokens), np.zeros(vectors.dim)) / max(np.sqrt(len(tokens)), 1)
        np.testing.assert_allclose(vector, want, atol=1e-5, err_msg=text)

    layer = vectors.embedding_layer()
    ragged = layer(tf.ragged.constant([["zyxwv", "the"], ["naïve"]]))
    np.testing.assert_allclose(ragged[0][0].numpy(), expected["zyxwv"], atol=1e-5)
    np.testing.assert_allclose(ragged[1][0].numpy(), expected["naïve"], atol=1e-5)
    dense = layer(tf.constant([["the", "photosynthesis"]])).numpy()
    np.testing.assert_allclose(dense[0], [expected["the"], expected["photosynthesis"]], atol=1e-5)
    zeros = vectors.embedding_layer(oov="zeros")(tf.constant(["photosynthesis"])).numpy()
    np.testing.assert_array_equal(zeros, np.zeros((1, vectors.dim)))


def _bad(tmp_path, data):
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("cut, message", [(20, "the file ends inside the arguments"),
                                          (120, "the file ends inside dictionary entry"),
                                          (-50, "the output matrix needs"),
                                          (-1000, "the input matrix needs")])
def test_a_truncated_model_is_an_error_not_half_a_model(tmp_path, cut, message):
    data = open(gensim_path("toy-model.bin"), "rb").read()
    with pytest.raises(ZooDataError, match=f"bad.bin: truncated: {message}"):
        Vectors.load(_bad(tmp_path, data[:cut]), format="fasttext-bin")


def test_a_bin_of_the_wrong_kind_says_what_it_is_not(tmp_path):
    word2vec_binary = gensim_path("euclidean_vectors.bin")
    with pytest.raises(ZooDataError, match="not a fastText .bin model.*word2vec binary"):
        Vectors.load(word2vec_binary, format="fasttext-bin")
    pickle = _bad(tmp_path, b"\x80\x04\x95" + bytes(200))  # what gensim's own .save() writes
    with pytest.raises(ZooDataError, match="not a fastText .bin model.*pickles"):
        Vectors.load(pickle)


def test_quantized_models_and_trailing_bytes_are_refused(tmp_path):
    data = open(gensim_path("toy-model.bin"), "rb").read()
    with pytest.raises(ZooDataError, match="5 unexpected bytes after the output matrix"):
        Vectors.load(_bad(tmp_path, data + b"extra"))
    # The quant_input flag sits right after the dictionary: the first byte of the input matrix header.
    rows, dim = 22 + 100, 5
    flag_at = len(data) - (1 + 16 + rows * dim * 4) - (1 + 16 + 22 * dim * 4)
    assert struct.unpack_from("<2q", data, flag_at + 1) == (rows, dim)
    quantized = data[:flag_at] + b"\x01" + data[flag_at + 1:]
    with pytest.raises(ZooDataError, match="quantized"):
        Vectors.load(_bad(tmp_path, quantized))


def test_words_that_are_not_utf8_name_the_word_and_the_lenient_option():
    with pytest.raises(ZooDataError, match=r"word 149 is not valid UTF-8 .*unicode_errors='replace'"):
        Vectors.load(gensim_path("pang_lee_polarity_fasttext.bin"))


def test_word_pairs_scored_with_subword_vectors_for_unknown_words_match_gensim():
    from scipy.stats import pearsonr, spearmanr

    from zoo.data import load_word_pairs

    path = gensim_path("lee_fasttext_new.bin")
    vectors, expected = Vectors.load(path), load_facebook_model(path).wv
    pairs = load_word_pairs("wordsim353")
    folded = {key.upper(): key for key in reversed(expected.index_to_key)}  # gensim's case-insensitive lookup

    def reference_vector(word):
        vector = expected[folded.get(word.upper(), word)]  # unseen: gensim's subword vector
        return vector / np.linalg.norm(vector)

    similarities = [reference_vector(p.word1) @ reference_vector(p.word2) for p in pairs]
    gold = [p.score for p in pairs]
    ours = vectors.evaluate_word_pairs(pairs, unknown="subwords")
    assert ours["pairs"] == len(pairs) and ours["oov_ratio"] > 0.5
    assert ours["spearman"] == pytest.approx(spearmanr(gold, similarities)[0], abs=1e-5)
    assert ours["pearson"] == pytest.approx(pearsonr(gold, similarities)[0], abs=1e-5)
    skipped = vectors.evaluate_word_pairs(pairs)
    assert skipped["pairs"] < len(pairs) and skipped["oov_ratio"] == ours["oov_ratio"]
