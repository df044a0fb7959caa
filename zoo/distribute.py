"""Training under a `tf.distribute` strategy: the `--strategy` flag, the strategy it names, who exports.

- `default`: TensorFlow's default strategy on one CPU or one GPU; `MirroredStrategy` when several GPUs are visible.
- `mirrored`: `MirroredStrategy` over this machine's GPUs (the CPU where it has none).
- `multi_worker`: `MultiWorkerMirroredStrategy`; the cluster and this process's place in it come from the
  `TF_CONFIG` environment variable (one process per machine, each with its own `task`). Every worker trains a
  replica on its share of each batch; gradients are all-reduced; the chief (task `chief`, else worker 0) exports.
- `parameter_server`: `ParameterServerStrategy`, for tables larger than one machine: TF_CONFIG lists a `chief`,
  `ps` tasks that hold the variables (large tables split over them) and `worker` tasks that train
  asynchronously. Keras 3's `Model.fit` does not take it (keras-team/keras#18624), so zoo.parameter_servers has
  the loop, the optimizer and the backup; `fit` here hands over to it.

Two Keras 3.15 bugs break `Model.fit` under MultiWorkerMirroredStrategy with more than one worker, and `fit` here
works round both, only while it runs:
1. `_maybe_symbolic_build` averages the first batch across replicas with `Strategy.reduce`, which takes no nested
   structures ("TODO(josh11b): support `value` being a nest", tf.distribute's distribute_lib.py) and no strings:
   the model is made to build when its train function is traced instead, as for a model made outside the scope.
2. `reduce_per_replica` averages the step's scalar logs across workers with `reduce("MEAN", v, axis=0)`, which
   fails on a scalar ("Invalid reduction dimension 0 for input with 0 dimensions", tensorflow/tensorflow#72388):
   the logs, the same on every replica (Keras' metrics all-reduce their sums), are averaged with `axis=None`.
"""

import contextlib
import json
import os
import socket

import tensorflow as tf

from zoo import parameter_servers
from zoo.errors import ZooInputError

STRATEGIES = ("default", "mirrored", "multi_worker", "parameter_server")
# Why a trainer takes the default strategy only (its recipe's help says it; another choice is a one-line error).
NOT_WIRED = "its trainer does not yet build and fit its model in a strategy's scope"
SPARSE_UPDATE = ("its hand-written sparse update runs in one XLA loop per chunk of batches, written for one "
                 "replica")
STRATEGY_HELP = ("how to train: 'default' one device (MirroredStrategy when several GPUs are visible); 'mirrored' "
                 "MirroredStrategy over this machine's GPUs; 'multi_worker' MultiWorkerMirroredStrategy over the "
                 "machines TF_CONFIG lists (start one process per machine, each with its own TF_CONFIG task; the "
                 "chief exports); 'parameter_server' ParameterServerStrategy: tables split over TF_CONFIG's 'ps' "
                 "tasks, trained by its 'worker' tasks, driven by its 'chief' (run the same command on each; the "
                 "chief exports)")


def add_strategy_flag(parser, supported=STRATEGIES, why=None):
    """Adds `--strategy` to an argparse parser (default 'default').

    Args:
        parser: an argparse.ArgumentParser.
        supported: the strategies this trainer trains correctly under; the others stay choices, and
            `require_strategy` refuses them with a one-line error.
        why: for a trainer that takes fewer than all, the reason, said in the help.
    """
    refused = [name for name in STRATEGIES if name not in supported]
    note = f". This trainer refuses {', '.join(refused)}: {why}" if refused else ""
    parser.add_argument("--strategy", choices=STRATEGIES, default="default", help=STRATEGY_HELP + note)


def require_strategy(name, supported, trainer, why):
    """Raises a one-line ZooInputError unless `name` is among `supported`."""
    if name not in supported:
        raise ZooInputError(f"--strategy {name}: {trainer} trains under {' or '.join(supported)} only ({why})")


def tf_config():
    """The parsed TF_CONFIG environment variable ({} when unset); a one-line ZooInputError when it is not JSON."""
    text = os.environ.get("TF_CONFIG", "")
    if not text.strip():
        return {}
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ZooInputError(f"TF_CONFIG is not JSON ({error.msg} at character {error.pos})") from None
    if not isinstance(config, dict) or "cluster" not in config or "task" not in config:
        raise ZooInputError("TF_CONFIG needs 'cluster' ({job: [host:port, ...]}) and 'task' ({type, index})")
    return config


def loopback_cluster(workers, parameter_servers=0):
    """TF_CONFIG values (JSON strings) for a cluster of processes on this machine, on free loopback ports: to try
    `--strategy multi_worker` or `parameter_server` on one machine (the tests and benchmarks/multi_worker.py).

    Returns:
        Without parameter servers, one config for each of `workers` worker tasks. With them: the chief's config,
        then the workers', then the parameter servers' (`ps` tasks).
    """
    jobs = {"worker": workers, **({"chief": 1, "ps": parameter_servers} if parameter_servers else {})}
    sockets = [socket.socket() for _ in range(sum(jobs.values()))]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        hosts = iter([f"127.0.0.1:{probe.getsockname()[1]}" for probe in sockets])
    finally:
        for probe in sockets:
            probe.close()
    cluster = {job: [next(hosts) for _ in range(count)] for job, count in jobs.items()}
    order = ("chief", "worker", "ps") if parameter_servers else ("worker",)
    return [json.dumps({"cluster": cluster, "task": {"type": job, "index": index}})
            for job in order for index in range(jobs[job])]


