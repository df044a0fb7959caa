"""Training with parameter servers: embedding tables sharded over the `ps` tasks of a cluster, updated
asynchronously by its `worker` tasks, driven by its `chief` (`tf.distribute.ParameterServerStrategy`).

For tables larger than one machine's memory: each table above `MIN_SHARD_BYTES` is split by rows over the
parameter servers (`tf.distribute.experimental.partitioners.MinSizePartitioner`, at most one shard a server), a
worker reads only the rows a batch needs and sends back only their updates. Every process runs the same command
with its own TF_CONFIG; the `ps` and `worker` tasks serve (`serve`) until they are stopped, the chief loads the
data, builds the model, schedules the steps on the workers and exports.

Written here, since Keras 3 has none of it:
- the training loop: Keras 3's `Model.fit` does not take ParameterServerStrategy (keras-team/keras#18624), so
  `fit` schedules each step on a worker with a `tf.distribute.coordinator.ClusterCoordinator`, feeds the Keras
  callbacks it is given (the progress bar among them) as `fit` would, and keeps an epoch backup of its own;
- the lookups: Keras 3's Embedding gathers with `tf.gather`, which reads a ShardedVariable whole (TensorFlow sends
  only `tf.nn.embedding_lookup` to the shards), so while `fit` traces its step a lookup in a split table goes to
  `tf.nn.embedding_lookup`: a worker reads the rows a batch needs, from the servers that hold them;
- the optimizer: Keras 3's optimizers cannot update a `ShardedVariable` (they need `.handle`, which it lacks),
  so `ShardedAdam` applies Adam shard by shard, sparsely for gathered rows;
- the epoch backup: `Model.save_weights` fails on a `ShardedVariable` (no `__array__`), and
  `tf.train.Checkpoint` on a Keras model holding one too (no `.device`); `get_weights` works, so the backup is
  the weights, the optimizer's moments and the seed generators' states as one .npz file.
"""

import contextlib
import json
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.distribute.sharded_variable import ShardedVariable

from zoo.errors import ZooInputError
from zoo.files import remove, written_aside

MIN_SHARD_BYTES = 64 << 10  # a table of more than 64 KiB (500 rows of 32 floats) is split over the servers
BACKUP_FILE, BACKUP_METADATA = "parameter-servers-{epoch}.npz", "parameter-servers.json"


def cluster_jobs(config):
    """The checked jobs of a TF_CONFIG for parameter-server training: one chief, >= 1 ps, >= 1 worker."""
    cluster = config["cluster"]
    counts = {job: len(cluster.get(job, ())) for job in ("chief", "ps", "worker")}
    if counts["chief"] != 1 or counts["ps"] < 1 or counts["worker"] < 1 or set(cluster) - set(counts):
        raise ZooInputError(f"--strategy parameter_server needs a TF_CONFIG cluster of one 'chief', one or more "
                            f"'ps' and one or more 'worker'; it lists {json.dumps(cluster)}")
    return counts


def make_strategy(config):
    """For the chief: the ParameterServerStrategy of the TF_CONFIG `config`. For a ps or worker task: serves, and
    never returns."""
    counts = cluster_jobs(config)
    kind = config["task"].get("type")
    if kind in ("ps", "worker"):
        serve(config)
    if kind != "chief":
        raise ZooInputError(f"TF_CONFIG task type {kind!r}: expected 'chief', 'ps' or 'worker'")
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    partitioner = tf.distribute.experimental.partitioners.MinSizePartitioner(
        min_shard_bytes=MIN_SHARD_BYTES, max_shards=counts["ps"])
    return tf.distribute.ParameterServerStrategy(resolver, variable_partitioner=partitioner)


def serve(config):
    """Runs this process's ps or worker task of the TF_CONFIG `config` until the process is stopped."""
    task = config["task"]
    print(f"parameter_server: {task['type']} {task.get('index', 0)} of {json.dumps(config['cluster'])}, serving "
          "until stopped", file=sys.stderr, flush=True)
    server = tf.distribute.Server(tf.train.ClusterSpec(config["cluster"]), job_name=task["type"],
                                  task_index=task.get("index", 0), protocol="grpc", start=True)
    server.join()


