"""A small GPT-2 trained from scratch with KerasHub, because no GPT-2 weights can be had offline.

A byte-level BPE vocabulary is learnt with Hugging Face `tokenizers` and handed to KerasHub's GPT2Tokenizer; a
GPT2CausalLM with a small backbone is trained through `fit` on the Wikipedia excerpt packed into full rows; the
held-out perplexity is measured before and after; the model is saved as a KerasHub preset folder.

Example:
```python
trainer = zoo.contextual.GPT2Trainer().fit()           # the Wikipedia excerpt
trainer.perplexity                                      # {"before": ..., "after": ...}
trainer.save_preset("gpt2_wiki")                        # keras_hub.models.GPT2CausalLM.from_preset("gpt2_wiki")
```
"""

import contextlib
import json
import math
import os
import re
import zlib

import keras
import keras_hub
import numpy as np
import tensorflow as tf

from zoo.errors import ZooInputError
from zoo.files import write_folder
from zoo.training import training_callbacks

END_TOKEN = "<|endoftext|>"
# A run for tests and `zoo tour --quick`: a 2,000-token vocabulary, one thin layer, a slice of the corpus.
QUICK = {"vocabulary_size": 2000, "num_layers": 1, "hidden_dim": 64, "epochs": 1, "train_sequences": 3000}


def clean_text(text):
    """Runs of spaces made one, blank lines and the spaces around line breaks removed (wiki markup leaves many)."""
    return re.sub(r"\s*\n\s*", "\n", re.sub(r"[^\S\n]+", " ", text)).strip()


def train_byte_level_bpe(texts, vocabulary_size=8000, min_frequency=2):
    """A GPT2Tokenizer whose byte-level BPE vocabulary and merges are learnt from `texts` by `tokenizers`, with
    `<|endoftext|>` as id 0. Tokens are GPT-2's: pieces of UTF-8 bytes, a leading space written `Ġ`.

    KerasHub 0.32 tokenizes eagerly without GPT-2's split into words (it hands `tokenizers` the split pattern
    as a plain string, which matches nothing), in tf.data with it; on text as `clean_text` leaves it both give
    these ids, but for rare apostrophes inside words ("i'thar")."""
    import tokenizers

    texts = [text for text in texts if text.strip()]
    if not texts:
        raise ZooInputError("cannot learn a BPE vocabulary: the texts are empty")
    reference = tokenizers.ByteLevelBPETokenizer()
    reference.train_from_iterator(texts, vocab_size=vocabulary_size, min_frequency=min_frequency,
                                  special_tokens=[END_TOKEN], show_progress=False)
    merges = bpe_merges(reference)
    if not merges:
        raise ZooInputError("the texts are too small to learn a BPE vocabulary: no pair of symbols occurs "
                            f"{min_frequency} times")
    return keras_hub.models.GPT2Tokenizer(vocabulary=reference.get_vocab(), merges=merges)


def bpe_merges(reference):
    """The merge rules as KerasHub reads them, "a b", in order; `tokenizers` stores pairs (older versions
    strings) and exposes them only in its JSON form."""
    merges = json.loads(reference._tokenizer.to_str())["model"]["merges"]
    return [merge if isinstance(merge, str) else " ".join(merge) for merge in merges]


def split_articles(articles, held_out_fraction=0.05):
    """(training, held-out) texts, cleaned: the held-out articles are those whose title (or text) hashes lowest,
    so the split does not depend on the articles' order. At least one article goes each way."""
    keyed = [(article, article) if isinstance(article, str) else (article.title, article.text)
             for article in articles]
    keyed = [(key, clean_text(text)) for key, text in keyed if text.strip()]
    if not keyed:
        raise ZooInputError("the corpus is empty: no text to train a GPT-2 on")
    if len(keyed) < 2:
        raise ZooInputError("the corpus has one article; a GPT-2 needs two at least, one of them held out")
    keyed.sort(key=lambda pair: zlib.crc32(pair[0].encode("utf-8")))
    held = min(len(keyed) - 1, max(1, round(held_out_fraction * len(keyed))))
    texts = [text for _, text in keyed]
    return texts[held:], texts[:held]


