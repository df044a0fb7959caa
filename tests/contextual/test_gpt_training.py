"""The small GPT-2 trainer: KerasHub's tokenizer against the `tokenizers` reference, packing, held-out
perplexity against plain numpy, learning a repetitive text, resuming, the preset round trip, and bad input."""

import json

import keras
import keras_hub
import numpy as np
import pytest
import tensorflow as tf
import tokenizers

from zoo.contextual.gpt_training import (
    END_TOKEN,
    GPT2Trainer,
    pack_token_ids,
    perplexity,
    split_articles,
    train_byte_level_bpe,
)
from zoo.errors import ZooInputError

# Openings of public-domain novels (Austen, Dickens, Melville, Stevenson): real prose with contractions,
# numbers, quotes and dashes.
PROSE = [
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want "
    "of a wife. However little known the feelings or views of such a man may be on his first entering a "
    "neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is considered "
    "the rightful property of some one or other of their daughters.",
    "\"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that Netherfield Park is let at "
    "last?\" Mr. Bennet replied that he had not. \"But it is,\" returned she; \"for Mrs. Long has just been here, "
    "and she told me all about it.\" Mr. Bennet made no answer. \"Do you not want to know who has taken it?\" "
    "cried his wife impatiently. \"You want to tell me, and I have no objection to hearing it.\"",
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
    "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was "
    "the season of Darkness, it was the spring of hope, it was the winter of despair. It was the year of Our Lord "
    "1775.",
    "Call me Ishmael. Some years ago - never mind how long precisely - having little or no money in my purse, and "
    "nothing particular to interest me on shore, I thought I would sail about a little and see the watery part "
    "of the world. It's a way I have of driving off the spleen and regulating the circulation; I don't know a "
    "better one, and there are 2,000 reasons why.",
    "Squire Trelawney, Dr. Livesey, and the rest of these gentlemen having asked me to write down the whole "
    "particulars about Treasure Island, from the beginning to the end, keeping nothing back but the bearings of "
    "the island, and that only because there is still treasure not yet lifted, I take up my pen in the year of "
    "grace 17__ and go back to the time when my father kept the Admiral Benbow inn.",
]
SENTENCES = [
    "It is a truth universally acknowledged.",
    "\"Do you not want to know who has taken it?\" cried his wife impatiently.",
    "I don't know a better one, and it's the year 1775; there are 2,000 reasons why.",
    "The captain's sea-chest stood in the parlour of the Admiral Benbow inn - unopened.",
    "Gentlemen of the jury (and ladies): the evidence was 42% weaker than we'd thought!",
]
REPETITIVE = [f"Story {n}. " + "The cat sat on the mat and the dog ran to the park. " * 25 for n in range(6)]
TINY = {"vocabulary_size": 300, "num_layers": 1, "hidden_dim": 32, "num_heads": 2, "sequence_length": 16,
        "epochs": 6, "batch_size": 8, "learning_rate": 1e-2}


def reference_ids(texts, sentences, vocabulary_size):
    reference = tokenizers.ByteLevelBPETokenizer()
    reference.train_from_iterator(texts, vocab_size=vocabulary_size, min_frequency=2, special_tokens=[END_TOKEN],
                                  show_progress=False)
    return [encoding.ids for encoding in reference.encode_batch(sentences)]


def test_the_keras_hub_tokenizer_gives_the_ids_of_the_tokenizers_reference():
    tokenizer = train_byte_level_bpe(PROSE, vocabulary_size=400)
    expected = reference_ids(PROSE, SENTENCES, 400)
    assert tokenizer.vocabulary_size() == 400 and tokenizer.end_token_id == 0
    assert [list(map(int, ids)) for ids in tokenizer(SENTENCES)] == expected
    in_graph = tf.data.Dataset.from_tensor_slices(SENTENCES).map(tokenizer)  # KerasHub's tf.data code path
    assert [list(ids.numpy()) for ids in in_graph] == expected
    assert tokenizer.detokenize(tokenizer(SENTENCES)) == SENTENCES


def test_packing_makes_every_token_but_the_first_a_target_once():
    rows, real = pack_token_ids([np.array([1, 2, 3]), np.array([4, 5, 6, 7])], end_id=0, sequence_length=3)
    np.testing.assert_array_equal(rows, [[0, 1, 2, 3], [3, 0, 4, 5], [5, 6, 7, 0]])
    np.testing.assert_array_equal(real, [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 0]])
    np.testing.assert_array_equal(rows[:, 1:][real[:, 1:]], [1, 2, 3, 0, 4, 5, 6, 7])