class ShardedAdam:
    """Adam on the shards of a model's variables, for training under ParameterServerStrategy.

    The update is Keras' Adam (same bias correction, same epsilon) applied to each shard, with moments kept
    beside it on its server. For an embedding lookup's gradient (rows of a table) only those rows' moments and
    values change ("lazy" Adam, as TensorFlow Addons' LazyAdam): the step costs the rows it touches, not the
    table. Workers apply their steps asynchronously, as parameter-server training does.

    Args:
        variables: the model's trainable variables (Keras variables; their values may be sharded).
        strategy: the ParameterServerStrategy they were made under.
        learning_rate, beta_1, beta_2, epsilon: Adam's.
    """

    def __init__(self, variables, strategy, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate, self.beta_1, self.beta_2, self.epsilon = learning_rate, beta_1, beta_2, epsilon
        self.shards = [shard for variable in variables for shard in shards(variable)]
        with strategy.scope():
            self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False, name="iterations")
            self.moments = []
            for shard in self.shards:
                with strategy.extended.colocate_vars_with(shard):  # beside its shard, never split again
                    self.moments.append([tf.Variable(tf.zeros(shard.shape, shard.dtype), trainable=False)
                                         for _ in range(2)])

    @classmethod
    def from_keras(cls, optimizer, variables, strategy):
        """The ShardedAdam of a compiled Keras Adam's settings."""
        if type(optimizer) is not keras.optimizers.Adam:  # a subclass (AdamW) updates otherwise
            raise ZooInputError(f"--strategy parameter_server trains with Adam only; the model is compiled with "
                                f"{type(optimizer).__name__}")
        if isinstance(optimizer._learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            raise ZooInputError("--strategy parameter_server takes a constant learning rate, not a schedule")
        return cls(variables, strategy, float(optimizer.learning_rate.numpy()), optimizer.beta_1,
                   optimizer.beta_2, optimizer.epsilon)

    def apply(self, gradients):
        """One step: `gradients` in the order of `self.shards` (None where a shard got none)."""
        step = tf.cast(self.iterations.assign_add(1), tf.float32)
        rate = self.learning_rate * tf.sqrt(1 - self.beta_2 ** step) / (1 - self.beta_1 ** step)
        for shard, (first, second), gradient in zip(self.shards, self.moments, gradients):
            if gradient is None:
                continue
            if isinstance(gradient, tf.IndexedSlices):  # rows of a table: those rows only
                rows, inverse = tf.unique(gradient.indices)
                values = tf.math.unsorted_segment_sum(gradient.values, inverse, tf.shape(rows)[0])
                m = self.beta_1 * tf.gather(first, rows) + (1 - self.beta_1) * values
                v = self.beta_2 * tf.gather(second, rows) + (1 - self.beta_2) * tf.square(values)
                first.scatter_update(tf.IndexedSlices(m, rows))
                second.scatter_update(tf.IndexedSlices(v, rows))
                shard.scatter_sub(tf.IndexedSlices(rate * m / (tf.sqrt(v) + self.epsilon), rows))
            else:
                m = first.assign(self.beta_1 * first + (1 - self.beta_1) * gradient)
                v = second.assign(self.beta_2 * second + (1 - self.beta_2) * tf.square(gradient))
                shard.assign_sub(rate * m / (tf.sqrt(v) + self.epsilon))

    def state(self):
        return [self.iterations.numpy(), *[moment.numpy() for pair in self.moments for moment in pair]]

    def set_state(self, arrays):
        self.iterations.assign(arrays[0])
        for moment, value in zip([moment for pair in self.moments for moment in pair], arrays[1:]):
            moment.assign(value)


def cluster_size(strategy):
    """{"ps": parameter servers, "worker": workers} of a ParameterServerStrategy (which keeps no public count and
    no cluster resolver)."""
    return {"ps": strategy.extended._num_ps, "worker": strategy.extended._num_workers}


def shards(variable):
    """The TensorFlow variables holding a Keras variable: its shards, or itself unsplit."""
    value = variable.value
    return list(getattr(value, "variables", [value]))


def fit(model, strategy, dataset, epochs=1, verbose=1, callbacks=(), steps_per_epoch=None, shuffle=False):
    """Trains `model` (made and compiled in `strategy`'s scope) on the cluster's workers, as `model.fit` would.

    Args:
        model: a Keras model compiled with Adam, whose `compute_loss` gives the loss; or a model with a
            `train_step` of its own that updates its variables itself (zoo.static.glove_model.GloVeModel), which
            each worker runs as it is.
        strategy: a ParameterServerStrategy.
        dataset: a function returning the tf.data.Dataset of one epoch's batches, made of TensorFlow ops only
            (no `from_generator`: it runs on the workers). Each worker makes its own copy of it, repeated, and takes
            every n-th batch of n workers, so that no two train the same one.
        epochs, verbose, steps_per_epoch: as `Model.fit`'s (default steps: the dataset's length).
        callbacks: Keras callbacks. A BackupAndRestore (zoo.training.EpochBackup) names the folder of the epoch
            backup written here instead (its own saving needs `save_weights`); the others run as under fit.
        shuffle: unused (the dataset shuffles), taken as fit takes it.

    Returns:
        A keras.callbacks.History.
    """
    if not callable(dataset):
        raise TypeError("parameter_servers.fit takes a function that returns the dataset (each worker makes its own)")
    coordinator = tf.distribute.coordinator.ClusterCoordinator(strategy)
    workers = cluster_size(strategy)["worker"]
    steps = steps_per_epoch or int(dataset().cardinality())
    if steps <= 0:
        raise ZooInputError("parameter-server training needs a dataset of known, non-zero length (one epoch)")

    def worker_dataset():
        index = tf.distribute.coordinator.experimental_get_current_worker_index()
        return dataset().repeat().shard(workers, index)

    iterator = iter(coordinator.create_per_worker_dataset(worker_dataset))
    own_step = type(model).train_step is not keras.Model.train_step  # it updates its variables itself
    optimizer = None if own_step else ShardedAdam.from_keras(model.optimizer, model.trainable_variables, strategy)
    split = [f"{v.path} ({v.shape[0]:,} rows in {len(shards(v))})" for v in model.variables if len(shards(v)) > 1]
    print(f"parameter_server: tables split over the servers: {', '.join(split) or 'none'} (more than "
          f"{MIN_SHARD_BYTES >> 10} KiB)", file=sys.stderr)

    @tf.function
    def train_step(iterator):
        def replica_step(data):
            if own_step:
                return model.train_step(data)["loss"]  # its running mean over the epoch
            x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
            with tf.GradientTape() as tape:
                y_pred = model(x, training=True)
                loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
            optimizer.apply(tape.gradient(loss, optimizer.shards))
            return loss

        return strategy.run(replica_step, args=(next(iterator),))

    backups = [c for c in callbacks if isinstance(c, keras.callbacks.BackupAndRestore)]
    backup = EpochBackup(backups[0].backup_dir, model, optimizer) if backups else None
    history = keras.callbacks.History()
    others = [c for c in callbacks if not isinstance(c, keras.callbacks.BackupAndRestore)]
    hooks = keras.callbacks.CallbackList([*others, history], add_progbar=verbose != 0, model=model, verbose=verbose,
                                         epochs=epochs, steps=steps)
    first_epoch = backup.restore() if backup else 0
    hooks.on_train_begin()
    for epoch in range(first_epoch, epochs):
        model.reset_metrics()
        hooks.on_epoch_begin(epoch)
        with lookups_by_shard():  # the step is traced at its first scheduling
            losses = [coordinator.schedule(train_step, args=(iterator,)) for _ in range(steps)]
        total = 0.0
        for index, remote in enumerate(losses):  # in order, each as its worker returns it
            hooks.on_train_batch_begin(index)
            loss = float(remote.fetch())
            total += loss
            hooks.on_train_batch_end(index, {"loss": loss if own_step else total / (index + 1)})
        hooks.on_epoch_end(epoch, {"loss": loss if own_step else total / steps})
        if backup:
            backup.save(epoch + 1)
    hooks.on_train_end()
    if backup:
        backup.remove()
    return history


class EpochBackup:
    """The epoch backup of parameter-server training: model weights, the ShardedAdam's state (None: a model that
    updates itself keeps its state among its weights) and the seed generators' states in one .npz file written
    aside and renamed into place, then a metadata file naming it (see zoo.files)."""

    def __init__(self, folder, model, optimizer):
        self.folder, self.model, self.optimizer = Path(folder), model, optimizer

    def random_states(self):
        weights = {id(variable) for variable in self.model.weights}
        return [variable for variable in self.model.variables if id(variable) not in weights]

    def save(self, epoch):
        self.folder.mkdir(parents=True, exist_ok=True)
        name = BACKUP_FILE.format(epoch=epoch)
        state = self.optimizer.state() if self.optimizer else []
        arrays = [*self.model.get_weights(), *state, *[v.numpy() for v in self.random_states()]]
        with written_aside(self.folder / name, folder=False) as partial:
            with open(partial, "wb") as file:
                np.savez(file, *arrays)
        with written_aside(self.folder / BACKUP_METADATA, folder=False) as partial:
            partial.write_text(json.dumps({"epoch": epoch, "weights": name, "arrays": len(arrays)}))
        for stale in self.folder.glob(BACKUP_FILE.format(epoch="*")):
            if stale.name != name:
                stale.unlink()

    def restore(self):
        """Loads the last backup, if any; returns the epoch to start from (0 without one)."""
        metadata_path = self.folder / BACKUP_METADATA
        if not metadata_path.is_file():
            return 0
        metadata = json.loads(metadata_path.read_text())
        with np.load(self.folder / metadata["weights"]) as saved:
            arrays = [saved[f"arr_{i}"] for i in range(metadata["arrays"])]
        weights, state = len(self.model.weights), 1 + 2 * len(self.optimizer.shards) if self.optimizer else 0
        self.model.set_weights(arrays[:weights])
        if self.optimizer:
            self.optimizer.set_state(arrays[weights:weights + state])
        for variable, value in zip(self.random_states(), arrays[weights + state:]):
            variable.assign(value)
        print(f"parameter_server: resumed from {self.folder} after epoch {metadata['epoch']}", file=sys.stderr)
        return metadata["epoch"]

    def remove(self):
        remove(self.folder)


@contextlib.contextmanager
def lookups_by_shard():
    """While the block runs, `keras.ops.take(table, ids, axis=0)` on a Keras variable split into shards (Keras'
    Embedding's lookup) is `tf.nn.embedding_lookup`, which reads only the rows asked for, shard by shard."""
    from keras.src.backend.tensorflow import numpy as backend_numpy

    original = backend_numpy.take

    def take(x, indices, axis=None):
        value = getattr(x, "value", None)
        if axis == 0 and isinstance(value, ShardedVariable) and not isinstance(indices, tf.SparseTensor):
            return tf.nn.embedding_lookup(value, indices)
        return original(x, indices, axis=axis)

    backend_numpy.take = take
    try:
        yield
    finally:
        backend_numpy.take = original


def local_copy(model):
    """The trained `model` rebuilt in this process (from its config) with its weights read back from the
    servers: what the chief evaluates and exports."""
    copy = type(model).from_config(model.get_config())
    if not copy.built:  # a model whose `build` needs no shape (GloVeModel); functional ones build in __init__
        copy.build()
    copy.set_weights(model.get_weights())
    copy.history = getattr(model, "history", None)  # fit's History, as Keras leaves it on a model
    return copy
