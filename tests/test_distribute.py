"""zoo.distribute: the --strategy flag, the strategy each name makes, who is chief, one-line refusals; GloVe's
batches cut into the pieces a strategy's replicas take. (Two real workers on loopback: tests/recipes/
test_multi_worker.py.)"""

import argparse
import json
from types import SimpleNamespace

import numpy as np
import pytest
import tensorflow as tf

from zoo import distribute
from zoo.errors import ZooInputError
from zoo.static.glove import GloVe
from zoo.training import EpochCounter


def parser_with_flag(**kwargs):
    parser = argparse.ArgumentParser()
    distribute.add_strategy_flag(parser, **kwargs)
    return parser


def test_the_flag_defaults_to_the_default_strategy_and_says_what_each_does():
    parser = parser_with_flag()
    assert parser.parse_args([]).strategy == "default"
    assert parser.parse_args(["--strategy", "multi_worker"]).strategy == "multi_worker"
    assert parser.parse_args(["--strategy", "parameter_server"]).strategy == "parameter_server"
    with pytest.raises(SystemExit):
        parser.parse_args(["--strategy", "central_storage"])
    text = parser.format_help()
    assert "TF_CONFIG" in text and "MultiWorkerMirroredStrategy" in text and "ParameterServerStrategy" in text


def test_a_trainer_that_takes_fewer_strategies_says_so_in_its_help_and_refuses_in_one_line():
    why = "its sparse update is not synchronised across replicas"
    assert "refuses mirrored, multi_worker, parameter_server: its sparse update" in " ".join(
        parser_with_flag(supported=("default",), why=why).format_help().split())
    distribute.require_strategy("default", ("default",), "Word2Vec", why)
    with pytest.raises(ZooInputError) as error:
        distribute.require_strategy("multi_worker", ("default",), "Word2Vec", why)
    assert str(error.value) == f"--strategy multi_worker: Word2Vec trains under default only ({why})"


def test_the_default_strategy_on_one_cpu_is_tensorflows_default_and_its_process_is_chief(tmp_path):
    strategy = distribute.make_strategy("default")
    assert strategy is tf.distribute.get_strategy() and strategy.num_replicas_in_sync == 1
    assert distribute.is_chief(strategy) and not distribute.is_multi_worker(strategy)
    assert distribute.worker_folder(tmp_path / "run", strategy) == tmp_path / "run"
    distribute.barrier(strategy)  # returns at once outside a cluster


@pytest.mark.parametrize("name, config, message", [
    ("central_storage", None, r"expected one of default, mirrored, multi_worker, parameter_server"),
    ("parameter_server", None, r"reads the cluster from TF_CONFIG, which is not set"),
    ("parameter_server", json.dumps({"cluster": {"worker": ["127.0.0.1:1"], "chief": ["127.0.0.1:2"]},
                                     "task": {"type": "chief", "index": 0}}), r"needs a TF_CONFIG cluster of one "
     r"'chief', one or more 'ps' and one or more 'worker'; it lists"),
    ("parameter_server", json.dumps({"cluster": {"worker": ["127.0.0.1:1"], "chief": ["127.0.0.1:2"],
                                                 "ps": ["127.0.0.1:3"]}, "task": {"type": "evaluator"}}),
     r"task type 'evaluator': expected 'chief', 'ps' or 'worker'"),
    ("multi_worker", None, r"reads the cluster from TF_CONFIG, which is not set"),
    ("multi_worker", "{cluster:", r"^TF_CONFIG is not JSON \(Expecting property name"),
    ("multi_worker", json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}}), r"needs 'cluster' .* and 'task'"),
    ("multi_worker", json.dumps({"cluster": {"worker": ["127.0.0.1:1"], "ps": ["127.0.0.1:2"]},
                                 "task": {"type": "worker", "index": 0}}), r"lists ps jobs"),
])
def test_a_strategy_that_cannot_be_made_is_a_one_line_error(monkeypatch, name, config, message):
    if config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", config)
    with pytest.raises(ZooInputError, match=message) as error:
        distribute.make_strategy(name)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("jobs, kind, index, chief, folder", [
    ({"worker": 2}, "worker", 0, True, "run"),
    ({"worker": 2}, "worker", 1, False, "run.worker-1"),
    ({"chief": 1, "worker": 2}, "chief", 0, True, "run"),
    ({"chief": 1, "worker": 2}, "worker", 0, False, "run.worker-0"),
])
def test_the_chief_is_the_chief_task_else_worker_0_and_the_others_keep_their_state_aside(
        tmp_path, jobs, kind, index, chief, folder):
    spec = tf.train.ClusterSpec({job: [f"127.0.0.1:{9000 + i}" for i in range(n)] for job, n in jobs.items()})
    strategy = SimpleNamespace(cluster_resolver=tf.distribute.cluster_resolver.SimpleClusterResolver(
        spec, task_type=kind, task_id=index))
    assert distribute.is_chief(strategy) is chief
    assert distribute.worker_folder(str(tmp_path / "run"), strategy) == str(tmp_path / folder)


def test_glove_cuts_each_batch_into_the_pieces_its_replicas_take():
    glove = GloVe(batch_size=10, epochs=2, seed=3)
    rows, cols, counts = np.arange(25, dtype=np.int32), np.arange(25, dtype=np.int32)[::-1], np.ones(25, np.float32)

    def batches(**kwargs):
        return [{k: v.numpy().tolist() for k, v in b.items()}
                for b in glove.dataset(rows, cols, counts, EpochCounter(), **kwargs)]

    whole = batches()
    first, second = batches(pieces=2, taken=[0]), batches(pieces=2, taken=[1])
    both = batches(pieces=2, taken=[0, 1])
    assert [len(b["rows"]) for b in whole] == [10, 10, 5] * 2
    assert [len(b["rows"]) for b in first] == [5, 5, 2] * 2 and [len(b["rows"]) for b in second] == [5, 5, 3] * 2
    assert both[0::2] == first and both[1::2] == second
    for batch, one, two in zip(whole, first, second):  # the pieces make up the batch, in order
        assert {k: one[k] + two[k] for k in batch} == batch


def test_a_loopback_cluster_gives_each_worker_its_task_on_free_distinct_ports():
    configs = [json.loads(config) for config in distribute.loopback_cluster(3)]
    hosts = configs[0]["cluster"]["worker"]
    assert len(set(hosts)) == 3 and all(host.startswith("127.0.0.1:") for host in hosts)
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    assert all(c["cluster"] == {"worker": hosts} for c in configs)


def test_a_loopback_parameter_server_cluster_lists_the_chief_then_the_workers_then_the_servers():
    configs = [json.loads(config) for config in distribute.loopback_cluster(2, parameter_servers=2)]
    cluster = configs[0]["cluster"]
    assert {job: len(hosts) for job, hosts in cluster.items()} == {"chief": 1, "worker": 2, "ps": 2}
    assert len({host for hosts in cluster.values() for host in hosts}) == 5
    assert [c["task"] for c in configs] == [{"type": "chief", "index": 0}, {"type": "worker", "index": 0},
                                            {"type": "worker", "index": 1}, {"type": "ps", "index": 0},
                                            {"type": "ps", "index": 1}]
    assert all(c["cluster"] == cluster for c in configs)
