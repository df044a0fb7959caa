"""`SentencePairModel`, `pair_batches` and `fine_tune` on a tiny BERT encoder (random weights)."""

import keras
import numpy as np
import pytest

from tests.contextual.tiny_models import tiny_bert_encoder
from zoo.contextual import SentencePairModel, fine_tune
from zoo.contextual.sentence_finetuning import pair_batches
from zoo.errors import ZooInputError
from zoo.precision import onednn_bfloat16_enabled

FIRST = ["the quick brown fox", "hello world", "a b c", "the fox", "cafe !", "d e f"]
SECOND = ["the brown fox", "hello", "a b c d e f", "quick fox", "the cafe", "hello world !"]
SCORES = np.array([4.5, 3.0, 1.0, 4.0, 2.0, 0.5], np.float32)


def test_pair_batches_stack_the_columns_and_pad_each_batch_to_its_longest_sentence():
    encoder = tiny_bert_encoder()
    features, labels = next(iter(pair_batches(encoder, [FIRST, SECOND], SCORES, batch_size=3, seed=0)))
    order = np.random.default_rng(0).permutation(6)[:3]
    np.testing.assert_array_equal(labels.numpy(), SCORES[order])
    expected = encoder.pack(encoder.token_ids([FIRST[i] for i in order] + [SECOND[i] for i in order]))
    for name in ("token_ids", "padding_mask", "segment_ids"):
        np.testing.assert_array_equal(features[name].numpy(), expected[name].numpy())


def test_pair_batches_refuse_columns_of_other_lengths():
    with pytest.raises(ZooInputError, match=r"\[6, 5\] sentences for 6 labels"):
        pair_batches(tiny_bert_encoder(), [FIRST, SECOND[:5]], SCORES, batch_size=2)


def test_the_pair_model_gives_each_rows_sentences_as_the_encoder_embeds_them():
    encoder = tiny_bert_encoder()
    features, _ = next(iter(pair_batches(encoder, [FIRST, SECOND], SCORES, batch_size=4, seed=1)))
    pairs = SentencePairModel(encoder)(features, training=False).numpy()
    order = np.random.default_rng(1).permutation(6)[:4]
    assert pairs.shape == (4, 2, encoder.output_dim)
    np.testing.assert_allclose(pairs[:, 0], encoder.encode([FIRST[i] for i in order]), atol=1e-5)
    np.testing.assert_allclose(pairs[:, 1], encoder.encode([SECOND[i] for i in order]), atol=1e-5)


@pytest.mark.parametrize("loss", ["cosine", "mnrl"])  # a score regression, and in-batch negatives (no scores)
def test_fine_tuning_moves_the_encoder_it_was_given(loss):
    encoder = tiny_bert_encoder()
    before = encoder.encode(FIRST)
    labels = SCORES / 5 if loss == "cosine" else SCORES
    result = fine_tune(encoder, [FIRST, SECOND], labels, loss, epochs=2, batch_size=3, learning_rate=1e-2,
                       verbose=0)
    assert not np.allclose(encoder.encode(FIRST), before, atol=1e-4)
    assert np.isfinite(result["history"]["loss"]).all() and result["pairs_per_second"] > 0


def cosine_spearman(encoder):
    a, b = encoder.encode(FIRST), encoder.encode(SECOND)
    cosines = (a * b).sum(1)
    return float(np.corrcoef(np.argsort(np.argsort(cosines)), np.argsort(np.argsort(SCORES)))[0, 1])


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_cosent_fine_tuning_learns_the_gold_order_of_its_training_pairs(precision, monkeypatch):
    monkeypatch.setattr("zoo.precision.require_bfloat16_cpu", lambda: None)  # oneDNN emulates it elsewhere
    encoder = tiny_bert_encoder()
    start = cosine_spearman(encoder)
    result = fine_tune(encoder, [FIRST, SECOND], SCORES, "cosent", epochs=15, batch_size=6, learning_rate=3e-2,
                       warmup_ratio=0.0, dev_score=lambda: cosine_spearman(encoder), precision=precision,
                       verbose=0)
    assert not onednn_bfloat16_enabled()
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]
    assert max(result["dev_scores"].values()) > max(start, 0.5)
    assert cosine_spearman(encoder) == pytest.approx(result["dev_scores"][result["best_epoch"]])  # best kept


def test_the_pair_model_saves_and_reloads_with_its_encoder(tmp_path):
    encoder = tiny_bert_encoder()
    model = SentencePairModel(encoder)
    features, _ = next(iter(pair_batches(encoder, [FIRST, SECOND], SCORES, batch_size=6)))
    model.save(tmp_path / "pairs.keras")
    reloaded = keras.saving.load_model(tmp_path / "pairs.keras")
    np.testing.assert_allclose(reloaded(features).numpy(), model(features).numpy(), atol=1e-6)


def test_an_unknown_precision_is_refused_before_training():
    with pytest.raises(ZooInputError, match="precision 'int4'"):
        fine_tune(tiny_bert_encoder(), [FIRST, SECOND], SCORES, "cosent", precision="int4", verbose=0)
