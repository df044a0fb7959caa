"""zoo.static.distill on a tiny random BERT: each step against plain numpy, the fit against the teacher it fits."""

import numpy as np
import pytest
import tensorflow as tf

from tests.contextual.tiny_models import BERT_VOCABULARY, tiny_bert_encoder
from zoo.errors import ZooInputError
from zoo.static import distill
from zoo.static.distillation import fit_to_teacher, least_squares_map, pca, token_vectors, zipf_sif_weights
from zoo.static.vectors import Vectors, pearson, rank

WORDS = ["the", "quick", "brown", "fox", "hello", "world", "cafe", "a", "b", "c", "d", "e", "f"]


@pytest.fixture(scope="module")
def teacher():
    return tiny_bert_encoder()


def sentences(count, seed=0):
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(2, 7))) for _ in range(count)]


def test_token_vectors_are_each_sequence_alone_through_the_teacher(teacher):
    id_lists = [[2, 5, 3], [2, 6, 20, 3], [2, 9, 3], [2, 10, 11, 12, 3]]  # lengths differ: batches are padded
    vectors = token_vectors(teacher, id_lists, verbose=0)
    for ids, vector in zip(id_lists, vectors):
        features = {"token_ids": np.array([ids], np.int32), "padding_mask": np.ones((1, len(ids)), np.int32),
                    "segment_ids": np.zeros((1, len(ids)), np.int32)}
        alone = teacher.token_vector_model(features, training=False).numpy()[0]
        np.testing.assert_allclose(vector, alone.mean(0), atol=1e-5)


def test_pca_matches_the_covariance_eigenvectors():
    matrix = np.random.default_rng(0).normal(size=(40, 6)) @ np.diag([5, 4, 3, 2, 1, 0.5])
    reduced = pca(matrix, 3)
    centred = matrix - matrix.mean(0)
    values, axes = np.linalg.eigh(np.cov(centred.T))
    expected = centred @ axes[:, ::-1][:, :3]
    signs = np.sign((reduced * expected).sum(0))  # each axis is defined up to its sign
    np.testing.assert_allclose(reduced * signs, expected, atol=1e-4)


def test_zipf_sif_weights_by_hand():
    # ranks 1..3: p = (1/2, 1/3, 1/4) / (13/12) = (6/13, 4/13, 3/13); a / (a + p) with a = 0.1
    np.testing.assert_allclose(zipf_sif_weights(3, 0.1), [0.1 / (0.1 + 6 / 13), 0.1 / (0.1 + 4 / 13),
                                                          0.1 / (0.1 + 3 / 13)], rtol=1e-6)


