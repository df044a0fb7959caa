"""Unsupervised SimCSE (Gao, Yao and Chen 2021): a sentence encoder trained with dropout as its only augmentation.

Each text of a batch is encoded twice in training mode, so two dropout masks give two slightly different vectors;
the loss asks each first vector to find its own second among the batch's (in-batch negatives): cross-entropy over
the cosine similarities divided by a temperature (0.05), which is `MultipleNegativesRankingLoss` with
scale = 1 / temperature over the (batch, 2, dim) views.

Example:
```python
encoder = zoo.contextual.TextEncoder.from_preset("all-minilm-l6-v2")
zoo.contextual.SimCSETrainer(encoder).fit(domain_texts)      # encoder now embeds with the trained backbone
```
"""

import math

import keras
import numpy as np
import tensorflow as tf

from zoo.contextual.multiple_negatives_ranking_loss import MultipleNegativesRankingLoss
from zoo.contextual.padded_features import padded_features
from zoo.errors import ZooInputError
from zoo.training import training_callbacks


class SimCSETrainer:
    """Trains a `TextEncoder`'s backbone in place with unsupervised SimCSE on a list of texts.

    Batches are padded to their longest text; texts are truncated to `sequence_length` tokens. AdamW's learning
    rate warms up linearly over the first 10% of the steps, then follows a cosine to 0 (`CosineDecay`). Bigger
    batches give more negatives (the paper: 64, learning rate 3e-5, one epoch of 10^6 Wikipedia sentences).

    Args:
        encoder: a `zoo.contextual.TextEncoder`, trained in place (its backbone's dropout is the augmentation:
            a backbone without dropout cannot learn this way). Required.
        temperature: softmax temperature of the cosine similarities. Default 0.05.
        sequence_length: most tokens per text, special tokens included. Default 128.
        batch_size: texts per step (each the others' negatives). Default 32.
        learning_rate: AdamW's peak learning rate. Default 3e-5.
        weight_decay: AdamW's weight decay. Default 0.01.
        seed: seed of the text order and the dropout masks. Default 1.
        run_eagerly: Keras' `run_eagerly`: no traced graph, which pays for a few steps only. Default False.

    Input/Output:
        fit(texts: list of str, epochs=1, checkpoint_dir=None, callbacks=(), verbose=1) -> self, with `history`.
        `model`: the encoder's token-id features -> views (batch, 2, output_dim) float32, the two dropout views.
    """

    def __init__(self, encoder, temperature=0.05, sequence_length=128, batch_size=32, learning_rate=3e-5,
                 weight_decay=0.01, seed=1, run_eagerly=False):
        self.encoder, self.temperature, self.sequence_length = encoder, temperature, int(sequence_length)
        self.batch_size, self.learning_rate, self.weight_decay = batch_size, learning_rate, weight_decay
        self.seed, self.run_eagerly = seed, run_eagerly
        features = {name: keras.Input(shape=(None,), dtype="int32", name=name)
                    for name in encoder.token_id_encoder.input}
        # Two calls, two dropout masks (each call draws its own in training).
        views = keras.ops.stack([encoder.token_id_encoder(features), encoder.token_id_encoder(features)], axis=1)
        self.model = keras.Model(features, views, name="simcse")
        self.history = None

    def token_lists(self, texts):
        ids = self.encoder.token_ids(tf.constant(list(texts), tf.string)).numpy()
        end = self.encoder.special_ids[1]
        rows = [np.asarray(row, np.int32) for row in ids if len(row) > 2]  # an empty text has nothing to embed
        if len(rows) < 2:
            raise ZooInputError("SimCSE needs two texts at least, that are not empty (each is the other's negative)")
        return [row if len(row) <= self.sequence_length else np.r_[row[:self.sequence_length - 1], end]
                for row in rows]

    def dataset(self, token_lists, epochs, epoch_counter):
        pad = self.encoder.special_ids[2]
        names = list(self.model.input)

        def generate():  # batches in an order fixed by the seed and the epoch: a resumed run sees the same
            for epoch in range(epoch_counter.epoch, epochs):
                order = np.random.default_rng([self.seed, epoch]).permutation(len(token_lists))
                for start in range(0, len(order), self.batch_size):
                    chosen = [token_lists[i] for i in order[start:start + self.batch_size]]
                    features = padded_features(chosen, pad)
                    yield {name: features[name] for name in names}, np.arange(len(chosen), dtype=np.int32)

        signature = ({name: tf.TensorSpec([None, None], tf.int32) for name in names}, tf.TensorSpec([None], tf.int32))
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)

    def fit(self, texts, epochs=1, checkpoint_dir=None, callbacks=(), verbose=1):
        """Trains on `texts` for `epochs`. With `checkpoint_dir`, an interrupted run started again with the same
        arguments resumes after its last finished epoch."""
        token_lists = self.token_lists(texts)
        steps = math.ceil(len(token_lists) / self.batch_size)
        warmup = max(1, steps * epochs // 10)
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, steps * epochs - warmup), alpha=0.0, warmup_target=self.learning_rate,
            warmup_steps=warmup)
        keras.utils.set_random_seed(self.seed)  # the dropout masks
        self.model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=self.weight_decay,
                                                            global_clipnorm=1.0),
                           loss=MultipleNegativesRankingLoss(scale=1.0 / self.temperature),
                           jit_compile=False, run_eagerly=self.run_eagerly)
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        self.model._initial_epoch = None  # a restored BackupAndRestore leaves it set on the model: a later
        # fit of the same model would start there (Keras 3.x), and skip its epochs
        self.history = self.model.fit(self.dataset(token_lists, epochs, epoch_counter), epochs=epochs,
                                      steps_per_epoch=steps, callbacks=callbacks, verbose=verbose)
        return self
