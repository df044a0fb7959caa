"""Continued masked-LM pre-training of a sentence encoder's backbone (the BioBERT recipe), with KerasHub's pieces.

A `keras_hub.layers.MaskedLMHead` is put on the backbone with `token_embedding=backbone.token_embedding`, so its
output projection is the backbone's own input embedding (tied, as BERT's); `keras_hub.layers.MaskedLMMaskGenerator`
chooses the tokens (15%, of which 80% become [MASK], 10% a random token, 10% stay). Trained through `fit`; the
held-out loss is the mean cross-entropy over the masked tokens, with masks drawn once from a fixed seed, so that
"before" and "after" score the same tokens.

Example:
```python
encoder = zoo.contextual.TextEncoder.from_preset("all-minilm-l6-v2")
pretrainer = zoo.contextual.MaskedLMPretrainer(encoder)
pretrainer.fit(general_texts, train_backbone=False, learning_rate=5e-4)   # warm the new head up alone
before = pretrainer.evaluate(held_out_domain_texts)
pretrainer.fit(domain_texts)                                             # then the backbone too
after = pretrainer.evaluate(held_out_domain_texts)                       # encoder.backbone is the adapted one
```
"""

import contextlib
import math
import random

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.contextual.padded_features import padded_features
from zoo.errors import ZooInputError
from zoo.training import training_callbacks


@contextlib.contextmanager
def python_random_seed(seed):
    """Python's `random` seeded for a while, its state restored after: MaskedLMMaskGenerator draws from it when
    it runs eagerly on numpy (its tf.data path draws from TF ops that `tf.random.set_seed` does not fix)."""
    state = random.getstate()
    random.seed(repr(seed))  # a str seeds Python the same in every process (a list is no seed)
    try:
        yield
    finally:
        random.setstate(state)


def build_masked_lm(backbone):
    """backbone features + `mask_positions` -> logits (batch, mask positions, vocabulary): KerasHub's MaskedLMHead
    on the sequence output, its projection tied to the backbone's token embedding (as `BertMaskedLM` builds it,
    but for any KerasHub backbone that has a `token_embedding`)."""
    inputs = {name: keras.Input(shape=(None,), dtype="int32", name=name) for name in backbone.input}
    inputs["mask_positions"] = keras.Input(shape=(None,), dtype="int32", name="mask_positions")
    outputs = backbone({name: inputs[name] for name in backbone.input})
    sequence = outputs["sequence_output"] if isinstance(outputs, dict) else outputs
    head = keras_hub.layers.MaskedLMHead(
        vocabulary_size=backbone.token_embedding.input_dim, token_embedding=backbone.token_embedding,
        intermediate_activation="gelu", kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02),
        name="masked_lm_head")
    return keras.Model(inputs, head(sequence, mask_positions=inputs["mask_positions"]), name="masked_lm")


