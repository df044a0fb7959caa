"""TokenTagger around a tiny random BERT: words -> first word pieces, the masked loss, text -> tags, save/reload."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.contextual.tiny_models import tiny_bert_encoder
from zoo.contextual.token_tagger import TokenTagger
from zoo.errors import ZooInputError

TAGS = ["DT", "NN", "UH", "."]
WORDS = [["the", "foxs", "cafe!"], ["hello"], ["the", "quick", "brown", "fox", "hello", "world"]]
LABELS = [["DT", "NN", "NN"], ["UH"], ["DT", "NN", "NN", "NN", "UH", "NN"]]


@pytest.fixture(scope="module")
def tagger():
    return TokenTagger(tiny_bert_encoder(), TAGS)


def test_each_word_is_labelled_at_its_first_word_piece(tagger):
    # Hand-made, from the tiny vocabulary: the=5, fox=8, ##s=20, cafe=11, !=12, hello=9; [CLS]=2, [SEP]=3.
    ids, first_piece, kept = tagger.align(tf.ragged.constant(WORDS[:2]))
    assert ids.to_list() == [[2, 5, 8, 20, 11, 12, 3], [2, 9, 3]]
    assert first_piece.to_list() == [[1, 2, 4], [1]]
    assert kept.to_list() == [[True, True, True], [True]]
    _, labels, weights = tagger.targets(WORDS[:2], LABELS[:2])
    assert labels.to_list() == [[0, 0, 1, 0, 1, 0, 0], [0, 2, 0]]  # DT at "the", NN at "fox" and "cafe"
    assert weights.to_list() == [[0, 1, 1, 0, 1, 0, 0], [0, 1, 0]]  # [CLS], "##s", "!", [SEP] do not count
    # The pieces of words tokenised one by one are the pieces of the sentence the encoder tokenises whole.
    sentences = tf.constant([" ".join(w) for w in WORDS])
    assert tagger.align(tf.strings.split(sentences))[0].to_list() == tagger.encoder.token_ids(sentences).to_list()


def test_words_past_the_sequence_length_are_cut_and_a_word_without_pieces_is_unknown():
    short = TokenTagger(tiny_bert_encoder(sequence_length=5), TAGS)  # room for 3 pieces between [CLS] and [SEP]
    ids, first_piece, kept = short.align(tf.ragged.constant([["the", "foxs", "cafe!"], ["\x00", "the"]]))
    assert ids.to_list() == [[2, 5, 8, 20, 3], [2, 1, 5, 3]]  # a control character alone gives [UNK] (1)
    assert first_piece.to_list() == [[1, 2, 4], [1, 2]] and kept.to_list() == [[True, True, False], [True, True]]
    out = short(tf.constant(["the foxs cafe!"]))
    assert out["tags"].numpy()[0, 2] == b"" and not out["token_vectors"].numpy()[0, 2].any()


def test_the_loss_counts_first_pieces_only_as_numpy_computes_it(tagger):
    tagger.compile_for_training(1e-3)
    features, labels, weights = next(iter(tagger.dataset(WORDS, LABELS, batch_size=3)))
    logits = tagger.piece_tagger(features, training=False).numpy().astype(np.float64)
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    picked = np.take_along_axis(log_softmax, labels.numpy()[..., None], -1)[..., 0]
    expected = -(picked * weights.numpy()).sum() / weights.numpy().sum()  # mean over the 10 labelled words
    assert weights.numpy().sum() == 10
    loss = tagger.piece_tagger.evaluate(features, labels, sample_weight=weights, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    unweighted = -picked.mean()  # every piece and padding counted: a different number
    assert abs(unweighted - expected) > 1e-3


def test_text_in_gives_words_tags_and_first_piece_vectors(tagger):
    texts = ["the foxs cafe!", "", "hello"]
    out = tagger(tf.constant(texts))
    assert out["tokens"].numpy().tolist() == [[b"the", b"foxs", b"cafe!"], [b""] * 3, [b"hello", b"", b""]]
    features = tagger.encoder.pack(tagger.align(tf.strings.split(tf.constant(texts)))[0])
    vectors = tagger.encoder.token_vector_model(features, training=False).numpy()
    np.testing.assert_allclose(out["token_vectors"].numpy()[0], vectors[0, [1, 2, 4]], atol=1e-5)
    assert not out["token_vectors"].numpy()[1].any()
    logits = tagger.piece_tagger(features, training=False).numpy()
    expected = np.array(TAGS)[logits[0, [1, 2, 4]].argmax(-1)].tolist()
    assert [t.decode() for t in out["tags"].numpy()[0]] == expected
    assert out["tags"].numpy()[1].tolist() == [b""] * 3 and out["tags"].numpy()[2, 1:].tolist() == [b"", b""]
    empty = tagger(tf.constant([], tf.string))
    assert empty["tags"].shape == (0, 0) and empty["token_vectors"].shape == (0, 0, tagger.output_dim)


def test_fine_tuning_learns_the_training_tags():
    tagger = TokenTagger(tiny_bert_encoder(), TAGS, dropout=0.0)
    tagger.compile_for_training(3e-3)
    tagger.piece_tagger.fit(tagger.dataset(WORDS, LABELS, batch_size=3).repeat(), steps_per_epoch=40, verbose=0,
                            shuffle=False)
    out = tagger(tf.constant([" ".join(w) for w in WORDS]))["tags"].numpy()
    assert [[t.decode() for t in row[: len(w)]] for row, w in zip(out, WORDS)] == LABELS


def test_an_unknown_tag_names_the_sentence(tagger):
    with pytest.raises(ZooInputError, match="sentence 1: tag 'VB'"):
        tagger.targets(WORDS[:2], [LABELS[0], ["VB"]])


def test_it_saves_and_reloads_with_its_config(tagger, tmp_path):
    text = keras.Input(shape=(), dtype="string", name="text")
    model = keras.Model(text, tagger(text))
    model.save(tmp_path / "tagger.keras")
    reloaded = keras.models.load_model(tmp_path / "tagger.keras")
    texts = tf.constant(["the quick fox", "hello world !"])
    for name, value in tagger(texts).items():
        np.testing.assert_array_equal(reloaded(texts)[name].numpy(), value.numpy()) if value.dtype == tf.string \
            else np.testing.assert_allclose(reloaded(texts)[name].numpy(), value.numpy(), atol=1e-5)
    config = tagger.get_config()
    assert config["tags"] == TAGS and config["dropout"] == 0.1
    again = TokenTagger.from_config(config)
    assert again.tags == TAGS and again.encoder.sequence_length == tagger.encoder.sequence_length
