"""Word2Vec in Keras: skip-gram and CBOW with negative sampling, trained through `Model.fit`."""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo.deprecation import renamed_arguments, renamed_attribute, with_current_names
from zoo.errors import ZooDataError
from zoo.files import write_folder
from zoo.static.corpus import Corpus
from zoo.static.negative_sampling_model import NegativeSamplingModel, stack_batches
from zoo.static.noise_sampler import NoiseSampler
from zoo.training import training_callbacks

MODES = ("skipgram", "cbow")
CHUNK_BATCHES = 32  # batches made by one set of numpy calls, handed over and applied in the graph as one step
# (32 rather than 16: fewer hand-overs from Python and tf.data made whole fits faster; 64 gained nothing more)


class Word2Vec:
    """Word2Vec (Mikolov et al. 2013): skip-gram or CBOW with negative sampling, trained through `Model.fit`.

    The algorithm and its defaults are word2vec's and gensim's: subsampling of frequent words (`sample`), a
    window reduced at random to 1..`window` for each centre word, `negative` noise words drawn from counts **
    0.75, a learning rate decaying linearly from `alpha` to `min_alpha` over the run. Skip-gram takes the centre
    word as input and its context words as outputs, as fastText does (gensim turns each pair round; the pairs are
    the same); CBOW averages the context words (gensim's cbow_mean=1) and gives each the whole update, as gensim.
    Two changes suit matrix hardware, after Ji et al. (2016): groups of `group` centre words share their noise
    words, so the noise part becomes small matrix products; and `batch_words` centre words, spread over the
    whole epoch (see `batch_positions`), are updated at once by sparse SGD on the rows they touch. Above an
    initial learning rate of `PLAIN_STEP_MAX_ALPHA` (0.05), skip-gram scales each input row's summed update as
    word2vec's sequential steps would move it (NegativeSamplingModel's `sequential_scaling`), so that it learns at
    every rate gensim trains at (0.025 to 0.2), where summed updates diverged from 0.075; at 0.05 and below the
    plain summed step learns as well and costs about 30% less time a step. CBOW, stable up to 0.2, always takes
    the plain summed step.

    Args:
        mode: "skipgram" (the centre word predicts its context words) or "cbow" (the mean of the context words
            predicts the centre word). Default "skipgram".
        output_dim: the width of the word vectors. Default 100. (`dim=` is its deprecated alias.)
        window: the largest distance from a centre word to a context word, within one sentence. Default 5.
        negative: noise words per positive pair. Default 5.
        min_count: words occurring fewer times in the corpus are dropped before windows are formed. Default 5.
        sample: the subsampling threshold of frequent words (gensim's formula); 0 keeps every word. Default 1e-3.
        epochs: passes over the corpus. Default 5.
        alpha: the initial learning rate. Default None: `default_alpha`'s rule for the corpus, which rises from
            word2vec.c's rates (0.025 skip-gram, 0.05 CBOW) on large corpora to 0.2 on small ones.
        min_alpha: the learning rate at the end of the run. Default 1e-4.
        batch_words: centre words updated at once, a multiple of `group`. Default 512.
        group: consecutive centre words that share their noise words. Default 16.
        shared_negatives: the noise words a group shares; each counts negative / shared_negatives per pair, so
            that every pair meets `negative` noise words' worth. Default 16.
        compute_loss: report the negative-sampling loss per positive pair in fit's logs and progress bar (off, as
            in gensim: it lengthens the step's compilation). Default False.
        seed: seeds the initial vectors and every random draw (subsampling, windows, noise words). Default 1.

    Input/Output: `fit(corpus)` takes token lists, a text file or data-layer corpus names; then `vectors` is a
    zoo.Vectors of the kept words (most frequent first), `output_dim` floats each.

    Raises:
        ValueError: an unknown `mode`, or a `batch_words` that is not a multiple of `group`.

    Example:
    ```python
    w2v = zoo.static.Word2Vec(mode="skipgram", output_dim=100).fit("wiki-excerpt+lee")
    w2v.vectors.most_similar("king")
    w2v.save("w2v/"); zoo.static.Word2Vec.load("w2v/").vectors
    ```
    """

    RENAMED_ARGUMENTS = {"dim": "output_dim"}  # old name: new name (the old ones are accepted, with a warning)
    dim = renamed_attribute("dim", "output_dim")

    PLAIN_STEP_MAX_ALPHA = 0.05  # the plain summed step learns up to here (measured: BENCHMARKS.md)
    # The default learning rate's rule (see `default_alpha`; measured: BENCHMARKS.md, "Learning rates").
    BASE_ALPHA = {"skipgram": 0.025, "cbow": 0.05}  # word2vec.c's defaults, for large corpora
    BASE_ALPHA_WORDS = 40_000_000  # training words (corpus words x epochs) from which the base rate is the best
    MAX_ALPHA = 0.2  # the highest rate measured to help, on the smallest corpus

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, mode="skipgram", output_dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5,
                 alpha=None, min_alpha=1e-4, batch_words=512, group=16, shared_negatives=16,
                 compute_loss=False, seed=1):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode, self.output_dim, self.window, self.negative = mode, output_dim, window, negative
        self.min_count, self.sample, self.epochs, self.seed = min_count, sample, epochs, seed
        self.compute_loss = compute_loss
        self.settings = {"mode": mode, "output_dim": output_dim, "window": window, "negative": negative,
                         "min_count": min_count, "sample": sample, "epochs": epochs, "alpha": alpha,
                         "min_alpha": min_alpha, "batch_words": batch_words, "group": group,
                         "shared_negatives": shared_negatives, "compute_loss": compute_loss, "seed": seed}
        self.alpha = alpha  # None until `fit` knows the corpus (`default_alpha`)
        if batch_words % group:
            raise ValueError(f"batch_words ({batch_words}) must be a multiple of group ({group})")
        self.min_alpha, self.batch_words = min_alpha, batch_words
        self.group, self.shared_negatives = group, shared_negatives
        self.corpus = self.model = None

    # === Training ===
    def fit(self, corpus, checkpoint_dir=None, callbacks=(), verbose=1):
        """Builds the vocabulary and the model, then trains them through `Model.fit`.

        Args:
            corpus: token lists (an iterable of lists of strings), a text file (one sentence or document a line,
                tokens split on whitespace), data-layer corpus names joined with "+" ("wiki-excerpt+lee"), or a
                built zoo.static.Corpus.
            checkpoint_dir: a folder where each finished epoch is saved (BackupAndRestore): a run interrupted and
                started again with the same arguments resumes at its first unfinished epoch. Default None.
            callbacks: more Keras callbacks for `Model.fit`. Default none.
            verbose: 0 silent, 1 progress bars (reading the corpus, and Keras'). Default 1.

        Returns:
            self, trained: `vectors` gives the word vectors, `model` is the NegativeSamplingModel.
        """
        self.set_corpus(corpus if isinstance(corpus, Corpus) else Corpus.build(corpus, self.min_count, verbose > 0))
        self.model = self.build_model()
        self.model.compile(jit_compile=True)  # the step through XLA (see NegativeSamplingModel)
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        dataset = self.dataset(epoch_counter)
        self.model.fit(dataset, epochs=self.epochs, steps_per_epoch=self.steps_per_epoch(), callbacks=callbacks,
                       shuffle=False, verbose=verbose)
        return self

    def set_corpus(self, corpus):
        """Takes the built zoo.static.Corpus `corpus` as the training text, and sets `alpha` for it where the
        trainer was made with alpha=None (`default_alpha`)."""
        self.corpus = corpus
        if self.settings["alpha"] is None:
            self.alpha = self.default_alpha(self.mode, corpus.total_words * self.epochs)

    @classmethod
    def default_alpha(cls, mode, training_words):
        """The default initial learning rate: word2vec.c's for a large corpus, higher for a smaller one.

        The rule: BASE_ALPHA[mode] x sqrt(BASE_ALPHA_WORDS / training_words), kept within [BASE_ALPHA[mode],
        MAX_ALPHA], where training_words is the corpus' words (kept at min_count) times the epochs. word2vec.c's
        rates (0.025 skip-gram, 0.05 CBOW) were chosen on corpora of hundreds of millions of words; with fewer
        words to learn from, fewer and larger steps learn more. Fitted on the shipped corpus (470,000 words x 5
        epochs: best rates 0.1 skip-gram and FastText, 0.2 CBOW; the rule gives 0.103, 0.103 and 0.2) and the Lee
        corpus alone (51,000 words: 0.2 for all three), and checked on the VADER review sentences (BENCHMARKS.md).

        Args:
            mode: "skipgram" or "cbow" (FastText's modes too).
            training_words: the words of a run, corpus words x epochs.

        Returns:
            The learning rate, a float.
        """
        base = cls.BASE_ALPHA[mode]
        return float(np.clip(base * np.sqrt(cls.BASE_ALPHA_WORDS / max(training_words, 1)), base, cls.MAX_ALPHA))

    def build_model(self):
        """The NegativeSamplingModel for `self.corpus`: one input and one output row per word, untrained."""
        vocabulary = len(self.corpus)
        return NegativeSamplingModel(vocabulary, vocabulary, self.output_dim, seed=self.seed,
                                     reports_loss=self.compute_loss, sequential_scaling=self.sequential_scaling(),
                                     name=f"word2vec_{self.mode}")

    def sequential_scaling(self):
        """Whether the step scales input rows as sequential SGD (skip-gram above PLAIN_STEP_MAX_ALPHA). A trainer
        saved before the default rule (its `alpha` None) trained at 0.025 without it."""
        return self.mode == "skipgram" and self.alpha is not None and self.alpha > self.PLAIN_STEP_MAX_ALPHA

    def steps_per_epoch(self):
        """The Keras steps of an epoch (each a chunk of CHUNK_BATCHES batches): room for `most_kept_words`."""
        batches = int(np.ceil(self.most_kept_words() / self.batch_words))
        return max(1, -(-batches // CHUNK_BATCHES))

    def most_kept_words(self):
        """The most words subsampling keeps in an epoch, bar once in 10^9 epochs.

        The bound is their mean count plus 7 standard deviations plus 14. Each word is kept or not independently, so
        the count's variance is the sum of p (1 - p), and Bernstein's inequality bounds the chance of passing that
        margin, however small the corpus (an epoch that does raises in `batch_positions`). A margin in percent would
        leave a large corpus chunks of empty batches every epoch.
        """
        keep = self.corpus.keep_probabilities(self.sample)[self.corpus.ids]
        return keep.sum() + 7 * np.sqrt((keep * (1 - keep)).sum()) + 14

    def dataset(self, epoch_counter):
        """The training data of the whole run: chunks of batches, made in numpy ahead of the training step.

        A generator makes them, and tf.data runs it ahead of the step.

        Args:
            epoch_counter: the zoo.training.EpochCounter of the fit; the stream starts at its epoch (a resumed
                run's first unfinished one).

        Returns:
            A tf.data.Dataset of chunks (see `stack_batches`), `steps_per_epoch()` of them an epoch.
        """
        steps = self.steps_per_epoch()

        def generate():  # one stream over all epochs: fit draws `steps` chunks an epoch from one iterator
            sizes = self.padded_sizes(range(epoch_counter.epoch, self.epochs), steps * CHUNK_BATCHES)
            for epoch in range(epoch_counter.epoch, self.epochs):
                batches = self.epoch_batches(epoch, steps * CHUNK_BATCHES)
                for _ in range(steps):
                    yield stack_batches([next(batches) for _ in range(CHUNK_BATCHES)], sizes)

        # The element signature (keys, dtypes, ranks) from a batch of one group of made-up words, made as every
        # batch is: the real first batch would need its whole epoch's text.
        group, window = self.group, self.window
        example = stack_batches([self.examples(
            np.zeros(group, np.int32), np.zeros((group, 2 * window), np.int32), np.ones((group, 2 * window), bool),
            np.zeros((1, self.shared_negatives), np.int32), np.float32(self.alpha))])
        signature = {key: tf.TensorSpec([None] * np.ndim(value), tf.as_dtype(np.asarray(value).dtype))
                     for key, value in example.items()}
        # No autotuning (nothing here to tune): deleting an iterator whose autotune thread sleeps waits for it to
        # wake (RootDataset::Iterator's destructor waits on Model::OptimizeLoop), which can end a fit seconds late.
        options = tf.data.Options()
        options.autotune.enabled = False
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2).with_options(options)

    def epoch_text(self, epoch):
        """An epoch's text after subsampling, drawn from the seed and the epoch number.

        Returns:
            (the epoch's random generator, which goes on to draw its noise words; the kept word ids; their
            sentence numbers; each kept word's reduced window, in 1..window).
        """
        corpus = self.corpus
        rng = np.random.default_rng([self.seed, epoch])
        keep = rng.random(corpus.total_words) < corpus.keep_probabilities(self.sample)[corpus.ids]
        ids, sentence = corpus.ids[keep], corpus.sentence_ids()[keep]
        return rng, ids, sentence, rng.integers(1, self.window + 1, size=len(ids))

    def padded_sizes(self, epochs, steps):
        """The sizes `stack_batches` pads packed arrays to in a run, so that the step compiles once.

        With them every chunk has one shape from the first step. CBOW lists the input cells that hold pairs: at most
        2 r of them for a centre word whose window is reduced to r, each r drawn uniformly from 1..window,
        independently. So a batch's count is at most a sum of `batch_words` such draws, whose mean and spread are
        known without the text: it pads to the mean plus 6 standard deviations (the normal approximation puts a
        batch past it once in 10^9; if one is, stack_batches raises the size and the step compiles once more). No
        pass over the run's text is needed, unlike FastText's n-gram rows.

        Args:
            epochs: the epoch numbers of the run (an iterable).
            steps: batches an epoch.

        Returns:
            {"cells": size} for CBOW, rounded up to a multiple of 64 and at most the whole grid; None for
            skip-gram (nothing packed).
        """
        if self.mode == "skipgram":
            return None
        draws = 2 * np.arange(1, self.window + 1)  # 2 r, each value as likely
        bound = self.batch_words * draws.mean() + 6 * np.sqrt(self.batch_words * draws.var())
        return {"cells": min(-(-int(np.ceil(bound)) // 64) * 64, self.batch_words * 2 * self.window)}

    def most_batch_rows(self, epoch, steps, rows_of_word):
        """The most input rows one batch of an epoch holds (for FastText's padded sizes).

        Counted from the epoch's text, without making its batches.

        Args:
            epoch: the epoch number.
            steps: batches in the epoch.
            rows_of_word: (vocabulary,) the input rows of each word.

        Returns:
            The largest, over the epoch's batches, sum of the rows of its distinct centre words (skip-gram) or of
            the words at its context positions (CBOW), as an int.
        """
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
        """The text positions of each batch's centre words, spread over the whole epoch.

        Batch k of the n that the text needs holds positions k, k + n, k + 2 n, ...: not one stretch of text.

        Why: a stretch of text is about one topic, whose words come back within it, and a batch sums their
        updates without seeing each other's. Spread, a batch's words are as good as independent.

        Args:
            length: the kept words of the epoch.
            steps: batches in the epoch.

        Returns:
            int64 (steps, batch_words): positions in the epoch's text; `length` (past the end) where a batch has
            no centre word there (the batches past those the text needs are empty).

        Raises:
            RuntimeError: the epoch kept more words than `steps` batches hold.
        """
        size = self.batch_words
        needed = -(-length // size)
        if needed > steps:  # steps_per_epoch leaves room for 7 standard deviations (+ 14 words) over the mean
            raise RuntimeError(f"an epoch kept {length:,} words, more than {steps} batches of {size} hold")
        layout = np.full((steps, size), length, np.int64)
        spread = np.arange(needed * size).reshape(size, needed).T
        layout[:needed] = np.where(spread < length, spread, length)
        return layout

    def epoch_batches(self, epoch, steps):
        """The batches of one epoch, centre words spread as `batch_positions` says.

        Args:
            epoch: the epoch number (it seeds the epoch's subsampling, windows and noise words).
            steps: how many batches to yield; those past what the text needs are empty.

        Yields:
            Exactly `steps` batches, each a dict as `examples` makes it, the learning rate decaying over the run.
        """
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
        """One batch in NegativeSamplingModel's terms.

        Each pair should meet `negative` noise words: a group's `shared_negatives` noise words each count
        negative / shared_negatives per pair. (word2vec skips a noise word equal to the target; shared noise
        words are not skipped: at these weights the difference is far below the sampling noise.)

        Args:
            centre: int32 (C,) the centre words.
            window_ids: int32 (C, 2 W) the words at their context positions (W = window).
            pairs: bool (C, 2 W) which of those positions are pairs (inside the reduced window and the sentence).
            noise_ids: int32 (C / group, shared_negatives) each group's noise words.
            rate: float32 () the learning rate.

        Returns:
            The batch as a dict of numpy arrays (see NegativeSamplingModel for the keys).
        """
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
        """The trained input vectors as a zoo.Vectors.

        Returns:
            A zoo.Vectors of the corpus' words, most frequent first, `output_dim` floats each.
        """
        from zoo.static.vectors import Vectors

        return Vectors(self.corpus.words, np.asarray(self.model.input_vectors.numpy()[:len(self.corpus)]))


    # === Saving ===
    def save(self, folder):
        """Writes the trainer to `folder`, to be read back with `load`.

        The folder holds settings.json (the class and its settings), words.txt (each word and its count) and
        weights.npz (both weight tables). It is written beside `folder` and renamed into place, so a failed save
        leaves `folder` as it was.

        Args:
            folder: the folder to write (str or Path); replaced whole if it exists.

        Returns:
            The folder, as a Path.
        """
        def write(temporary):
            # The learning rate used (the default rule's, where `alpha` was None): a loaded trainer builds the
            # same step.
            settings = {"class": type(self).__name__, **self.settings, "alpha": self.alpha}
            (temporary / "settings.json").write_text(json.dumps(settings))
            (temporary / "words.txt").write_text("".join(f"{w}\t{n}\n" for w, n in
                                                          zip(self.corpus.words, self.corpus.counts)), "utf-8")
            np.savez(temporary / "weights.npz", input_vectors=self.model.input_vectors.numpy(),
                     output_vectors=self.model.output_vectors.numpy())

        return write_folder(folder, write)

    @classmethod
    def load(cls, folder):
        """A trainer saved by `save`, ready for `vectors` (and `model`).

        Settings saved by an older version under names since renamed ("dim", FastText's "minn" and "maxn") are
        read under their new names.

        Args:
            folder: the folder `save` wrote.

        Returns:
            The trainer, of this class.

        Raises:
            ZooDataError: the folder was saved by another class, or its weights do not fit its settings.
        """
        folder = Path(folder)
        settings = json.loads((folder / "settings.json").read_text())
        saved_by = settings.pop("class")
        if saved_by != cls.__name__:
            raise ZooDataError(folder / "settings.json", f"saved by {saved_by}, not {cls.__name__}: "
                               f"load it with zoo.static.{saved_by}.load")
        trainer = cls(**with_current_names(settings, cls.RENAMED_ARGUMENTS))
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
