"""--strategy parameter_server for real: a cluster on loopback (a chief, 1 worker and 2 parameter servers, each a
process with its own TF_CONFIG: the worker and the chief run the two_tower_movielens command on 300 users' ratings,
the servers `python -m zoo.distribute`, which serves alike) trains the
two-tower model with its larger tables split over the two servers. The chief is killed with SIGKILL once an
epoch is backed up, and started again with the same command: it resumes from that epoch on the running servers and
workers, ends at the quality of the one-process run (Recall@100 within 0.05: workers update asynchronously), and
exports once; the servers and the worker write nothing. Then a glove chief trains on the same servers and worker
(they serve any chief): its tables and AdaGrad accumulators split, its last epoch's loss within 3% of one
process's (the batches are drawn by tf.data there, by numpy here)."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.recipes.test_multi_worker import SimpleSummary, recall_at_100, write_small_ratings
from zoo.distribute import loopback_cluster
from zoo.parameter_servers import BACKUP_METADATA
from zoo.recipes import two_tower_movielens
from zoo.static.glove import GloVe

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "recipes" / "two_tower_movielens.py"
FLAGS = ["--epochs", "3", "--verbose", "0"]
GLOVE = ["--corpus", "lee", "--epochs", "2", "--output-dim", "16", "--batch-size", "4096", "--verbose", "0"]
CHIEF_TIMEOUT = 240  # seconds for each of the chief's two runs; about 30 s each on an idle 2-core machine
RECALL_TOLERANCE = 0.05


def start(config, flags, folder, log_name, recipe=RECIPE):
    """A task's process: the recipe with `flags --strategy parameter_server`, or with `recipe` None the lighter
    `python -m zoo.distribute` that a ps or worker host may run instead (it serves alike)."""
    env = {**os.environ, "TF_CONFIG": config, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)}
    log = open(folder / log_name, "w")
    command = ([sys.executable, "-m", "zoo.distribute"] if recipe is None else
               [sys.executable, str(recipe), *flags, "--strategy", "parameter_server"])
    process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    return process, log


def kill_once_backed_up(chief, runs, timeout=CHIEF_TIMEOUT):
    """SIGKILLs the chief once an epoch backup is written; returns whether it was still training then."""
    deadline = time.monotonic() + timeout
    while not list(runs.glob(f"*/{BACKUP_METADATA}")):
        if chief.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    training = chief.poll() is None
    chief.send_signal(signal.SIGKILL)
    chief.wait()
    return training


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("parameter_servers")
    ratings = write_small_ratings(root / "u.data")
    flags = [*FLAGS, "--ratings", str(ratings), "--export-dir", str(root / "saved_models"), "--runs-dir",
             str(root / "runs"), "--views-dir", str(root / "views")]
    chief_config, *task_configs = loopback_cluster(1, parameter_servers=2)
    tasks, chiefs = [], []
    try:
        for index, config in enumerate(task_configs):  # the worker (the recipe), then the two parameter servers
            folder = root / f"task-{index}"
            folder.mkdir()
            tasks.append(start(config, flags, folder, "log", RECIPE if index == 0 else None))
        chiefs.append(start(chief_config, flags, root, "chief-1.log"))
        killed_while_training = kill_once_backed_up(chiefs[0][0], root / "runs")
        chiefs.append(start(chief_config, flags, root, "chief-2.log"))
        single = one_process_run(ratings, root)  # meanwhile, here
        codes = [chiefs[1][0].wait(timeout=CHIEF_TIMEOUT)]
        glove_folder = root / "glove"
        glove_folder.mkdir()
        chiefs.append(start(chief_config, [*GLOVE, "--save-dir", "saved_glove"], glove_folder, "chief.log",
                            ROOT / "recipes" / "glove.py"))
        single["glove"] = GloVe(output_dim=16, epochs=2, batch_size=4096, x_max=10.0, learning_rate=0.2, seed=1,
                                min_count=5).fit("lee", verbose=0)
        codes.append(chiefs[2][0].wait(timeout=CHIEF_TIMEOUT))
    finally:
        for process, log in tasks + chiefs:
            process.kill()
            process.wait()
            log.close()
    logs = [(root / f"chief-{i}.log").read_text() for i in (1, 2)] + [(glove_folder / "chief.log").read_text()]
    assert codes == [0, 0], "\n".join([logs[1][-3000:], logs[2][-3000:]] + [
        (root / f"task-{i}" / "log").read_text()[-2000:] for i in range(3)])
    return root, single, logs, killed_while_training


def one_process_run(ratings, root):
    """The same flags in this process, default strategy; its exports and checks are not needed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(two_tower_movielens, "export", lambda *args, **kwargs: "not exported")
        patch.setattr(two_tower_movielens, "check", lambda path: SimpleSummary())
        patch.setattr(two_tower_movielens, "write_projector", lambda *args, **kwargs: None)
        return two_tower_movielens.main([*FLAGS, "--ratings", str(ratings), "--export-dir", str(root / "single"),
                                         "--runs-dir", str(root / "single_runs"), "--views-dir",
                                         str(root / "single_views")])


