"""Word2Vec in Keras: skip-gram and CBOW with negative sampling, trained through `Model.fit`."""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo.errors import ZooDataError
from zoo.files import write_folder
from zoo.static.corpus import Corpus
from zoo.static.negative_sampling_model import NegativeSamplingModel, stack_batches
from zoo.static.noise_sampler import NoiseSampler
from zoo.training import training_callbacks

MODES = ("skipgram", "cbow")
CHUNK_BATCHES = 32  # batches made by one set of numpy calls, handed over and applied in the graph as one step
# (32 rather than 16: skip-gram fits 4.5 against 5.4 s, CBOW 4.2 against 5.1, medians of 3; 64 gains nothing more)


class Word2Vec:
    """Word2Vec (Mikolov et al. 2013) with gensim's settings and defaults; `.fit(corpus)`, then `.vectors`.

    Example:
    ```python
    w2v = zoo.static.Word2Vec(mode="skipgram", dim=100).fit("wiki-excerpt+lee")
    w2v.vectors.most_similar("king")
    ```

    The algorithm is word2vec's: subsampling of frequent words (`sample`), a window reduced at random to
    1..`window` for each centre word, `negative` noise words from counts ** 0.75, a learning rate decaying
    linearly from `alpha` to `min_alpha` over the run. Two changes make it fast on matrix hardware, after
    Ji et al. (2016): a group of `group` centre words shares `shared_negatives` noise words, and `batch_words`
    centre words are updated at once (sparse SGD on the rows they touch), taken from all over the epoch (see
    `batch_positions`) so that their updates are as good as independent. Skip-gram takes the centre word as
    input and its context words as outputs, as fastText does (gensim turns each pair the other way round; the
    pairs are the same). CBOW averages the context words (gensim's cbow_mean=1) and gives each the whole
    update, as gensim. With `compute_loss` (off, as in gensim), fit's logs and progress bar report the
    negative-sampling loss per positive pair; the step then compiles about 0.1 s slower.
    """

    def __init__(self, mode="skipgram", dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5,
                 alpha=None, min_alpha=1e-4, batch_words=512, group=16, shared_negatives=16,
                 compute_loss=False, seed=1):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode, self.dim, self.window, self.negative = mode, dim, window, negative
        self.min_count, self.sample, self.epochs, self.seed = min_count, sample, epochs, seed
        self.compute_loss = compute_loss
        self.settings = {"mode": mode, "dim": dim, "window": window, "negative": negative, "min_count": min_count,
                         "sample": sample, "epochs": epochs, "alpha": alpha, "min_alpha": min_alpha,
                         "batch_words": batch_words, "group": group, "shared_negatives": shared_negatives,
                         "compute_loss": compute_loss, "seed": seed}
        # word2vec.c's defaults (gensim takes 0.025 for both; with batched updates CBOW learns less at 0.025:
        # WS353 / MEN / SimLex 0.155 / 0.132 / 0.057 against gensim's 0.166 / 0.185 / 0.040, and 0.239 / 0.180 /
        # 0.085 at 0.05; 3 seeds, 2026-12-01).
        self.alpha = alpha if alpha is not None else (0.025 if mode == "skipgram" else 0.05)
        if batch_words % group:
            raise ValueError(f"batch_words ({batch_words}) must be a multiple of group ({group})")
        self.min_alpha, self.batch_words = min_alpha, batch_words
        self.group, self.shared_negatives = group, shared_negatives
        self.corpus = self.model = None

    # === Training ===
    def fit(self, corpus, checkpoint_dir=None, callbacks=(), verbose=1):
        """Trains on `corpus` (token lists, a text file, data-layer corpus names, or a built Corpus). With
        `checkpoint_dir`, an interrupted run started again with the same arguments resumes at its last epoch."""
        self.corpus = corpus if isinstance(corpus, Corpus) else Corpus.build(corpus, self.min_count, verbose > 0)
        self.model = self.build_model()
        self.model.compile(jit_compile=True)  # the step through XLA: 3x faster (see NegativeSamplingModel)
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        dataset = self.dataset(epoch_counter)
        self.model.fit(dataset, epochs=self.epochs, steps_per_epoch=self.steps_per_epoch(), callbacks=callbacks,
                       shuffle=False, verbose=verbose)
        return self

    def build_model(self):
        vocabulary = len(self.corpus)
        return NegativeSamplingModel(vocabulary, vocabulary, self.dim, seed=self.seed, reports_loss=self.compute_loss,
                                     name=f"word2vec_{self.mode}")

    def steps_per_epoch(self):
        """Keras steps (chunks of CHUNK_BATCHES batches) an epoch: room for `most_kept_words`."""
        batches = int(np.ceil(self.most_kept_words() / self.batch_words))
        return max(1, -(-batches // CHUNK_BATCHES))

    def most_kept_words(self):
        """The words subsampling keeps in an epoch, at most but once in 10^9 epochs: their mean count plus 7
        standard deviations plus 14. Each word is kept or not independently, so the count's variance is the sum
        of p (1 - p), and Bernstein's inequality bounds the chance of passing that margin, however small the
        corpus (an epoch that does raises in `batch_positions`). A margin of 5% gave the benchmark's corpus a
        chunk of empty batches every epoch (354,800 words kept, +- 300): CBOW fits 2.61 against 2.42 s."""
        keep = self.corpus.keep_probabilities(self.sample)[self.corpus.ids]
        return keep.sum() + 7 * np.sqrt((keep * (1 - keep)).sum()) + 14

    def dataset(self, epoch_counter):
        """Chunks of batches, made in numpy by a generator that tf.data runs ahead of the training step."""
        steps = self.steps_per_epoch()

        def generate():  # one stream over all epochs: fit draws `steps` chunks an epoch from one iterator
            sizes = self.padded_sizes(range(epoch_counter.epoch, self.epochs), steps * CHUNK_BATCHES)
            for epoch in range(epoch_counter.epoch, self.epochs):
                batches = self.epoch_batches(epoch, steps * CHUNK_BATCHES)
                for _ in range(steps):
                    yield stack_batches([next(batches) for _ in range(CHUNK_BATCHES)], sizes)

        # The element signature (keys, dtypes, ranks) from a batch of one group of made-up words, made as every
        # batch is: making the real first batch (its whole epoch's text) took 13-22 ms more a fit.
        group, window = self.group, self.window
        example = stack_batches([self.examples(
            np.zeros(group, np.int32), np.zeros((group, 2 * window), np.int32), np.ones((group, 2 * window), bool),
            np.zeros((1, self.shared_negatives), np.int32), np.float32(self.alpha))])
        signature = {key: tf.TensorSpec([None] * np.ndim(value), tf.as_dtype(np.asarray(value).dtype))
                     for key, value in example.items()}
        # No autotuning (nothing here to tune): deleting an iterator whose autotune thread sleeps waits for it to
        # wake, up to 10 s (seen in gdb: RootDataset::Iterator's destructor on Model::OptimizeLoop), which made
        # every third or fourth fit here end 5 s late.
        options = tf.data.Options()
        options.autotune.enabled = False
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2).with_options(options)

    def epoch_text(self, epoch):
        """An epoch's text: (its random generator, which goes on to draw the noise words; the word ids kept by
        subsampling; their sentence numbers; each centre word's reduced window)."""
        corpus = self.corpus
        rng = np.random.default_rng([self.seed, epoch])
        keep = rng.random(corpus.total_words) < corpus.keep_probabilities(self.sample)[corpus.ids]
        ids, sentence = corpus.ids[keep], corpus.sentence_ids()[keep]
        return rng, ids, sentence, rng.integers(1, self.window + 1, size=len(ids))

    def padded_sizes(self, epochs, steps):
        """The sizes `stack_batches` pads packed arrays to in a run (`epochs`, `steps` batches each), so that
        every chunk has one shape from the first step and the step compiles once (0.5-0.7 s each time). None
        when nothing is packed (skip-gram).

        CBOW lists the input cells that hold pairs: at most 2 r of them for a centre word whose window is reduced
        to r, each r drawn uniformly from 1..window, independently. So a batch's count is at most a sum of
        `batch_words` such draws, whose mean and spread are known without the text: it pads to the mean plus 6
        standard deviations (the normal approximation puts a batch past it once in 10^9; if one is, stack_batches
        raises the size and the step compiles once more). Counting the run's text ahead, as FastText does for
        its n-gram rows, took 0.30-0.35 s of a 4 s CBOW fit."""
        if self.mode == "skipgram":
            return None
        draws = 2 * np.arange(1, self.window + 1)  # 2 r, each value as likely
        bound = self.batch_words * draws.mean() + 6 * np.sqrt(self.batch_words * draws.var())
        return {"cells": min(-(-int(np.ceil(bound)) // 64) * 64, self.batch_words * 2 * self.window)}

    def most_batch_rows(self, epoch, steps, rows_of_word):
        """The most input rows a batch of `epoch` holds (`steps` batches) when each word has `rows_of_word` rows:
        its distinct centre words' (skip-gram) or its context words' (CBOW). Counted from the epoch's text,
        without making its batches (FastText's padded sizes)."""
        _, ids, sentence, reduced_window = self.epoch_text(epoch)
        if self.mode == "skipgram":  # each batch's words sorted: a word counts where it first appears
            words = np.sort(np.r_[ids, -1][self.batch_positions(len(ids), steps)], axis=1)
            first = np.c_[np.ones((len(words), 1), bool), words[:, 1:] != words[:, :-1]] & (words >= 0)
            return int(np.where(first, rows_of_word[words], 0).sum(axis=1).max())
        # CBOW: the rows of the words at the context positions, within the sentence
        rows = rows_of_word[ids]
        position = np.arange(len(ids))
        first = np.r_[True, sentence[1:] != sentence[:-1]]  # a sentence's first position
        last = np.r_[sentence[1:] != sentence[:-1], True]
        start = np.maximum.accumulate(np.where(first, position, 0))
        end = np.minimum.accumulate(np.where(last, position, len(ids))[::-1])[::-1]  # its last position
        left = np.minimum(reduced_window, position - start)
        right = np.minimum(reduced_window, end - position)
        before = np.r_[0, np.cumsum(rows)]  # rows of the words before each position
        rows = before[position + right + 1] - before[position - left] - rows
        return int(np.r_[rows, 0][self.batch_positions(len(ids), steps)].sum(axis=1).max())

    def batch_positions(self, length, steps):
        """The text positions of each batch's centre words, (steps, batch_words), for an epoch of `length` kept
        words; `length` (past the end) where there is none. Batch k of the n that the text needs holds positions
        k, k + n, k + 2 n, ...: its centre words are spread over the whole epoch, not one stretch of text.

        Why: a stretch of 512 words is one topic, whose words come back within it, and a batch sums their
        updates without seeing each other's. Spread, the batch's words are as good as independent. Measured
        (skip-gram, 3 seeds, WS353 / MEN / SimLex / Google): 0.246 / 0.207 / 0.144 / 0.020 spread against
        0.211 / 0.174 / 0.122 / 0.018 in stretches; gensim 0.230 / 0.209 / 0.137 / 0.022."""
        size = self.batch_words
        needed = -(-length // size)
        if needed > steps:  # steps_per_epoch leaves room for 7 standard deviations (+ 14 words) over the mean
            raise RuntimeError(f"an epoch kept {length:,} words, more than {steps} batches of {size} hold")
        layout = np.full((steps, size), length, np.int64)
        spread = np.arange(needed * size).reshape(size, needed).T
        layout[:needed] = np.where(spread < length, spread, length)
        return layout

    def epoch_batches(self, epoch, steps):
        """Exactly `steps` batches for `epoch`, centre words spread as `batch_positions` says (the batches past
        those the text needs are empty)."""
        corpus, window, size = self.corpus, self.window, self.batch_words
        rng, ids, sentence, reduced_window = self.epoch_text(epoch)
        noise = NoiseSampler(corpus.noise_distribution())
        offsets = np.r_[-window:0, 1:window + 1]
        layout, needed = self.batch_positions(len(ids), steps), max(-(-len(ids) // size), 1)
        for first in range(0, steps, CHUNK_BATCHES):  # numpy works on many batches at once, then slices
            batches = min(CHUNK_BATCHES, steps - first)
            centre = layout[first:first + batches].ravel()
            present = centre < len(ids)
            centre = np.minimum(centre, len(ids) - 1)
            position = centre[:, None] + offsets
            inside = np.clip(position, 0, len(ids) - 1)
            valid = ((np.abs(offsets) <= reduced_window[centre][:, None]) & (position >= 0)
                     & (position < len(ids)) & (sentence[inside] == sentence[centre][:, None]) & present[:, None])
            noise_ids = noise.words(rng.random((batches, size // self.group, self.shared_negatives)))
            window_ids = ids[inside].astype(np.int32)
            for k in range(batches):
                step, own = first + k, slice(k * size, (k + 1) * size)
                progress = (epoch + min(step, needed) / needed) / self.epochs
                rate = np.float32(self.alpha - (self.alpha - self.min_alpha) * progress)
                yield self.examples(ids[centre[own]].astype(np.int32), window_ids[own], valid[own], noise_ids[k],
                                    rate)

    def examples(self, centre, window_ids, pairs, noise_ids, rate):
        """One batch in NegativeSamplingModel's terms. `centre` (C,) words; `window_ids` (C, 2 W) the words at
        their context positions, `pairs` (C, 2 W) which of those are pairs. Each pair should meet `negative`
        noise words: a group's `shared_negatives` noise words each count negative / shared_negatives per pair.
        (word2vec skips a noise word equal to the target; shared noise words are not skipped: at these weights
        the difference is far below the sampling noise.)"""
        per_pair = np.float32(self.negative / self.shared_negatives)
        count = pairs.sum(axis=1).astype(np.float32)
        if self.mode == "skipgram":  # input: the centre word; positives: the words at its context positions
            ones = np.ones((len(centre), 1), np.float32)
            return {
                "input_ids": centre[:, None], "input_weights": ones, "input_update_weights": ones,
                "positive_ids": window_ids, "positive_weights": pairs.astype(np.float32),
                "noise_ids": noise_ids, "noise_weights": count * per_pair, "learning_rate": rate,
            }
        # CBOW: input the mean of the context words (each gets the whole update); positive: the centre word.
        has_context = (count > 0).astype(np.float32)
        cells = np.flatnonzero(pairs).astype(np.int32)  # only these are scattered (see NegativeSamplingModel)
        return {
            "input_ids": window_ids, "input_weights": (pairs / np.maximum(count, 1)[:, None]).astype(np.float32),
            "input_update_weights": pairs.astype(np.float32),
            "input_cells": cells, "input_cell_weights": np.ones(len(cells), np.float32),
            "positive_ids": centre[:, None], "positive_weights": has_context[:, None],
            "noise_ids": noise_ids, "noise_weights": has_context * per_pair, "learning_rate": rate,
        }

    # === Results ===
    @property
    def vectors(self):
        """The trained input vectors as a zoo.Vectors (words most frequent first)."""
        from zoo.static.vectors import Vectors

        return Vectors(self.corpus.words, np.asarray(self.model.input_vectors.numpy()[:len(self.corpus)]))


    # === Saving ===
    def save(self, folder):
        """Settings, vocabulary and both weight tables, written to a temporary folder renamed into place."""
        def write(temporary):
            (temporary / "settings.json").write_text(json.dumps({"class": type(self).__name__, **self.settings}))
            (temporary / "words.txt").write_text("".join(f"{w}\t{n}\n" for w, n in
                                                          zip(self.corpus.words, self.corpus.counts)), "utf-8")
            np.savez(temporary / "weights.npz", input_vectors=self.model.input_vectors.numpy(),
                     output_vectors=self.model.output_vectors.numpy())

        return write_folder(folder, write)

    @classmethod
    def load(cls, folder):
        folder = Path(folder)
        settings = json.loads((folder / "settings.json").read_text())
        saved_by = settings.pop("class")
        if saved_by != cls.__name__:
            raise ZooDataError(folder / "settings.json", f"saved by {saved_by}, not {cls.__name__}: "
                               f"load it with zoo.static.{saved_by}.load")
        trainer = cls(**settings)
        lines = (folder / "words.txt").read_text("utf-8").splitlines()
        words, counts = zip(*(line.rsplit("\t", 1) for line in lines))
        trainer.corpus = Corpus(words, [int(n) for n in counts], np.zeros(0, np.int32), np.zeros(0, np.int64))
        trainer.model = trainer.build_model()
        weights = np.load(folder / "weights.npz")
        for name in ("input_vectors", "output_vectors"):
            expected = tuple(getattr(trainer.model, name).shape)
            if weights[name].shape != expected:  # e.g. a FastText saved whole, before it trained its used rows only
                raise ZooDataError(folder / "weights.npz", f"{name} is {weights[name].shape}, but this "
                                   f"{cls.__name__}'s vocabulary and settings make {expected}: saved by another "
                                   "version; train again")
            getattr(trainer.model, name).assign(weights[name])
        return trainer
