"""GloVe in Keras: co-occurrence counts, then weighted least squares on their logarithms by AdaGrad through
`Model.fit`."""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo.errors import ZooInputError
from zoo.files import write_folder
from zoo.static.cooccurrence import cooccurrence
from zoo.static.corpus import Corpus
from zoo.static.glove_model import GloVeModel
from zoo.training import training_callbacks

SETTINGS = ("dim", "window", "x_max", "alpha", "epochs", "min_count", "learning_rate", "batch_size", "seed")
SETTINGS_FILE, WEIGHTS_FILE, VECTORS_FILE = "glove.json", "model.weights.h5", "vectors.txt"


class GloVe:
    """GloVe (Pennington et al. 2014) with the reference implementation's settings and defaults; `.fit(corpus)`,
    then `.vectors`.

    Example:
    ```python
    glove = zoo.static.GloVe(dim=100, epochs=25).fit("wiki-excerpt+lee")
    glove.vectors.most_similar("king")
    glove.save("glove-wiki"); zoo.static.GloVe.load("glove-wiki").vectors
    ```

    The algorithm is the reference's (glove.c and its `cooccur` tool, run as its demo.sh does): words below
    `min_count` dropped, symmetric co-occurrence counts within `window` words of one sentence (a line), each pair
    weighted 1 / distance; then w_i . w~_j + b_i + b~_j fitted to log X_ij with weight
    f(X_ij) = min(1, (X_ij / x_max) ** alpha) by AdaGrad from `learning_rate` over `epochs` passes of the nonzero
    counts in random order; the vectors are w + w~ (glove.c's default output, `-model 2`). One difference makes it
    fast through `fit`: `batch_size` counts take a step together (see GloVeModel), where glove.c's threads take
    one at a time; and the order is shuffled again for each epoch (glove.c shuffles once).
    """

    def __init__(self, dim=100, window=10, x_max=100.0, alpha=0.75, epochs=25, min_count=5, learning_rate=0.05,
                 batch_size=16384, seed=1):
        for name, value in (("dim", dim), ("window", window), ("epochs", epochs), ("batch_size", batch_size)):
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive whole number, not {value!r}")
        if x_max <= 0 or learning_rate <= 0:
            raise ValueError(f"x_max and learning_rate must be positive, not {x_max!r} and {learning_rate!r}")
        self.dim, self.window, self.x_max, self.alpha, self.epochs = dim, window, x_max, alpha, epochs
        self.min_count, self.learning_rate, self.batch_size, self.seed = min_count, learning_rate, batch_size, seed
        self.words = self.counts = self.model = None

    # === Training ===
    def fit(self, corpus, checkpoint_dir=None, callbacks=(), verbose=1):
        """Trains on `corpus` (token lists, a text file, data-layer corpus names, or a built Corpus). With
        `checkpoint_dir`, an interrupted run started again with the same arguments resumes after its last finished
        epoch, and ends as the uninterrupted run would."""
        corpus = corpus if isinstance(corpus, Corpus) else Corpus.build(corpus, self.min_count, verbose > 0)
        rows, cols, counts = cooccurrence(corpus, self.window)
        if verbose:
            print(f"GloVe: {len(corpus):,} words, {corpus.total_words:,} tokens, {len(counts):,} nonzero "
                  f"co-occurrence counts (window {self.window})")
        self.words, self.counts = list(corpus.words), corpus.counts
        self.model = self.build_model()
        self.model.compile(jit_compile=False)  # tf.unique in the step has no XLA kernel
        epoch_counter, callbacks = training_callbacks(checkpoint_dir, callbacks)
        steps = int(np.ceil(len(counts) / self.batch_size))
        dataset = self.dataset(rows, cols, counts.astype(np.float32), epoch_counter)
        self.model.fit(dataset, epochs=self.epochs, steps_per_epoch=steps, callbacks=callbacks, verbose=verbose,
                       shuffle=False)  # the dataset shuffles
        return self

    def build_model(self):
        model = GloVeModel(len(self.words), self.dim, self.x_max, self.alpha, self.learning_rate, self.seed,
                           name="glove")
        model.build()
        return model

    def dataset(self, rows, cols, counts, epoch_counter):
        """The nonzero counts in batches, in a new random order each epoch (seeded by seed and epoch, so that a
        resumed run sees the order the uninterrupted one would)."""
        size = self.batch_size

        def generate():  # one stream over all epochs: fit draws `steps` batches an epoch from one iterator
            for epoch in range(epoch_counter.epoch, self.epochs):
                order = np.random.default_rng([self.seed, epoch]).permutation(len(counts))
                epoch_rows, epoch_cols, epoch_counts = rows[order], cols[order], counts[order]
                for start in range(0, len(order), size):
                    yield {"rows": epoch_rows[start:start + size], "cols": epoch_cols[start:start + size],
                           "counts": epoch_counts[start:start + size]}

        signature = {"rows": tf.TensorSpec((None,), tf.int32), "cols": tf.TensorSpec((None,), tf.int32),
                     "counts": tf.TensorSpec((None,), tf.float32)}
        return tf.data.Dataset.from_generator(generate, output_signature=signature).prefetch(4)

    # === Results ===
    @property
    def vectors(self):
        """w + w~ of every word as a zoo.Vectors (words most frequent first)."""
        from zoo.static.vectors import Vectors

        if self.model is None:
            raise ZooInputError("GloVe has no vectors yet: fit it on a corpus or load a saved one")
        matrix = np.asarray(self.model.word_vectors) + np.asarray(self.model.context_vectors)
        return Vectors(self.words, matrix)

    # === Saving ===
    def save(self, folder):
        """Writes `folder`: glove.json (the settings and word counts), model.weights.h5 (all of the model: both
        tables, biases, AdaGrad state) and vectors.txt (w + w~ in word2vec text format, for any tool). Written
        beside it and renamed into place, so a failed save leaves the folder as it was."""
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
        """A GloVe saved by `save`, ready for `.vectors` (and `.model`)."""
        from zoo.static.vectors import Vectors

        folder = Path(folder)
        if not (folder / SETTINGS_FILE).is_file():
            raise ZooInputError(f"{folder} is not a saved GloVe model (no {SETTINGS_FILE})")
        saved = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        glove = cls(**saved["settings"])
        glove.words = Vectors.load(folder / VECTORS_FILE, format="word2vec").keys
        glove.counts = np.array(saved["counts"], np.int64)
        glove.model = glove.build_model()
        glove.model.load_weights(folder / WEIGHTS_FILE)
        return glove
