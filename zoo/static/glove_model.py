"""GloVe's network and its sparse AdaGrad step, as a Keras model trained through `Model.fit`."""

import keras
import tensorflow as tf


def glove_weighting(counts, x_max=100.0, alpha=0.75):
    """GloVe's weighting f(x) = min(1, (x / x_max) ** alpha) of a co-occurrence count x.

    Args:
        counts: a float tensor of counts x > 0.
        x_max: counts from x_max up weigh 1. Default 100.0.
        alpha: the exponent below x_max. Default 0.75.

    Returns:
        f(counts), the shape of `counts`.
    """
    return tf.minimum(1.0, tf.pow(counts / x_max, alpha))


def _all_gather(replica, value):
    """`replica.all_gather(value, axis=0)`; under MultiWorkerMirroredStrategy with one device a worker, the step's
    tensors have no device, and all_gather refuses them ("destinations can not be empty", tf.distribute's
    cross_device_ops.validate_destinations): they are placed on the worker's device first."""
    if not value.device:
        with tf.device(tf.distribute.get_strategy().extended.worker_devices[0]):
            value = tf.identity(value)
    return replica.all_gather(value, axis=0)


class GloVeModel(keras.Model):
    """GloVe's network (Pennington et al. 2014): word and context vectors and biases, fitted by sparse AdaGrad.

    The model is fitted so that w_i . w~_j + b_i + b~_j approximates log X_ij, each nonzero X_ij weighted by
    f(X_ij) (see `glove_weighting`); its loss is the mean over a batch of 1/2 f(x) (prediction - log x)^2 (the
    paper's J with the 1/2 of the reference's code, whose gradient is f(x) (prediction - log x)).

    The update is the reference glove.c's AdaGrad, with one change that keeps large batches stable: each
    parameter moves by s / sqrt(G), where s = eta g (g its gradient, eta the learning rate, as glove.c scales g
    before AdaGrad) and G = 1 + the sum of s^2 over its updates including this one (glove.c divides by the sum
    before adding this one: its first step is s itself, unbounded, which diverges when a batch sums the
    gradients of a frequent word; here |step| < 1). The parameters and gradients of a batch are read before any of
    them moves, and a row met several times in one batch takes one step on the sum of its gradients (glove.c takes
    one step per triple). Initialisation is the reference's: every weight uniform in (-0.5, 0.5) / output_dim.

    Why by hand (not a Keras optimizer): Keras 3's Adagrad on the TensorFlow backend takes the sparse gradients
    of the lookups (tf.IndexedSlices) but computes sqrt(accumulator + epsilon) over the whole table on every
    step, so each step costs vocabulary x output_dim; the update here touches only the batch's rows. The
    accumulators are weights of the model, so a checkpoint (BackupAndRestore) carries them and a resumed run
    continues exactly. Under a strategy of several replicas (MultiWorkerMirroredStrategy, MirroredStrategy) each
    replica computes the steps of its share of the batch; the rows and steps are all-gathered, as sparse gradients
    are, and every replica applies the whole batch's update to its copy of the tables: the copies stay equal, and
    the run is the one-replica run of the same batches (up to the order of float sums).

    The word table and the context table are Embedding layers of output_dim + 1 columns, a row's vector and then
    its bias, as glove.c lays them out (one gather and one update per side instead of two; `word_vectors`,
    `word_biases` etc. give the parts).

    Args:
        vocabulary: the number of words (rows of each table).
        output_dim: the width of the word and context vectors.
        x_max: counts from x_max up weigh 1 in the loss. Default 100.0.
        alpha: the weighting's exponent. Default 0.75.
        learning_rate: eta, AdaGrad's initial learning rate. Default 0.05.
        seed: seeds the initial weights (the context table with seed + 1). Default 1.
        **kwargs: keras.Model's (e.g. `name`).

    Input/Output: a batch is a dict: "rows" (B,) int32 word ids, "cols" (B,) int32 context ids, "counts" (B,)
    float32 X_ij > 0. `call(batch)` gives the predictions w_i . w~_j + b_i + b~_j, (B,); `glove_loss(batch)` the
    loss; `train_step(batch)` takes one step and returns {"loss": the running mean over the epoch}.

    Example:
    ```python
    model = GloVeModel(vocabulary=len(words), output_dim=100, name="glove")
    model.build()
    model.compile(jit_compile=False)    # tf.unique in the step has no XLA kernel
    model.fit(dataset_of_batches, epochs=25, steps_per_epoch=steps)
    vectors = model.word_vectors + model.context_vectors
    ```
    """

    def __init__(self, vocabulary, output_dim, x_max=100.0, alpha=0.75, learning_rate=0.05, seed=1, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary, self.output_dim = vocabulary, output_dim
        self.x_max, self.alpha, self.learning_rate, self.seed = x_max, alpha, learning_rate, seed

        # === Layers === (each row: a vector and its bias, as glove.c lays them out; moved by train_step's AdaGrad,
        # not by a Keras optimizer: trainable=False)
        def table(name, offset):
            initializer = keras.initializers.RandomUniform(-0.5 / output_dim, 0.5 / output_dim, seed=seed + offset)
            return keras.layers.Embedding(vocabulary, output_dim + 1, embeddings_initializer=initializer,
                                          trainable=False, name=name)

        self.word_embedding = table("word_embedding", 0)
        self.context_embedding = table("context_embedding", 1)
        self.loss_tracker = keras.metrics.Mean(name="loss")

    def build(self, input_shape=None):
        """Creates the tables and the AdaGrad accumulators (no input shape needed)."""
        self.word_embedding.build((None,))
        self.context_embedding.build((None,))
        # === AdaGrad state === (for each weight, 1 + the sum of its squared steps, as glove.c's gradsq)
        self.word_accumulator, self.context_accumulator = (
            self.add_weight(shape=(self.vocabulary, self.output_dim + 1), initializer="ones", trainable=False,
                            name=name)
            for name in ("word_accumulator", "context_accumulator"))
        self.built = True

    # === Weights ===
    @property
    def word_vectors(self):
        """w: (vocabulary, output_dim)."""
        return self.word_embedding.embeddings[:, :self.output_dim]

    @property
    def context_vectors(self):
        """w~: (vocabulary, output_dim)."""
        return self.context_embedding.embeddings[:, :self.output_dim]

    @property
    def word_biases(self):
        """b: (vocabulary,)."""
        return self.word_embedding.embeddings[:, self.output_dim]

    @property
    def context_biases(self):
        """b~: (vocabulary,)."""
        return self.context_embedding.embeddings[:, self.output_dim]

    # === Forward and loss ===
    def predict_log_counts(self, words, contexts):
        """w_i . w~_j + b_i + b~_j from the rows (vector and bias) of word i and context j."""
        dot = tf.reduce_sum(words[:, :self.output_dim] * contexts[:, :self.output_dim], axis=-1)
        return dot + words[:, self.output_dim] + contexts[:, self.output_dim]

    def call(self, inputs):
        """The predictions w_i . w~_j + b_i + b~_j of a batch {"rows", "cols"}: (B,)."""
        return self.predict_log_counts(self.word_embedding(inputs["rows"]), self.context_embedding(inputs["cols"]))

    def glove_loss(self, batch):
        """The mean over the batch of 1/2 f(x) (w_i . w~_j + b_i + b~_j - log x)^2."""
        counts = tf.cast(batch["counts"], self.compute_dtype)
        difference = self(batch) - tf.math.log(counts)
        return tf.reduce_mean(0.5 * glove_weighting(counts, self.x_max, self.alpha) * tf.square(difference))

    # === Training ===
    def train_step(self, batch):
        """One AdaGrad step on the rows `batch` touches, or a chunk's steps (2-D arrays: see `train_chunk`);
        returns {"loss": the running mean over the epoch}."""
        if len(batch["rows"].shape) == 2:
            return self.train_chunk(batch)
        rows, cols = batch["rows"], batch["cols"]
        counts = tf.cast(batch["counts"], self.compute_dtype)
        # embedding_lookup rather than gather: on a table split over parameter servers it reads only these rows
        words = tf.nn.embedding_lookup(self.word_embedding.embeddings.value, rows)  # (B, output_dim + 1)
        contexts = tf.nn.embedding_lookup(self.context_embedding.embeddings.value, cols)
        difference, weighted, word_steps, context_steps = self._pair_steps(words, contexts, counts)
        replica = tf.distribute.get_replica_context()
        if replica is not None and replica.num_replicas_in_sync > 1:  # every replica takes the whole batch's steps
            rows, cols, word_steps, context_steps = (_all_gather(replica, value) for value in
                                                     (rows, cols, word_steps, context_steps))
        self._adagrad(self.word_embedding.embeddings, self.word_accumulator, rows, word_steps)
        self._adagrad(self.context_embedding.embeddings, self.context_accumulator, cols, context_steps)
        self.loss_tracker.update_state(0.5 * weighted * difference)
        return {"loss": self.loss_tracker.result()}

    def _pair_steps(self, words, contexts, counts, weights=None):
        """Each pair's AdaGrad inputs from its rows (vector and bias): (prediction - log x, the loss' derivative
        f(x) (prediction - log x), the word rows' steps, the context rows' steps), the steps (B, output_dim + 1)
        eta g before they are summed by row. `weights`: 0 for a padding pair, which then moves nothing."""
        difference = self.predict_log_counts(words, contexts) - tf.math.log(counts)
        weighted = glove_weighting(counts, self.x_max, self.alpha) * difference  # d loss / d prediction
        if weights is not None:
            weighted *= weights
        step = self.learning_rate * weighted[:, None]  # eta g, as glove.c scales the gradient before AdaGrad
        ones = tf.ones_like(step)  # d prediction / d bias
        return (difference, weighted, step * tf.concat([contexts[:, :self.output_dim], ones], axis=1),
                step * tf.concat([words[:, :self.output_dim], ones], axis=1))

    def train_chunk(self, chunk):
        """The steps of a chunk of batches, one after another in the graph, each `train_step`'s update on one batch.

        The tables go through a loop as tensors and are assigned once, and a row's summed steps are summed into a
        table-sized array (a segment sum over the vocabulary) rather than over the batch's distinct rows: the step
        then has no tf.unique, so XLA compiles it (`compile(jit_compile=True)`). The table-sized AdaGrad update
        costs vocabulary x output_dim a batch; GloVe.fit takes this path while the vocabulary is at most
        GloVe.CHUNKED_MAX_WORDS (measured: BENCHMARKS.md).

        Args:
            chunk: {"rows", "cols", "counts", "weights"}, (K, B) each: K batches of B counts; a padding count has
                weight 0 (and count 1), and moves nothing.

        Returns:
            {"loss": the running mean over the epoch of the real counts' loss}.
        """
        def step(k, word, context, word_accumulator, context_accumulator, total):
            rows, cols, counts = chunk["rows"][k], chunk["cols"][k], tf.cast(chunk["counts"][k], self.compute_dtype)
            difference, weighted, word_steps, context_steps = self._pair_steps(
                tf.gather(word, rows), tf.gather(context, cols), counts, chunk["weights"][k])
            word_steps = tf.math.unsorted_segment_sum(word_steps, rows, self.vocabulary)
            context_steps = tf.math.unsorted_segment_sum(context_steps, cols, self.vocabulary)
            word_accumulator += tf.square(word_steps)
            context_accumulator += tf.square(context_steps)
            return (k + 1, word - word_steps / tf.sqrt(word_accumulator),
                    context - context_steps / tf.sqrt(context_accumulator), word_accumulator, context_accumulator,
                    total + tf.reduce_sum(0.5 * weighted * difference))

        word_table, context_table = self.word_embedding.embeddings, self.context_embedding.embeddings
        start = (tf.constant(0), word_table.value, context_table.value, self.word_accumulator.value,
                 self.context_accumulator.value, tf.constant(0.0))
        _, word, context, word_accumulator, context_accumulator, total = tf.while_loop(
            lambda k, *_: k < tf.shape(chunk["rows"])[0], step, start)
        for variable, value in ((word_table, word), (context_table, context),
                                (self.word_accumulator, word_accumulator),
                                (self.context_accumulator, context_accumulator)):
            variable.assign(value)
        real = tf.reduce_sum(chunk["weights"])
        self.loss_tracker.update_state(total / tf.maximum(real, 1.0), sample_weight=real)
        return {"loss": self.loss_tracker.result()}

    @staticmethod
    def _adagrad(variable, accumulator, indices, steps):
        """accumulator[r] += s^2, then variable[r] -= s / sqrt(accumulator[r]), with s the sum of `steps` of row r."""
        unique, position = tf.unique(indices)
        summed = tf.math.unsorted_segment_sum(steps, position, tf.shape(unique)[0])
        accumulated = tf.nn.embedding_lookup(accumulator.value, unique) + tf.square(summed)
        updates = ((accumulator.value, tf.IndexedSlices(tf.square(summed), unique), "scatter_add"),
                   (variable.value, tf.IndexedSlices(summed / tf.sqrt(accumulated), unique), "scatter_sub"))
        replica = tf.distribute.get_replica_context()
        if replica is None or replica.num_replicas_in_sync == 1:
            for table, rows, method in updates:
                getattr(table, method)(rows)
            return

        def apply(strategy, *per_replica):  # cross-replica context: each local copy takes its replica's update
            for (table, _, method), rows in zip(updates, per_replica):
                strategy.extended.update(table, lambda copy, rows, method=method: getattr(copy, method)(rows),
                                         args=(rows,))

        replica.merge_call(apply, args=tuple(rows for _, rows, _ in updates))

    @property
    def metrics(self):
        return [self.loss_tracker]

    def get_config(self):
        return {"vocabulary": self.vocabulary, "output_dim": self.output_dim, "x_max": self.x_max, "alpha": self.alpha,
                "learning_rate": self.learning_rate, "seed": self.seed, **super().get_config()}