def test_least_squares_map_recovers_a_linear_map():
    rng = np.random.default_rng(0)
    inputs, truth = rng.normal(size=(200, 4)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(least_squares_map(inputs, inputs @ truth, ridge=0.0), truth, atol=1e-4)


def test_distill_keeps_the_tokenizer_and_zeroes_the_special_tokens(teacher):
    vectors = distill(teacher, dim=4, verbose=0)
    assert vectors.keys == BERT_VOCABULARY and vectors.matrix.shape == (len(BERT_VOCABULARY), 4)
    assert vectors.tokenizer is teacher.tokenizer
    for special in ("[PAD]", "[CLS]", "[SEP]", "[MASK]"):
        assert not vectors[special].any()
    assert np.all(np.linalg.norm(vectors.matrix[5:], axis=1) > 0)


def test_the_text_encoder_is_the_mean_of_the_word_pieces_without_unknown_ones(teacher):
    vectors = distill(teacher, dim=4, verbose=0)
    texts = ["the quick foxs", "hello zzz world", "zzz", ""]  # foxs: fox ##s; zzz: [UNK], left out
    pieces = [["the", "quick", "fox", "##s"], ["hello", "world"], [], []]
    expected = [np.mean([vectors[p] for p in row], 0) if row else np.zeros(4) for row in pieces]
    output = vectors.text_encoder()(tf.constant(texts))["embedding"].numpy()
    np.testing.assert_allclose(output, expected, atol=1e-6)
    np.testing.assert_allclose(vectors.encode(texts), expected, atol=1e-6)
    half = vectors.text_encoder(table_dtype="float16")(tf.constant(texts))["embedding"].numpy()
    np.testing.assert_allclose(half, expected, atol=2e-3)


def test_a_word_list_gives_each_word_the_teachers_vector_of_its_pieces(teacher):
    vectors = distill(teacher, vocabulary=["fox", "foxs", "hello"], dim=None, sif_coefficient=None, verbose=0)
    assert vectors.keys == ["fox", "foxs", "hello"] and vectors.tokenizer is None
    raw = np.stack([token_vectors(teacher, [ids], verbose=0)[0] for ids in ([2, 8, 3], [2, 8, 20, 3], [2, 9, 3])])
    centred = raw - raw.mean(0)  # PCA keeping every axis: centred and rotated, so the dot products stay
    np.testing.assert_allclose(vectors.matrix @ vectors.matrix.T, centred @ centred.T, atol=1e-4)
    with pytest.raises(ZooInputError, match="empty"):
        distill(teacher, vocabulary=[], verbose=0)


def similarity_agreement(embed, teacher, texts):
    """Spearman between the pairwise cosines of `embed`'s vectors and of the teacher's."""
    def cosines(matrix):
        unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return (unit @ unit.T)[np.triu_indices(len(texts), 1)]

    return pearson(rank(cosines(embed(texts))), rank(cosines(teacher.encode(texts))))


class StaticTeacher:
    """A teacher whose sentence vector is the mean of a hidden table's rows over the sentence's word pieces: the
    fit can recover it exactly, so how close it gets is a measure of the fit."""

    def __init__(self, tokenizer, width=4, seed=3):
        self.table = np.random.default_rng(seed).normal(size=(len(BERT_VOCABULARY), width))
        self.pieces = tf.function(tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])

    def encode(self, texts, **unused):
        ids = self.pieces(tf.constant(list(texts))).to_list()
        vectors = np.stack([self.table[row].mean(0) for row in ids])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_fit_brings_the_sentence_vectors_to_the_teachers(teacher, tmp_path):
    distilled = distill(teacher, dim=6, verbose=0)
    static_teacher = StaticTeacher(teacher.tokenizer)
    fitted = fit_to_teacher(distilled, static_teacher, sentences(400), epochs=30, learning_rate=1e-2,
                            batch_size=32, checkpoint_dir=tmp_path, verbose=0)
    assert fitted.keys == distilled.keys and fitted.tokenizer is teacher.tokenizer
    assert fitted.matrix.shape == (len(distilled), 4)  # at most the teacher's width: the map is folded in
    assert not fitted["[CLS]"].any()  # never in a sentence: stays zero
    held_out = sentences(80, seed=1)
    before = similarity_agreement(distilled.encode, static_teacher, held_out)
    after = similarity_agreement(fitted.encode, static_teacher, held_out)
    assert after > 0.85 and after > before + 0.3, (before, after)
    assert (tmp_path / "teacher_vectors.npy").exists()


def test_an_interrupted_fit_resumes_without_running_the_teacher_again(teacher, tmp_path, monkeypatch):
    import zoo.training
    from tests.recipes.interruption import interrupting

    distilled, texts, begun = distill(teacher, dim=4, verbose=0), sentences(50), []
    # a callback after BackupAndRestore: epoch 0 is saved, then the run stops as a Ctrl-C would stop it
    monkeypatch.setattr(zoo.training, "LargeArraysOnTheHeap", interrupting(zoo.training.LargeArraysOnTheHeap, 0, begun))
    with pytest.raises(KeyboardInterrupt):
        fit_to_teacher(distilled, teacher, texts, epochs=3, checkpoint_dir=tmp_path, verbose=0)
    assert begun == [0]
    monkeypatch.setattr(type(teacher), "encode", lambda *a, **k: pytest.fail("the teacher ran again"))
    resumed = fit_to_teacher(distilled, teacher, texts, epochs=3, checkpoint_dir=tmp_path, verbose=0)
    assert begun == [0, 1, 2] and resumed.matrix.shape == distilled.matrix.shape


def test_bad_input_to_the_fit(teacher):
    with pytest.raises(ZooInputError, match="vocabulary"):
        fit_to_teacher(Vectors(["a"], np.ones((1, 2))), teacher, ["a b"], verbose=0)
    with pytest.raises(ZooInputError, match="no sentences"):
        fit_to_teacher(distill(teacher, dim=4, verbose=0), teacher, ["", "  "], verbose=0)
