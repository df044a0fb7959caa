"""Fine-tuning a `TextEncoder` on sentence pairs, the way sentence-transformers does: a bi-encoder, one of the
pair losses, AdamW with warm-up and linear decay, gradients clipped to norm 1, the development score after each
epoch and the best epoch kept, resumable after an interruption."""

import math
import time

import keras
import numpy as np
import tensorflow as tf

from zoo.contextual.angle_loss import AnglELoss
from zoo.contextual.cosent_loss import CoSENTLoss
from zoo.contextual.cosine_similarity_loss import CosineSimilarityLoss
from zoo.contextual.multiple_negatives_ranking_loss import MultipleNegativesRankingLoss
from zoo.contextual.padded_features import padded_features
from zoo.contextual.sentence_pair_model import SentencePairModel
from zoo.errors import ZooInputError
from zoo.training import BFloat16Steps, KeepBestEpoch, WarmUpLinearDecay, training_callbacks

LOSSES = {"cosine": CosineSimilarityLoss, "cosent": CoSENTLoss, "angle": AnglELoss,
          "mnrl": MultipleNegativesRankingLoss}
NO_WEIGHT_DECAY = ["bias", "gamma", "beta"]  # as Hugging Face's trainer: no decay of biases and LayerNorm


def pair_batches(encoder, columns, labels, batch_size, seed=0, counter=None, epochs=1):
    """A `tf.data.Dataset` of (features, labels) batches for `SentencePairModel`, reshuffled each epoch.

    Args:
        encoder: the `TextEncoder` (its tokenizer, special tokens and length limit).
        columns: a list of equally long lists of str (the first sentences, the second ones, ...).
        labels: a float array, one per row (ignored by in-batch-negative losses, but still given).
        batch_size, seed: rows a batch; the shuffle of epoch e uses seed + e.
        counter: a `zoo.training.EpochCounter`, so that a resumed fit starts at the right epoch; epochs: how many.

    Every sentence is tokenised once, up front; a batch is padded to its own longest sentence.
    """
    rows = len(labels)
    if not rows or any(len(column) != rows for column in columns):
        raise ZooInputError(f"pair_batches: {[len(c) for c in columns]} sentences for {rows} labels")
    ids = encoder.token_ids(tf.constant([s for column in columns for s in column], tf.string))
    ids = np.split(ids.flat_values.numpy(), np.cumsum(ids.row_lengths().numpy())[:-1])
    pad_id = encoder.special_ids[2]
    with_segments = "segment_ids" in encoder.token_id_encoder.input
    labels = np.asarray(labels, np.float32)

    def generate():
        for epoch in range(counter.epoch if counter else 0, epochs):
            order = np.random.default_rng(seed + epoch).permutation(rows)
            for start in range(0, rows, batch_size):
                chosen = order[start:start + batch_size]
                sentences = [ids[c * rows + r] for c in range(len(columns)) for r in chosen]
                yield padded_features(sentences, pad_id, with_segments), labels[chosen]

    spec = tf.TensorSpec((None, None), tf.int32)
    signature = ({"token_ids": spec, "padding_mask": spec, **({"segment_ids": spec} if with_segments else {})},
                 tf.TensorSpec((None,), tf.float32))
    return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)


class TrainingSpeed(keras.callbacks.Callback):
    """Seconds spent in training batches (not in the development evaluation), and the rows they took."""

    def __init__(self, rows_per_epoch):
        super().__init__()
        self.rows_per_epoch, self.seconds, self.rows = rows_per_epoch, 0.0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):  # runs before KeepBestEpoch's evaluation (earlier in the list)
        self.seconds += time.perf_counter() - self.started
        self.rows += self.rows_per_epoch


def fine_tune(encoder, columns, labels, loss="cosent", *, epochs=4, batch_size=16, learning_rate=2e-5,
              warmup_ratio=0.1, weight_decay=0.01, dev_score=None, checkpoint_dir=None, seed=0, precision="float32",
              callbacks=(), verbose=1):
    """Fine-tunes `encoder` in place on sentence pairs; with `dev_score`, ends on the weights of its best epoch.

    Args:
        encoder: a `TextEncoder`.
        columns, labels: as `pair_batches` (labels on the loss's scale: in [0, 1] for "cosine").
        loss: "cosine", "cosent", "angle", "mnrl" (see LOSSES), or a `keras.losses.Loss`.
        epochs, batch_size, learning_rate, warmup_ratio, weight_decay: as sentence-transformers' fit (AdamW, peak
            rate after warmup_ratio of the steps, linear decay to 0; gradients clipped to global norm 1).
        dev_score: a callable -> float (higher is better) scored after each epoch; the best epoch is kept.
        checkpoint_dir: a folder to resume from after an interruption (None: no resumption).
        seed: the shuffle and dropout seed.
        precision: "float32", or "bfloat16" for the training steps (`zoo.training.BFloat16Steps`: oneDNN's
            rewrite, on CPUs with AVX-512 BF16 or AMX; about 1.3x float32's pairs a second here, BENCHMARKS.md).
            The development score, and the encoder after, run in float32.
        callbacks: more Keras callbacks for the fit (after the development score's).

    Returns: {"dev_scores": {epoch: score}, "best_epoch", "pairs_per_second", "train_seconds", "history"}.
    """
    loss = LOSSES[loss]() if isinstance(loss, str) else loss
    precision_steps = BFloat16Steps(precision)  # refuses an unknown precision, or bfloat16 on a CPU without it
    keras.utils.set_random_seed(seed)
    steps_per_epoch = math.ceil(len(labels) / batch_size)
    total_steps = epochs * steps_per_epoch
    schedule = WarmUpLinearDecay(learning_rate, total_steps, warmup_steps=math.ceil(total_steps * warmup_ratio))
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=weight_decay, global_clipnorm=1.0)
    optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
    for layer in encoder.backbone.layers:  # BERT's pooler: no sentence vector here uses it, so it gets no gradient
        if layer.name == "pooled_dense":
            layer.trainable = False
    model = SentencePairModel(encoder, columns=len(columns))
    model.compile(optimizer=optimizer, loss=loss)
    speed = TrainingSpeed(len(labels))
    extra = [speed, precision_steps]  # before KeepBestEpoch: its evaluation runs in float32
    best = None
    if dev_score is not None:
        best = KeepBestEpoch(dev_score, name="dev_score", folder=f"{checkpoint_dir}-best" if checkpoint_dir else None)
        extra.append(best)
    counter, callbacks = training_callbacks(checkpoint_dir, [*extra, *callbacks])
    batches = pair_batches(encoder, columns, labels, batch_size, seed, counter, epochs)
    history = model.fit(batches, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=callbacks,
                        shuffle=False, verbose=verbose)  # pair_batches shuffles, by epoch
    return {"dev_scores": dict(best.scores) if best else {}, "best_epoch": best.best_epoch if best else None,
            "pairs_per_second": speed.rows / speed.seconds if speed.seconds else float("nan"),
            "train_seconds": speed.seconds, "history": history.history}