def make_strategy(name="default"):
    """The tf.distribute strategy `name` (one of STRATEGIES) stands for; make it before any other TensorFlow work.

    Raises:
        ZooInputError: an unknown name, or 'multi_worker' without a TF_CONFIG that names this task.
    """
    if name not in STRATEGIES:
        raise ZooInputError(f"--strategy {name!r}: expected one of {', '.join(STRATEGIES)}")
    if name == "multi_worker":
        config = tf_config()
        if not config:
            raise ZooInputError("--strategy multi_worker reads the cluster from TF_CONFIG, which is not set "
                                "(see README, 'Training on several machines')")
        jobs = set(config["cluster"]) - {"chief", "worker"}
        if jobs:
            raise ZooInputError(f"TF_CONFIG lists {', '.join(sorted(jobs))} jobs: MultiWorkerMirroredStrategy takes "
                                "'chief' and 'worker' only")
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "parameter_server":
        config = tf_config()
        if not config:
            raise ZooInputError("--strategy parameter_server reads the cluster from TF_CONFIG, which is not set "
                                "(see README, 'Training on several machines')")
        return parameter_servers.make_strategy(config)  # on a ps or worker task: serves, never returns
    if name == "mirrored" or len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def is_multi_worker(strategy):
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and strategy.extended._num_workers > 1


def task(strategy):
    """(task type, task index) of this process; ("worker", 0) outside a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return "worker", 0
    return resolver.task_type, resolver.task_id or 0


def is_chief(strategy):
    """Whether this process is the one that writes what outlives training (exports, views): the 'chief' task, or
    worker 0 in a cluster without one; always True outside a cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    kind, index = task(strategy)
    return kind == "chief" or (kind == "worker" and index == 0 and "chief" not in resolver.cluster_spec().jobs)


def worker_folder(folder, strategy):
    """`folder` for the chief; `<folder>.<task>-<index>` for another worker, which must not write the chief's files
    (TensorFlow's multi-worker Keras guide does the same). A worker resumes from its own copy of the state."""
    if is_chief(strategy):
        return folder
    kind, index = task(strategy)
    return f"{os.fspath(folder).rstrip(os.sep)}.{kind}-{index}"


def barrier(strategy):
    """Under a multi-worker strategy, waits until every worker gets here (a worker that ends while the chief still
    exports makes the chief log "The tasks have crashed"); elsewhere returns at once."""
    if is_multi_worker(strategy):
        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)


@contextlib.contextmanager
def _multi_worker_logs():
    """Keras 3 bug 2 of the module docstring, worked round while the block runs."""
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and is_multi_worker(strategy):
            return tf.nest.map_structure(
                lambda v: strategy.reduce("MEAN", v, axis=None) if isinstance(v, tf.distribute.DistributedValues)
                else v, values)
        return original(values, strategy, reduction)

    trainer.reduce_per_replica = reduce_per_replica
    try:
        yield
    finally:
        trainer.reduce_per_replica = original


def describe(strategy):
    """'N replica(s)', or for parameter-server training 'P parameter server(s), W worker(s)'."""
    if is_parameter_server(strategy):
        size = parameter_servers.cluster_size(strategy)
        return f"{size['ps']} parameter server(s), {size['worker']} worker(s)"
    return f"{strategy.num_replicas_in_sync} replica(s)"


def is_parameter_server(strategy):
    return isinstance(strategy, tf.distribute.ParameterServerStrategy)


def fit(model, strategy, dataset, *args, **kwargs):
    """`model.fit(dataset, *args, **kwargs)` under `strategy` (the model made and compiled in its scope).

    Args:
        dataset: a tf.data.Dataset, or a function that returns one: under ParameterServerStrategy each worker
            makes its own copy of it (zoo.parameter_servers.fit), so it must be a function there.

    Returns:
        fit's History.
    """
    if is_parameter_server(strategy):
        return parameter_servers.fit(model, strategy, dataset, *args, **kwargs)
    dataset = dataset() if callable(dataset) else dataset
    if not is_multi_worker(strategy):
        with strategy.scope():
            return model.fit(dataset, *args, **kwargs)
    model._distribute_strategy = None  # Keras 3 bug 1 of the module docstring: no symbolic build before fit
    with strategy.scope(), _multi_worker_logs():
        return model.fit(dataset, *args, **kwargs)


def trained_model(model, strategy):
    """The model to evaluate and export after `fit`: `model` itself, or under ParameterServerStrategy a copy in
    this process with the weights read back from the parameter servers."""
    return parameter_servers.local_copy(model) if is_parameter_server(strategy) else model


if __name__ == "__main__":  # a ps or worker host: `TF_CONFIG=... python -m zoo.distribute` serves its task
    parameter_servers.serve(tf_config())
