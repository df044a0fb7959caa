"""Masked-LM pre-training around a tiny BERT: the head tied to the token embedding, the masks (KerasHub's generator,
seeded), the held-out loss against numpy, the frozen-backbone warm-up, learning, resuming, and bad input."""

import keras
import keras_hub
import numpy as np
import pytest

from tests.contextual.tiny_models import BERT_VOCABULARY, tiny_bert_encoder
from zoo.contextual.masked_lm_pretraining import MaskedLMPretrainer
from zoo.errors import ZooInputError

TEXTS = ["the quick brown fox", "hello world !", "the fox . the fox", "a b c d e f", "cafe !", "the brown fox"]
REPETITIVE = ["the quick brown fox . hello world !"] * 48


def tiny_encoder(dropout=0.1):
    from zoo.contextual.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer
    from zoo.contextual.text_encoder import TextEncoder

    if dropout == 0.1:
        return tiny_bert_encoder()
    keras.utils.set_random_seed(1)
    backbone = keras_hub.models.BertBackbone(vocabulary_size=len(BERT_VOCABULARY), num_layers=1, num_heads=2,
                                             hidden_dim=8, intermediate_dim=16, max_sequence_length=32,
                                             dropout=dropout)
    return TextEncoder(backbone, HuggingFaceBertTokenizer(BERT_VOCABULARY), sequence_length=16)


@pytest.fixture(scope="module")
def pretrainer():
    return MaskedLMPretrainer(tiny_encoder(), sequence_length=12, batch_size=4)


def test_the_head_is_tied_to_the_backbone_token_embedding(pretrainer):
    head = pretrainer.masked_lm.get_layer("masked_lm_head")
    backbone = pretrainer.encoder.backbone
    assert head.token_embedding is backbone.token_embedding
    paths = [weight.path for weight in pretrainer.masked_lm.weights]
    assert paths.count(backbone.token_embedding.embeddings.path) == 1  # one variable, not a copy
    assert len(head.weights) == 6  # its dense and layer norm (4), the output bias, and that shared embedding
    features, _, _ = pretrainer.masked_batch(pretrainer.token_lists(TEXTS[:3]), seed=0)
    logits = keras.ops.convert_to_numpy(pretrainer.masked_lm(features))
    # numpy: the transformed vectors at the masked positions times the backbone's embedding matrix, plus the bias
    sequence = backbone({name: features[name] for name in backbone.input})["sequence_output"]
    gathered = np.take_along_axis(keras.ops.convert_to_numpy(sequence), features["mask_positions"][..., None], 1)
    transformed = keras.ops.convert_to_numpy(head._intermediate_layer_norm(head._intermediate_dense(gathered)))
    expected = transformed @ backbone.token_embedding.embeddings.numpy().T + head._bias.numpy()
    np.testing.assert_allclose(logits, expected, atol=1e-4)


def test_masks_spare_special_tokens_keep_targets_and_repeat_with_the_seed(pretrainer):
    token_lists = pretrainer.token_lists(TEXTS)
    features, targets, weights = pretrainer.masked_batch(token_lists, seed=3)
    again = pretrainer.masked_batch(token_lists, seed=3)
    np.testing.assert_array_equal(features["token_ids"], again[0]["token_ids"])
    np.testing.assert_array_equal(targets, again[1])
    other = pretrainer.masked_batch(token_lists, seed=4)
    assert not np.array_equal(features["mask_positions"], other[0]["mask_positions"])
    assert weights.sum() > 0
    for row, ids in enumerate(token_lists):
        for position, target, weight in zip(features["mask_positions"][row], targets[row], weights[row]):
            if weight:
                assert 0 < position < len(ids) - 1 and target == ids[position]  # never [CLS], [SEP] or padding
    np.testing.assert_array_equal(features["padding_mask"].sum(1), [len(ids) for ids in token_lists])


def test_the_held_out_loss_is_the_mean_cross_entropy_of_the_masked_tokens(pretrainer):
    token_lists = pretrainer.token_lists(TEXTS)
    features, targets, weights = pretrainer.masked_batch(token_lists, seed=[7, 0])
    logits = keras.ops.convert_to_numpy(pretrainer.masked_lm(features)).astype(np.float64)
    log_probabilities = logits - logits.max(-1, keepdims=True)
    log_probabilities -= np.log(np.exp(log_probabilities).sum(-1, keepdims=True))
    chosen = -np.take_along_axis(log_probabilities, targets[..., None], -1)[..., 0]
    expected = (chosen * weights).sum() / weights.sum()
    assert pretrainer.evaluate(TEXTS, seed=7, batch_size=len(TEXTS)) == pytest.approx(expected, rel=1e-5)
    assert pretrainer.evaluate(TEXTS, seed=7) == pretrainer.evaluate(TEXTS, seed=7)


def test_a_warm_up_with_the_backbone_frozen_trains_the_head_alone_and_learning_lowers_the_loss():
    pretrainer = MaskedLMPretrainer(tiny_encoder(), sequence_length=12, batch_size=8, learning_rate=5e-3)
    backbone = pretrainer.encoder.backbone
    frozen = [weight.numpy().copy() for weight in backbone.weights]
    head = [weight.numpy().copy() for weight in pretrainer.masked_lm.get_layer("masked_lm_head").weights
            if "token_embedding" not in weight.path]
    before = pretrainer.evaluate(REPETITIVE[:8])
    pretrainer.fit(REPETITIVE, epochs=2, train_backbone=False, learning_rate=1e-2, verbose=0)
    for weight, value in zip(backbone.weights, frozen, strict=True):
        np.testing.assert_array_equal(weight.numpy(), value)
    moved = [weight.numpy() for weight in pretrainer.masked_lm.get_layer("masked_lm_head").weights
             if "token_embedding" not in weight.path]
    assert not all(np.array_equal(a, b) for a, b in zip(moved, head, strict=True))
    assert backbone.trainable  # given back trainable
    warmed = pretrainer.evaluate(REPETITIVE[:8])
    pretrainer.fit(REPETITIVE, epochs=4, verbose=0)
    assert not np.array_equal(backbone.token_embedding.embeddings.numpy(), frozen[0])
    after = pretrainer.evaluate(REPETITIVE[:8])
    assert after < warmed < before, (before, warmed, after)


@pytest.mark.slow
def test_an_interrupted_training_resumes_to_the_same_weights(tmp_path):
    class StopAfterSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    def run(**kwargs):
        pretrainer = MaskedLMPretrainer(tiny_encoder(dropout=0.0), sequence_length=12, batch_size=8,
                                        run_eagerly=True)  # no graph to trace: faster for these few steps
        return pretrainer.fit(TEXTS * 4, epochs=3, verbose=0, **kwargs)

    with pytest.raises(KeyboardInterrupt):
        run(checkpoint_dir=tmp_path / "backup", callbacks=[StopAfterSecondEpoch()])
    begun = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)

    resumed = run(checkpoint_dir=tmp_path / "backup", callbacks=[Record()])
    assert begun == [2]
    straight = run()
    for a, b in zip(resumed.masked_lm.get_weights(), straight.masked_lm.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_texts_with_nothing_to_mask_are_an_input_error(pretrainer):
    with pytest.raises(ZooInputError, match="no text has a token to mask"):
        pretrainer.fit(["", "   "], verbose=0)
    with pytest.raises(ZooInputError, match="no text has a token to mask"):
        pretrainer.evaluate([""])