class MaskedLMPretrainer:
    """Masked-LM training of a `TextEncoder`'s backbone in place, through a tied `MaskedLMHead` (new weights).

    `fit(texts)` trains (`train_backbone=False` trains the head alone, the backbone frozen: how a head is warmed
    up first for a model that ships none); `evaluate(texts)` is the held-out loss. The encoder's backbone is
    the one trained, so the encoder embeds with the adapted weights afterwards. AdamW's learning rate warms up
    linearly over the first 10% of the steps, then follows a cosine to 0 (`keras.optimizers.schedules.
    CosineDecay`). Batches are padded to their longest text only. The loss Keras prints while training is
    averaged over every mask slot of the batch (`ceil(1.25 * mask_rate * sequence_length)` a row, unused ones
    weighted 0), as KerasHub's MaskedLM tasks print it, so it reads lower than `evaluate`, the mean over the
    masked tokens alone.

    Args:
        encoder: a `zoo.contextual.TextEncoder` whose backbone has a `token_embedding` (BERT family). Required.
        sequence_length: most tokens per text in training, special tokens included. Default 128.
        mask_rate: share of the (non-special) tokens chosen for prediction. Default 0.15.
        batch_size: texts per step. Default 16.
        learning_rate: AdamW's peak learning rate. Default 5e-5.
        weight_decay: AdamW's weight decay. Default 0.01.
        seed: seed of the head's initialisation, the text order and the masks. Default 1.
        run_eagerly: Keras' `run_eagerly`: steps run without a traced graph, which pays for a few steps (a quick
            run, tests: tracing a BERT's training step takes longer than a few steps), not for many. Default False.

    Input/Output:
        fit(texts: list of str, epochs=1, train_backbone=True, learning_rate=None, checkpoint_dir=None,
        callbacks=(), verbose=1) -> self, with `history`. evaluate(texts, seed=0) -> float, the mean
        cross-entropy (nats) of the masked tokens. `masked_lm`: token_ids, segment_ids, padding_mask,
        mask_positions (batch, n) int32 -> logits (batch, n positions, vocabulary_size) float32.
    """

    def __init__(self, encoder, sequence_length=128, mask_rate=0.15, batch_size=16, learning_rate=5e-5,
                 weight_decay=0.01, seed=1, run_eagerly=False):
        backbone = encoder.backbone
        if not hasattr(backbone, "token_embedding"):
            raise ZooInputError(f"{type(backbone).__name__} has no token_embedding to tie a masked-LM head to")
        self.encoder, self.sequence_length, self.mask_rate = encoder, int(sequence_length), mask_rate
        self.batch_size, self.learning_rate, self.weight_decay = batch_size, learning_rate, weight_decay
        self.seed, self.run_eagerly = seed, run_eagerly
        keras.utils.set_random_seed(seed)  # the head's initialisers take no seed of their own
        self.masked_lm = build_masked_lm(backbone)
        self.mask_generator = keras_hub.layers.MaskedLMMaskGenerator(
            vocabulary_size=backbone.token_embedding.input_dim, mask_selection_rate=mask_rate,
            mask_token_id=encoder.tokenizer.token_to_id("[MASK]"),
            mask_selection_length=max(1, math.ceil(1.25 * mask_rate * self.sequence_length)),
            unselectable_token_ids=[i for i in encoder.special_ids if i is not None])
        self.history = None

    # === Data ===
    def token_lists(self, texts):
        """Each text's ids, [CLS] ... [SEP], truncated to `sequence_length`."""
        ids = self.encoder.token_ids(tf.constant(list(texts), tf.string))
        end = self.encoder.special_ids[1]
        lists = [np.asarray(row, np.int32) for row in ids.numpy()]
        return [row if len(row) <= self.sequence_length else np.r_[row[:self.sequence_length - 1], end]
                for row in lists]

    def masked_batch(self, token_lists, seed):
        """(features, target ids, weights) for one batch, masked as `seed` says, padded to its longest text."""
        features = padded_features(token_lists, self.encoder.special_ids[2], "segment_ids" in self.masked_lm.input)
        with python_random_seed(seed):
            masked = self.mask_generator(features["token_ids"])
        features.update(token_ids=np.asarray(masked["token_ids"], np.int32),
                        mask_positions=np.asarray(masked["mask_positions"], np.int32))
        return features, np.asarray(masked["mask_ids"], np.int32), np.asarray(masked["mask_weights"], np.float32)

    def dataset(self, token_lists, epochs, epoch_counter):
        """Batches in an order and with masks fixed by the seed and the epoch, so that a resumed run sees what an
        uninterrupted one would have."""
        def generate():
            for epoch in range(epoch_counter.epoch, epochs):
                order = np.random.default_rng([self.seed, epoch]).permutation(len(token_lists))
                for number, start in enumerate(range(0, len(order), self.batch_size)):
                    chosen = order[start:start + self.batch_size]
                    yield self.masked_batch([token_lists[i] for i in chosen], [self.seed, epoch, number])

        names = [name for name in self.masked_lm.input]
        matrix = tf.TensorSpec([None, None], tf.int32)
        signature = ({name: matrix for name in names}, matrix, tf.TensorSpec([None, None], tf.float32))
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)

    # === Training ===
    def fit(self, texts, epochs=1, train_backbone=True, learning_rate=None, checkpoint_dir=None, callbacks=(),
            verbose=1):
        """Trains on `texts` for `epochs`; `train_backbone=False` trains the head alone. With `checkpoint_dir`, an
        interrupted run started again with the same arguments resumes after its last finished epoch."""
        token_lists = self.maskable(texts)
        steps = math.ceil(len(token_lists) / self.batch_size)
        self.encoder.backbone.trainable = train_backbone
        try:
            self.masked_lm.compile(
                optimizer=self.optimizer(steps * epochs, learning_rate or self.learning_rate),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), weighted_metrics=[],
                jit_compile=False, run_eagerly=self.run_eagerly)
            epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
            self.masked_lm._initial_epoch = None  # a restored BackupAndRestore leaves it set on the model: a
            # later fit of the same model would start there (Keras 3.x), and skip its epochs
            self.history = self.masked_lm.fit(self.dataset(token_lists, epochs, epoch_counter), epochs=epochs,
                                              steps_per_epoch=steps, callbacks=callbacks, verbose=verbose)
        finally:
            self.encoder.backbone.trainable = True
        return self

    def optimizer(self, total_steps, learning_rate):
        warmup = max(1, total_steps // 10)
        schedule = keras.optimizers.schedules.CosineDecay(0.0, decay_steps=max(1, total_steps - warmup), alpha=0.0,
                                                          warmup_target=learning_rate, warmup_steps=warmup)
        return keras.optimizers.AdamW(schedule, weight_decay=self.weight_decay, global_clipnorm=1.0)

    def maskable(self, texts):
        """The texts' token lists; an error when none has a token to mask."""
        token_lists = [ids for ids in self.token_lists(texts) if len(ids) > 2]
        if not token_lists:
            raise ZooInputError("no text has a token to mask (all are empty)")
        return token_lists

    # === Evaluation ===
    def evaluate(self, texts, seed=0, batch_size=32):
        """Mean cross-entropy (nats) of the masked tokens of `texts`, masked as `seed` says: the same seed masks
        the same tokens, so two evaluations of one text set compare like with like."""
        @tf.function(reduce_retracing=True)
        def summed_loss(features, targets, weights):
            logits = self.masked_lm(features, training=False)
            losses = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
            return tf.reduce_sum(losses * weights), tf.reduce_sum(weights)

        token_lists = self.maskable(texts)
        total = count = 0.0
        for number, start in enumerate(range(0, len(token_lists), batch_size)):
            loss, weight = summed_loss(*self.masked_batch(token_lists[start:start + batch_size], [seed, number]))
            total, count = total + float(loss), count + float(weight)
        return total / count