def test_the_larger_tables_are_split_over_the_two_servers(cluster):
    _, _, logs, _ = cluster
    split = re.search(r"tables split over the servers: (.*)", logs[1]).group(1)
    # 300 users: the user table (301 rows of 32) stays whole; the item ids' and the title words' are split.
    assert re.search(r"categorical_embedding_3/embedding/embeddings \([\d,]+ rows in 2\)", split), split
    assert re.search(r"text_embedding/token_embedding/embeddings \([\d,]+ rows in 2\)", split), split
    assert "categorical_embedding/embedding" not in split
    assert "2 parameter server(s), 1 worker(s)" in logs[1]


def test_a_chief_killed_mid_training_resumes_and_ends_at_the_one_process_quality(cluster):
    _, single, logs, killed_while_training = cluster
    assert killed_while_training
    epoch = int(re.search(r"resumed from \S+ after epoch (\d+)", logs[1]).group(1))
    assert 1 <= epoch < 3
    recall = recall_at_100(logs[1])
    print(f"Recall@100: one process {single['value']:.4f}, parameter servers {recall:.4f} (resumed after {epoch})")
    assert abs(recall - single["value"]) <= RECALL_TOLERANCE
    assert recall > single["baseline"]  # better than the most popular items


def test_the_chief_alone_exports_once_and_removes_its_backup(cluster):
    root, _, logs, _ = cluster
    saved = root / "saved_models"
    names = ("two_tower_movielens", "two_tower_movielens_item", "two_tower_movielens_user")
    assert sorted(p.name for p in saved.iterdir() if p.is_dir()) == list(names)
    assert all([p.name for p in (saved / name).iterdir()] == ["1"] for name in names)
    assert logs[1].count(": servable") == 3
    assert list((root / "runs").iterdir()) == []
    for index in range(3):  # the worker and the servers: serving, nothing written
        log = (root / f"task-{index}" / "log").read_text()
        assert "serving until stopped" in log
        assert [p.name for p in (root / f"task-{index}").iterdir()] == ["log"]


def test_glove_trains_on_the_same_servers_with_its_tables_split_to_the_loss_of_one_process(cluster):
    root, single, logs, _ = cluster
    split = re.search(r"tables split over the servers: (.*)", logs[2]).group(1)
    for table in ("word_embedding/embeddings", "context_embedding/embeddings", "word_accumulator",
                  "context_accumulator"):
        assert re.search(rf"glove/{table} \([\d,]+ rows in 2\)", split), split
    loss = float(re.search(r"last epoch's loss (\S+);", logs[2]).group(1))
    expected = single["glove"].model.history.history["loss"][-1]
    print(f"GloVe's last epoch's loss: one process {expected:.4f}, parameter servers {loss:.4f}")
    assert abs(loss - expected) <= 0.03 * expected
    vectors = GloVe.load(root / "glove" / "saved_glove").vectors  # saved by the chief
    assert vectors.keys == single["glove"].vectors.keys and vectors.matrix.shape == (len(vectors.keys), 16)
    assert [p.name for p in (root / "glove" / "saved_models" / "glove").iterdir()] == ["1"]
    assert logs[2].count(": servable") == 1