def pack_token_ids(token_lists, end_id, sequence_length):
    """(rows, real): the texts' tokens, each text after an end token as GPT-2 separates documents, cut into rows
    of sequence_length + 1 that overlap by one token, so that every token but the first is a target once. The
    last row is padded with end tokens, `real` False there."""
    stream = np.concatenate([np.r_[end_id, ids] for ids in token_lists]).astype(np.int32)
    rows = max(1, math.ceil((len(stream) - 1) / sequence_length))
    width = rows * sequence_length + 1
    padded = np.full(width, end_id, np.int32)
    padded[:len(stream)] = stream
    real = np.arange(width) < len(stream)
    starts = np.arange(rows)[:, None] * sequence_length + np.arange(sequence_length + 1)
    return padded[starts], real[starts]


def model_inputs(rows, real):
    """(x, y, sample_weight) for GPT2CausalLM from packed rows: predict each token from those before it."""
    x = {"token_ids": rows[:, :-1], "padding_mask": real[:, :-1]}
    return x, rows[:, 1:], real[:, 1:].astype(np.float32)


def perplexity(causal_lm, rows, real, batch_size=32):
    """exp of the mean cross-entropy of the real target tokens of packed rows (padding excluded)."""
    @tf.function(reduce_retracing=True)  # traced once, not run eagerly batch by batch; logits never leave the graph
    def summed_loss(x, y, weight):
        logits = causal_lm(x, training=False)
        loss = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        return keras.ops.sum(loss * weight)

    total = 0.0
    for start in range(0, len(rows), batch_size):
        total += float(summed_loss(*model_inputs(rows[start:start + batch_size], real[start:start + batch_size])))
    return math.exp(total / real[:, 1:].sum())


def unigram_perplexity(rows, real, held_rows, held_real, vocabulary_size):
    """The baseline a model that ignores context reaches: the held-out perplexity of the training tokens'
    frequencies (add-half smoothed)."""
    counts = np.bincount(rows[:, 1:][real[:, 1:]], minlength=vocabulary_size) + 0.5
    targets = held_rows[:, 1:][held_real[:, 1:]]
    return math.exp(-np.log(counts[targets] / counts.sum()).mean())


def build_causal_lm(tokenizer, num_layers=2, hidden_dim=128, num_heads=4, intermediate_dim=None,
                    sequence_length=128, dropout=0.0):
    """A GPT2CausalLM with a small backbone (GPT-2 small is 12 layers of 768) and its preprocessor."""
    backbone = keras_hub.models.GPT2Backbone(
        vocabulary_size=tokenizer.vocabulary_size(), num_layers=num_layers, num_heads=num_heads,
        hidden_dim=hidden_dim, intermediate_dim=intermediate_dim or 4 * hidden_dim, dropout=dropout,
        max_sequence_length=sequence_length)
    preprocessor = keras_hub.models.GPT2CausalLMPreprocessor(tokenizer, sequence_length=sequence_length)
    return keras_hub.models.GPT2CausalLM(backbone=backbone, preprocessor=preprocessor)


@contextlib.contextmanager
def without_preprocessor(causal_lm):
    """KerasHub's way to feed a task tokens it did not make itself: set its preprocessor aside for a while."""
    preprocessor, causal_lm.preprocessor = causal_lm.preprocessor, None
    try:
        yield causal_lm
    finally:
        causal_lm.preprocessor = preprocessor


def save_preset(causal_lm, folder):
    """`causal_lm.save_to_preset`, written to a temporary folder renamed into place."""
    return write_folder(folder, lambda temporary: causal_lm.save_to_preset(os.fspath(temporary)))


