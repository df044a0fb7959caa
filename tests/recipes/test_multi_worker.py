"""--strategy multi_worker for real: two worker processes on loopback (free ports, a TF_CONFIG each) train the
two_tower_movielens recipe (300 users' ratings, 2 epochs) and the glove recipe (Lee's corpus, 2 epochs) while
the same flags run in this process; the chief exports once, the other worker not at all, and the models match
the one-process run: GloVe's vectors to float rounding (each replica computes its share of a batch and all
apply the whole batch's step), the two-tower's Recall@100 within 0.05 (each replica's in-batch softmax sees
its half of a batch, 512 candidates instead of 1,024)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from zoo.data import load_movielens
from zoo.distribute import loopback_cluster
from zoo.recipes import two_tower_movielens
from zoo.static.glove import GloVe

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORKERS_TIMEOUT = 240  # seconds for both pairs of workers; about 60 s on an idle 2-core machine
TWO_TOWER = ["--epochs", "2", "--verbose", "0"]
GLOVE = ["--corpus", "lee", "--epochs", "2", "--output-dim", "16", "--batch-size", "4096", "--verbose", "0"]
RECALL_TOLERANCE = 0.05


def start_workers(recipe, flags, folder, n=2):
    """n processes of `recipe` with `flags --strategy multi_worker`, each with its TF_CONFIG; their logs in
    folder/worker-<i>.log."""
    workers = []
    for index, config in enumerate(loopback_cluster(n)):
        env = {**os.environ, "TF_CONFIG": config, "TF_CPP_MIN_LOG_LEVEL": "2"}
        log = open(folder / f"worker-{index}.log", "w")
        workers.append((subprocess.Popen([sys.executable, str(ROOT / "recipes" / f"{recipe}.py"), *flags,
                                          "--strategy", "multi_worker"], cwd=folder, env=env, stdout=log,
                                         stderr=subprocess.STDOUT), log))
    return workers


def write_small_ratings(path, users=300):
    """The ratings of the first `users` users, in GroupLens u.data's format: the recipe's reduced mode."""
    lines = [f"{r.user_id}\t{r.item_id}\t{r.rating:g}\t{r.timestamp}\n" for r in load_movielens("ratings")
             if int(r.user_id) <= users]
    path.write_text("".join(lines))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("multi_worker")
    ratings = write_small_ratings(root / "u.data")
    outputs = {name: ["--export-dir", str(root / name / "saved_models"), "--runs-dir", str(root / name / "runs")]
               for name in ("two_tower", "glove")}
    for name in outputs:
        (root / name).mkdir()
    two_tower_flags = [*TWO_TOWER, "--ratings", str(ratings), "--views-dir", str(root / "two_tower" / "views"),
                       *outputs["two_tower"]]
    glove_flags = [*GLOVE, "--save-dir", str(root / "glove" / "saved_glove"), *outputs["glove"]]
    workers = []
    try:
        workers += start_workers("two_tower_movielens", two_tower_flags, root / "two_tower")
        workers += start_workers("glove", glove_flags, root / "glove")
        # Meanwhile the one-process runs of the same flags, here; their exports and checks are not needed.
        monkeypatch_module.setattr(two_tower_movielens, "export", lambda *args, **kwargs: "not exported")
        monkeypatch_module.setattr(two_tower_movielens, "check", lambda path: SimpleSummary())
        monkeypatch_module.setattr(two_tower_movielens, "write_projector", lambda *args, **kwargs: None)
        single = {"two_tower": two_tower_movielens.main([*TWO_TOWER, "--ratings", str(ratings),
                                                         *one_process_outputs(root, "two_tower")]),
                  "glove": GloVe(output_dim=16, epochs=2, batch_size=4096, x_max=10.0, learning_rate=0.2, seed=1,
                                 min_count=5).fit("lee", verbose=0)}
        codes = [process.wait(timeout=WORKERS_TIMEOUT) for process, _ in workers]
    finally:
        for process, log in workers:
            process.kill()
            process.wait()
            log.close()
    logs = {name: [(root / name / f"worker-{i}.log").read_text() for i in range(2)] for name in outputs}
    assert codes == [0, 0, 0, 0], "\n".join(text[-3000:] for pair in logs.values() for text in pair)
    return root, single, logs


class SimpleSummary:
    def summary(self):
        return "not checked"


def one_process_outputs(root, name):
    return ["--export-dir", str(root / name / "single_saved"), "--runs-dir", str(root / name / "single_runs"),
            "--views-dir", str(root / name / "single_views")]


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def recall_at_100(log):
    return float(re.search(r"two-tower\s+recall@10 \S+\s+recall@50 \S+\s+recall@100 (\S+)", log).group(1))


def test_the_two_tower_recipe_trains_on_two_workers_as_well_as_in_one_process(runs):
    _, single, logs = runs
    recalls = [recall_at_100(log) for log in logs["two_tower"]]
    print(f"Recall@100: one process {single['two_tower']['value']:.4f}, two workers {recalls}")
    assert recalls[0] == recalls[1]  # one model: the replicas stay equal
    assert "2 replica(s)" in logs["two_tower"][0]
    assert abs(recalls[0] - single["two_tower"]["value"]) <= RECALL_TOLERANCE
    assert recalls[0] > single["two_tower"]["baseline"]  # better than the most popular items


def test_the_chief_alone_exports_once_and_both_workers_remove_their_training_state(runs):
    root, _, logs = runs
    saved = root / "two_tower" / "saved_models"
    assert sorted(p.name for p in saved.iterdir() if p.is_dir()) == [
        "two_tower_movielens", "two_tower_movielens_item", "two_tower_movielens_user"]
    assert all([p.name for p in (saved / name).iterdir()] == ["1"] for name in
               ("two_tower_movielens", "two_tower_movielens_item", "two_tower_movielens_user"))
    assert logs["two_tower"][0].count(": servable") == 3 and "left to the chief" in logs["two_tower"][1]
    assert [p.name for p in (root / "glove" / "saved_models").iterdir() if p.is_dir()] == ["glove"]
    assert [p.name for p in (root / "glove" / "saved_models" / "glove").iterdir()] == ["1"]
    for name in ("two_tower", "glove"):
        assert list((root / name / "runs").iterdir()) == []  # the chief's and the other worker's backups


def test_glove_on_two_workers_learns_the_vectors_of_one_process(runs):
    root, single, logs = runs
    vectors = GloVe.load(root / "glove" / "saved_glove").vectors  # saved by the chief
    assert vectors.keys == single["glove"].vectors.keys
    np.testing.assert_allclose(vectors.matrix, single["glove"].vectors.matrix, atol=1e-4)
    spearman = [float(re.search(r"wordsim353 spearman (\S+)", log).group(1)) for log in logs["glove"]]
    assert spearman[0] == spearman[1]
