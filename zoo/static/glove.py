"""GloVe in Keras: co-occurrence counts, then weighted least squares on their logarithms by AdaGrad through
`Model.fit`."""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo import distribute
from zoo.deprecation import renamed_arguments, renamed_attribute, with_current_names
from zoo.errors import ZooInputError
from zoo.files import write_folder
from zoo.static.cooccurrence import cooccurrence
from zoo.static.corpus import Corpus
from zoo.static.glove_model import GloVeModel
from zoo.training import training_callbacks

SETTINGS = ("output_dim", "window", "x_max", "alpha", "epochs", "min_count", "learning_rate", "batch_size", "seed")
SETTINGS_FILE, WEIGHTS_FILE, VECTORS_FILE = "glove.json", "model.weights.h5", "vectors.txt"
CHUNK_BATCHES = 16  # batches a Keras step when GloVe.fit takes GloVeModel.train_chunk


class GloVe:
    """GloVe (Pennington et al. 2014): weighted least squares on the logarithms of co-occurrence counts.

    The algorithm and its defaults are the reference's (glove.c and its `cooccur` tool, run as its demo.sh
    does): words below `min_count` dropped, symmetric co-occurrence counts X within `window` words of one
    sentence (a line), each pair weighted 1 / distance; then w_i . w~_j + b_i + b~_j fitted to log X_ij with
    weight f(X_ij) = min(1, (X_ij / x_max) ** alpha) by AdaGrad over `epochs` passes of the nonzero counts in
    random order; the vectors are w + w~ (glove.c's default output, `-model 2`). Two differences: `batch_size`
    counts take a step together through `Model.fit` (see GloVeModel), where glove.c's threads take one at a
    time; and the order is shuffled again each epoch (glove.c shuffles once).

    Args:
        output_dim: the width of the word vectors. Default 100. (`dim=` is its deprecated alias.)
        window: the largest distance between two co-occurring words of a sentence. Default 10.
        x_max: counts from x_max up weigh 1 in the loss. Default 100.0.
        alpha: the exponent of the weighting f. Default 0.75.
        epochs: passes over the nonzero counts. Default 25.
        min_count: words occurring fewer times in the corpus are dropped first. Default 5.
        learning_rate: AdaGrad's initial learning rate. Default 0.05.
        batch_size: nonzero counts a step. Default 16384.
        seed: seeds the initial weights and each epoch's order. Default 1.

    Input/Output: `fit(corpus)` takes token lists, a text file or data-layer corpus names; then `vectors` is a
    zoo.Vectors of the kept words (most frequent first), w + w~ of `output_dim` floats each.

    Raises:
        ValueError: output_dim, window, epochs or batch_size not a positive whole number; x_max or
            learning_rate not positive.

    Example:
    ```python
    glove = zoo.static.GloVe(output_dim=100, epochs=25).fit("wiki-excerpt+lee")
    glove.vectors.most_similar("king")
    glove.save("glove-wiki"); zoo.static.GloVe.load("glove-wiki").vectors
    ```
    """

    RENAMED_ARGUMENTS = {"dim": "output_dim"}  # old name: new name (the old ones are accepted, with a warning)
    dim = renamed_attribute("dim", "output_dim")
    CHUNKED_MAX_WORDS = 32_768  # GloVeModel.train_chunk up to this vocabulary (its table-sized update: see there)
    DATA_AUTOTUNE = False  # tf.data's autotuning of the training batches (see `_dataset_options`)

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, output_dim=100, window=10, x_max=100.0, alpha=0.75, epochs=25, min_count=5,
                 learning_rate=0.05, batch_size=16384, seed=1):
        for name, value in (("output_dim", output_dim), ("window", window), ("epochs", epochs),
                            ("batch_size", batch_size)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive whole number, not {value!r}")
        if x_max <= 0 or learning_rate <= 0:
            raise ValueError(f"x_max and learning_rate must be positive, not {x_max!r} and {learning_rate!r}")
        self.output_dim, self.window, self.x_max, self.alpha, self.epochs = output_dim, window, x_max, alpha, epochs
        self.min_count, self.learning_rate, self.batch_size, self.seed = min_count, learning_rate, batch_size, seed
        self.words = self.counts = self.model = None

    # === Training ===
    def fit(self, corpus, checkpoint_dir=None, callbacks=(), verbose=1, strategy=None):
        """Counts the co-occurrences of `corpus`, then fits the model to them through `Model.fit`.

        Args:
            corpus: token lists (an iterable of lists of strings), a text file (one sentence or document a line,
                tokens split on whitespace), data-layer corpus names joined with "+" ("wiki-excerpt+lee"), or a
                built zoo.static.Corpus.
            checkpoint_dir: a folder where each finished epoch is saved (BackupAndRestore): a run interrupted and
                started again with the same arguments resumes after its last finished epoch, and ends as the
                uninterrupted run would. Default None.
            callbacks: more Keras callbacks for `Model.fit`. Default none.
            verbose: 0 silent, 1 the counts' summary and progress bars. Default 1.
            strategy: a tf.distribute strategy (zoo.distribute.make_strategy): each replica reads and computes
                its share of every batch, and all apply the whole batch's update (see GloVeModel); the batches
                and the result are those of one process (up to the order of float sums). Under a multi-worker
                strategy each worker counts the co-occurrences of the whole corpus, and a worker other than the
                chief keeps its resumable state beside `checkpoint_dir`. Under ParameterServerStrategy the
                tables (and their AdaGrad accumulators) are split over the parameter servers and the workers apply
                their batches asynchronously, each batch drawn by tf.data (`tensor_dataset`); the chief counts.
                Default None: the current strategy.
        """
        corpus = corpus if isinstance(corpus, Corpus) else Corpus.build(corpus, self.min_count, verbose > 0)
        rows, cols, counts = cooccurrence(corpus, self.window)
        if verbose:
            print(f"GloVe: {len(corpus):,} words, {corpus.total_words:,} tokens, {len(counts):,} nonzero "
                  f"co-occurrence counts (window {self.window})")
        self.words, self.counts = list(corpus.words), corpus.counts
        strategy = strategy or tf.distribute.get_strategy()
        # No distribution strategy and a vocabulary small enough: chunks of batches a step, through XLA
        # (GloVeModel.train_chunk); otherwise a batch a step (tf.unique in that step has no XLA kernel).
        chunk = CHUNK_BATCHES if (strategy is tf.distribute.get_strategy() and not tf.distribute.has_strategy()
                                  and len(corpus) <= self.CHUNKED_MAX_WORDS) else 0
        with strategy.scope():
            self.model = self.build_model()
            self.model.compile(jit_compile=bool(chunk))
        if checkpoint_dir:
            checkpoint_dir = distribute.worker_folder(checkpoint_dir, strategy)
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        steps = int(np.ceil(len(counts) / self.batch_size))
        counts = counts.astype(np.float32)
        if chunk:
            dataset = self.dataset(rows, cols, counts, epoch_counter, chunk=chunk)
            steps = -(-steps // chunk)
        elif distribute.is_parameter_server(strategy):
            def dataset():  # made by each worker: TensorFlow ops only
                return self.tensor_dataset(rows, cols, counts)
        elif strategy.num_replicas_in_sync == 1:
            dataset = self.dataset(rows, cols, counts, epoch_counter)
        else:
            def pipeline(context):  # each input pipeline makes the pieces of every batch that its replicas take
                local = strategy.num_replicas_in_sync // context.num_input_pipelines
                first = context.input_pipeline_id * local
                return self.dataset(rows, cols, counts, epoch_counter, pieces=strategy.num_replicas_in_sync,
                                    taken=range(first, first + local))

            dataset = strategy.distribute_datasets_from_function(pipeline)
        distribute.fit(self.model, strategy, dataset, epochs=self.epochs, steps_per_epoch=steps,
                       callbacks=callbacks, verbose=verbose, shuffle=False)  # the dataset shuffles
        self.model = distribute.trained_model(self.model, strategy)  # parameter servers: read back to this process
        return self

    def build_model(self):
        """The GloVeModel for `self.words`, built and untrained."""
        model = GloVeModel(len(self.words), self.output_dim, self.x_max, self.alpha, self.learning_rate, self.seed,
                           name="glove")
        model.build()
        return model

    def dataset(self, rows, cols, counts, epoch_counter, pieces=1, taken=(0,), chunk=0):
        """The nonzero counts in batches, in a new random order each epoch.

        Each epoch's order is drawn from the seed and the epoch number, so that a resumed run sees the order the
        uninterrupted one would.

        Args:
            rows, cols: int32 (N,) the word and context ids of the nonzero counts.
            counts: float32 (N,) the counts X_ij.
            epoch_counter: the zoo.training.EpochCounter of the fit; the stream starts at its epoch.
            pieces, taken: each batch is cut into `pieces` nearly equal pieces, and those numbered in `taken` are
                yielded, one after another (a strategy's replicas each take a piece). Default: the whole batch.
            chunk: yield chunks of this many batches instead, stacked (GloVeModel.train_chunk), with "weights": an
                epoch's last batch is padded to `batch_size` with counts of weight 0, its last chunk has the batches
                that are left. Default 0: batches.

        Returns:
            A tf.data.Dataset of {"rows", "cols", "counts"} batches of `batch_size` (or their pieces, or chunks),
            over all remaining epochs.
        """
        size = self.batch_size
        if chunk:
            return self._chunk_dataset(rows, cols, counts, epoch_counter, chunk)

        def generate():  # one stream over all epochs: fit draws `steps` batches an epoch from one iterator
            for epoch in range(epoch_counter.epoch, self.epochs):
                order = self._epoch_order(epoch, len(counts))
                epoch_rows, epoch_cols, epoch_counts = rows[order], cols[order], counts[order]
                for start in range(0, len(order), size):
                    cuts = np.linspace(start, min(start + size, len(order)), pieces + 1).astype(int)
                    for piece in taken:
                        part = slice(cuts[piece], cuts[piece + 1])
                        yield {"rows": epoch_rows[part], "cols": epoch_cols[part], "counts": epoch_counts[part]}

        signature = {"rows": tf.TensorSpec((None,), tf.int32), "cols": tf.TensorSpec((None,), tf.int32),
                     "counts": tf.TensorSpec((None,), tf.float32)}
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(4).with_options(
            self._dataset_options())

    def _chunk_dataset(self, rows, cols, counts, epoch_counter, chunk):
        """`dataset`'s batches (the same order) stacked `chunk` at a time."""
        size = self.batch_size

        def generate():
            for epoch in range(epoch_counter.epoch, self.epochs):
                order = self._epoch_order(epoch, len(counts))
                padded = -(-len(order) // size) * size
                weights = np.zeros(padded, np.float32)
                weights[:len(order)] = 1.0
                columns = {"rows": np.zeros(padded, np.int32), "cols": np.zeros(padded, np.int32),
                           "counts": np.ones(padded, np.float32), "weights": weights}
                for name, values in (("rows", rows), ("cols", cols), ("counts", counts)):
                    columns[name][:len(order)] = values[order]
                for start in range(0, padded, chunk * size):
                    yield {name: values[start:start + chunk * size].reshape(-1, size)
                           for name, values in columns.items()}

        signature = {name: tf.TensorSpec((None, size), tf.float32 if name in ("counts", "weights") else tf.int32)
                     for name in ("rows", "cols", "counts", "weights")}
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(2).with_options(
            self._dataset_options())

    def _epoch_order(self, epoch, count):
        """The order of the `count` nonzero counts in `epoch`, drawn from the seed and the epoch number (the same
        for batches and chunks, and for a resumed run)."""
        return np.random.default_rng([self.seed, epoch]).permutation(count)

    def _dataset_options(self):
        """tf.data options, autotuning off unless DATA_AUTOTUNE: deleting an iterator whose autotune thread sleeps
        waits for it to wake (as in Word2Vec.dataset), which ended a fit on the shipped corpus 7 s late (20.6
        against 13.1 s)."""
        options = tf.data.Options()
        options.autotune.enabled = self.DATA_AUTOTUNE
        return options

    def tensor_dataset(self, rows, cols, counts):
        """One epoch of the nonzero counts in batches, shuffled by tf.data (`dataset`'s batches are drawn by numpy
        in this process; a parameter-server worker runs only TensorFlow ops)."""
        columns = {"rows": rows, "cols": cols, "counts": counts}
        return (tf.data.Dataset.from_tensor_slices(columns).shuffle(len(counts), seed=self.seed)
                .batch(self.batch_size))

    # === Results ===
    @property
    def vectors(self):
        """w + w~ of every word as a zoo.Vectors (words most frequent first, `output_dim` floats each).

        Raises:
            ZooInputError: nothing trained or loaded yet.
        """
        from zoo.static.vectors import Vectors

        if self.model is None:
            raise ZooInputError("GloVe has no vectors yet: fit it on a corpus or load a saved one")
        matrix = np.asarray(self.model.word_vectors) + np.asarray(self.model.context_vectors)
        return Vectors(self.words, matrix)

    # === Saving ===
    def save(self, folder):
        """Writes the trained model to `folder`, to be read back with `load`.

        The folder holds glove.json (the settings and word counts), model.weights.h5 (all of the model: both
        tables, biases, AdaGrad state) and vectors.txt (w + w~ in word2vec text format, for any tool). It is
        written beside `folder` and renamed into place, so a failed save leaves the folder as it was.

        Args:
            folder: the folder to write (str or Path); replaced whole if it exists.

        Returns:
            The folder, as a Path.

        Raises:
            ZooInputError: nothing trained yet.
        """
        if self.model is None:
            raise ZooInputError("nothing to save: fit GloVe on a corpus first")
        def write(temporary):
            settings = {name: getattr(self, name) for name in SETTINGS}
            (temporary / SETTINGS_FILE).write_text(json.dumps(
                {"settings": settings, "counts": [int(c) for c in self.counts]}, indent=1), encoding="utf-8")
            self.model.save_weights(temporary / WEIGHTS_FILE)
            self.vectors.save(temporary / VECTORS_FILE, format="word2vec")

        return write_folder(folder, write)

    @classmethod
    def load(cls, folder):
        """A GloVe saved by `save`, ready for `vectors` (and `model`).

        Settings saved by an older version under a name since renamed ("dim") are read under the new one.

        Args:
            folder: the folder `save` wrote.

        Returns:
            The GloVe.

        Raises:
            ZooInputError: the folder is not a saved GloVe.
        """
        from zoo.static.vectors import Vectors

        folder = Path(folder)
        if not (folder / SETTINGS_FILE).is_file():
            raise ZooInputError(f"{folder} is not a saved GloVe model (no {SETTINGS_FILE})")
        saved = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        glove = cls(**with_current_names(saved["settings"], cls.RENAMED_ARGUMENTS))
        glove.words = Vectors.load(folder / VECTORS_FILE, format="word2vec").keys
        glove.counts = np.array(saved["counts"], np.int64)
        glove.model = glove.build_model()
        glove.model.load_weights(folder / WEIGHTS_FILE)
        return glove