class GPT2Trainer:
    """Trains a small GPT-2 from scratch: a byte-level BPE vocabulary, then a KerasHub GPT2CausalLM, then perplexity.

    `.fit(articles)` learns the vocabulary and trains; then `.causal_lm`, `.tokenizer`, `.perplexity` and
    `.save_preset(folder)`. The perplexity is per BPE token on the held-out articles: "before" and "after" training,
    and "unigram", the training tokens' frequencies alone, for a baseline. The held-out articles take no part in
    the vocabulary or the training. The text is packed: every row is `sequence_length` tokens of running text,
    articles separated by `<|endoftext|>`. AdamW's learning rate warms up over the first 5% of the steps, then
    follows a cosine down to a tenth. `GPT2Trainer(**QUICK)` is a much smaller run, for tests and the quick tour.

    Args:
        vocabulary_size: BPE vocabulary size, `<|endoftext|>` included. Default 8000.
        num_layers: transformer layers. Default 2.
        hidden_dim: width of the token vectors. Default 128.
        num_heads: attention heads per layer. Default 4.
        intermediate_dim: width of the feed-forward layers; None: 4 x hidden_dim. Default None.
        sequence_length: tokens per training row (and the model's longest input). Default 128.
        dropout: dropout rate in the backbone. Default 0.0.
        epochs: passes over the training rows. Default 1.
        batch_size: rows per training step. Default 8.
        learning_rate: AdamW's peak learning rate. Default 3e-3.
        weight_decay: AdamW's weight decay. Default 0.01.
        held_out_fraction: share of the articles held out for the perplexity (at least one). Default 0.05.
        train_sequences: train on this many rows drawn at random; None: all. Default None.
        min_frequency: a BPE merge needs a pair seen at least this often. Default 2.
        seed: seed of the initialisation, the row order and the sampled rows. Default 1.

    Input/Output:
        fit(articles): records with `title` and `text`, or str; None: the Wikipedia excerpt -> self, with
        `causal_lm` (a keras_hub.models.GPT2CausalLM: token_ids (batch, steps) int32 and padding_mask
        (batch, steps) bool -> logits (batch, steps, vocabulary_size) float32), `tokenizer` (a
        keras_hub.models.GPT2Tokenizer) and `perplexity` ({"unigram", "before", "after"}: float).
        save_preset(folder) -> the folder, a KerasHub preset.

    Example:
    ```python
    trainer = zoo.contextual.GPT2Trainer(epochs=1).fit()       # the Wikipedia excerpt
    trainer.perplexity                                           # {"unigram": ..., "before": ..., "after": ...}
    trainer.save_preset("gpt2_wiki")
    encoder = zoo.contextual.TextEncoder.from_preset("gpt2_wiki", pooling="mean")
    ```
    """

    def __init__(self, vocabulary_size=8000, num_layers=2, hidden_dim=128, num_heads=4, intermediate_dim=None,
                 sequence_length=128, dropout=0.0, epochs=1, batch_size=8, learning_rate=3e-3,
                 weight_decay=0.01, held_out_fraction=0.05, train_sequences=None, min_frequency=2, seed=1):
        self.vocabulary_size, self.min_frequency = vocabulary_size, min_frequency
        self.model_settings = {"num_layers": num_layers, "hidden_dim": hidden_dim, "num_heads": num_heads,
                               "intermediate_dim": intermediate_dim, "sequence_length": sequence_length,
                               "dropout": dropout}
        self.sequence_length, self.epochs, self.batch_size = sequence_length, epochs, batch_size
        self.learning_rate, self.weight_decay = learning_rate, weight_decay
        self.held_out_fraction, self.train_sequences, self.seed = held_out_fraction, train_sequences, seed
        self.tokenizer = self.causal_lm = self.history = None
        self.perplexity = {}

    # === Training ===
    def fit(self, articles=None, tokenizer=None, checkpoint_dir=None, callbacks=(), verbose=1):
        """Trains on `articles` (records with `title` and `text`, or strings; the Wikipedia excerpt when None),
        learning a vocabulary unless a GPT2Tokenizer is given. With `checkpoint_dir`, an interrupted run
        started again with the same arguments resumes at its last finished epoch."""
        if articles is None:
            from zoo.data import load_wiki_excerpt

            articles = load_wiki_excerpt()
        training, held_out = split_articles(articles, self.held_out_fraction)
        self.tokenizer = tokenizer or train_byte_level_bpe(training, self.vocabulary_size, self.min_frequency)
        rows, real = self.pack(training)
        if not real[0, -1]:
            raise ZooInputError(f"the corpus is too small: its training articles make {real.sum()} tokens, "
                                f"fewer than one sequence of {self.sequence_length + 1}")
        held_rows, held_real = self.pack(held_out)
        keras.utils.set_random_seed(self.seed)  # KerasHub's initialisers take no seed of their own
        self.causal_lm = build_causal_lm(self.tokenizer, **self.model_settings)
        self.perplexity = {"unigram": unigram_perplexity(rows, real, held_rows, held_real,
                                                         self.tokenizer.vocabulary_size()),
                           "before": perplexity(self.causal_lm, held_rows, held_real)}
        self.train(rows, real, checkpoint_dir, callbacks, verbose)
        self.perplexity["after"] = perplexity(self.causal_lm, held_rows, held_real)
        if verbose:
            print(f"held-out perplexity: {self.perplexity['before']:.1f} before training, "
                  f"{self.perplexity['after']:.1f} after; token frequencies alone: {self.perplexity['unigram']:.1f}")
        return self

    def pack(self, texts):
        token_lists = [np.asarray(ids, np.int32) for ids in self.tokenizer(texts)]
        return pack_token_ids(token_lists, self.tokenizer.end_token_id, self.sequence_length)

    def train(self, rows, real, checkpoint_dir, callbacks, verbose):
        if self.train_sequences is not None and self.train_sequences < len(rows):
            chosen = np.sort(np.random.default_rng(self.seed).permutation(len(rows))[:self.train_sequences])
            rows, real = rows[chosen], real[chosen]
        steps = math.ceil(len(rows) / self.batch_size)
        self.causal_lm.compile(optimizer=self.optimizer(steps * self.epochs), weighted_metrics=[],
                               jit_compile=False)  # XLA makes these steps slower on CPU, not faster
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        with without_preprocessor(self.causal_lm):
            self.history = self.causal_lm.fit(self.dataset(rows, real, epoch_counter), epochs=self.epochs,
                                              steps_per_epoch=steps, callbacks=callbacks, shuffle=False,
                                              verbose=verbose)

    def optimizer(self, total_steps):
        warmup = max(1, total_steps // 20)
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, decay_steps=max(1, total_steps - warmup), alpha=0.1, warmup_target=self.learning_rate,
            warmup_steps=warmup)
        return keras.optimizers.AdamW(schedule, weight_decay=self.weight_decay, global_clipnorm=1.0)

    def dataset(self, rows, real, epoch_counter):
        """Batches of rows in an order fixed by the seed and the epoch, so that a resumed run sees what an
        uninterrupted one would have."""
        def generate():  # one stream over all epochs: fit draws `steps` batches an epoch from one iterator
            for epoch in range(epoch_counter.epoch, self.epochs):
                order = np.random.default_rng([self.seed, epoch]).permutation(len(rows))
                for start in range(0, len(order), self.batch_size):
                    chosen = order[start:start + self.batch_size]
                    yield model_inputs(rows[chosen], real[chosen])

        length = self.sequence_length
        signature = ({"token_ids": tf.TensorSpec([None, length], tf.int32),
                      "padding_mask": tf.TensorSpec([None, length], tf.bool)},
                     tf.TensorSpec([None, length], tf.int32), tf.TensorSpec([None, length], tf.float32))
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2)

    # === Saving ===
    def save_preset(self, folder):
        """The trained GPT2CausalLM as a KerasHub preset folder (config, weights, tokenizer vocabulary and
        merges), written to a temporary folder renamed into place."""
        return save_preset(self.causal_lm, folder)