def test_the_held_out_split_is_by_article_and_does_not_depend_on_order():
    articles = [f"article number {n}" for n in range(40)]
    training, held_out = split_articles(articles)
    assert len(held_out) == 2 and sorted(training + held_out) == sorted(articles)
    assert split_articles(articles[::-1])[1] == held_out


@pytest.fixture(scope="module")
def trained():
    return GPT2Trainer(**TINY).fit(REPETITIVE, verbose=0)


def test_a_tiny_gpt2_learns_a_repetitive_text(trained):
    assert trained.perplexity["before"] > 150  # an untrained model is close to uniform over ~300 tokens
    assert trained.perplexity["after"] < trained.perplexity["before"] / 30, trained.perplexity


def test_perplexity_is_the_exponential_of_the_mean_cross_entropy_of_the_real_tokens(trained):
    _, held_out = split_articles(REPETITIVE)
    rows, real = trained.pack(held_out)
    assert not real.all()  # padding in the last row, which must not count
    logits = keras.ops.convert_to_numpy(trained.causal_lm({"token_ids": rows[:, :-1],
                                                           "padding_mask": real[:, :-1]})).astype(np.float64)
    log_probabilities = logits - logits.max(-1, keepdims=True)
    log_probabilities -= np.log(np.exp(log_probabilities).sum(-1, keepdims=True))
    target = np.take_along_axis(log_probabilities, rows[:, 1:, None], -1)[..., 0]
    expected = np.exp(-target[real[:, 1:]].mean())
    assert perplexity(trained.causal_lm, rows, real, batch_size=3) == pytest.approx(expected, rel=1e-4)
    assert trained.perplexity["after"] == pytest.approx(expected, rel=1e-4)


def test_the_preset_folder_loads_back_with_equal_weights_and_tokenization(trained, tmp_path):
    folder = trained.save_preset(tmp_path / "gpt2")
    trained.save_preset(folder)  # replaces what is there
    assert [path.name for path in tmp_path.iterdir()] == ["gpt2"]  # no temporary folder left behind
    backbone = keras_hub.models.GPT2Backbone.from_preset(str(folder))
    for loaded, original in zip(backbone.get_weights(), trained.causal_lm.backbone.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, original)
    tokenizer = keras_hub.models.GPT2Tokenizer.from_preset(str(folder))
    assert [list(ids) for ids in tokenizer(SENTENCES)] == [list(ids) for ids in trained.tokenizer(SENTENCES)]
    causal_lm = keras_hub.models.GPT2CausalLM.from_preset(str(folder))
    assert causal_lm.preprocessor.sequence_length == 16
    config = json.loads((folder / "config.json").read_text())
    assert config["config"]["num_layers"] == 1 and config["config"]["max_sequence_length"] == 16


@pytest.mark.slow
def test_an_interrupted_training_resumes_to_the_same_weights(tmp_path):
    class StopAfterSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    settings = dict(TINY, epochs=3)
    with pytest.raises(KeyboardInterrupt):
        GPT2Trainer(**settings).fit(REPETITIVE, checkpoint_dir=tmp_path / "backup",
                                    callbacks=[StopAfterSecondEpoch()], verbose=0)
    begun = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)

    resumed = GPT2Trainer(**settings).fit(REPETITIVE, checkpoint_dir=tmp_path / "backup", callbacks=[Record()],
                                          verbose=0)
    assert begun == [2]
    straight = GPT2Trainer(**settings).fit(REPETITIVE, verbose=0)
    for a, b in zip(resumed.causal_lm.get_weights(), straight.causal_lm.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("articles, message", [
    ([], "empty"),
    (["", " \n  "], "empty"),
    (["only one article here"], "one article"),
    (["abab", "abab"], "too small"),
])
def test_bad_corpora_are_input_errors(articles, message):
    with pytest.raises(ZooInputError, match=message):
        GPT2Trainer(**TINY).fit(articles, verbose=0)


def test_texts_without_a_repeated_pair_cannot_make_a_vocabulary():
    with pytest.raises(ZooInputError, match="empty"):
        train_byte_level_bpe(["", "   "])
    with pytest.raises(ZooInputError, match="too small"):
        train_byte_level_bpe(["abc"])
