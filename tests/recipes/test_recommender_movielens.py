"""The recommender_movielens recipe end to end on 300 users' ratings (2 epochs, interrupted after the first and
resumed; EASE's λ given): history-aware retrieval and the served retrieval + ranking beat popularity, a new
user's few films beat popularity, and the served model answers a known user, a new user with a short history and
a user with neither, leaving out what it is told to."""

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.interruption import interrupted_then_resumed
from tests.recipes.test_multi_worker import write_small_ratings
from tests.serving.export_loaders import check_every_loader
from zoo.data import load_movielens
from zoo.recipes import recommender_movielens

pytestmark = pytest.mark.slow

KNOWN = {"user_id": "1", "age": 24.0, "gender": "M", "occupation": "technician", "history": "1 2 3 4 5 6"}
NEW = {"user_id": "a user no file has", "age": 31.0, "gender": "F", "occupation": "librarian", "history": "50 181"}
NEITHER = {"user_id": "nobody", "age": 40.0, "gender": "F", "occupation": "writer", "history": ""}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("recommender")
    flags = ["--epochs", "2", "--ease-l2", "300", "--ratings", str(write_small_ratings(root / "u.data")),
             "--export-dir", str(root / "saved_models"), "--runs-dir", str(root / "runs"), "--verbose", "0"]
    result, interrupted, resumed = interrupted_then_resumed(recommender_movielens, flags, after_epoch=0)
    return result, root, (interrupted, resumed)


def serve(path, users, leave_out):
    signature = tf.saved_model.load(path).signatures["serving_default"]
    inputs = {name: tf.constant([u[name] for u in users], tf.float32 if name == "age" else tf.string)
              for name in users[0]}
    return {k: v.numpy() for k, v in signature(**inputs, leave_out=tf.constant(leave_out)).items()}


def test_retrieval_and_ranking_beat_popularity_and_so_do_a_new_users_few_films(run):
    results = run[0]["results"]
    popular = results["most popular"]["recall@100"]
    served = results["retrieval + ranking (served)"]
    assert run[0]["value"] == served["recall@100"] > popular + 0.05
    assert results["retrieval (history-aware two-tower)"]["recall@100"] > popular + 0.05
    assert served["ndcg@10"] > results["retrieval (history-aware two-tower)"]["ndcg@10"] - 0.02
    assert results["  new user: demographics, 5 films"]["recall@100"] > popular + 0.03


def test_the_served_model_answers_a_known_user_a_new_user_and_one_with_neither(run):
    path = run[0]["exports"][0]
    items = {i.item_id: i.title for i in load_movielens("items")}
    top = serve(path, [KNOWN, NEW, NEITHER], ["", "", ""])
    assert top["item_id"].shape == top["title"].shape == top["scores"].shape == (3, 100)
    for ids, titles, scores in zip(top["item_id"], top["title"], top["scores"]):
        assert [items[i.decode()] for i in ids] == [t.decode() for t in titles]
        assert len(set(ids)) == 100 and np.all(np.diff(scores) <= 1e-6) and np.all(np.isfinite(scores))
    assert len({tuple(ids) for ids in top["item_id"]}) == 3  # three different answers


def test_the_leave_out_list_removes_items_and_bad_lists_do_not_crash(run):
    path = run[0]["exports"][0]
    first = serve(path, [KNOWN], [""])["item_id"][0]
    left_out = [i.decode() for i in first[:7]]
    again = serve(path, [KNOWN] * 3, [" ".join(left_out), " ".join(["no-such-item", *left_out, *left_out]),
                                      " ".join([*items_ids(), "extra"])])
    for ids in again["item_id"][:2]:
        answer = [i.decode() for i in ids]
        assert not set(answer) & set(left_out) and len(set(answer) & {i.decode() for i in first[7:]}) >= 80
    assert set(again["item_id"][2]) == {b""}  # nothing left to recommend
    assert np.all(np.isfinite(again["scores"]))


def items_ids():
    return [i.item_id for i in load_movielens("items")]


def test_an_interrupted_training_resumes_and_each_export_loads_everywhere(run, capsys):
    result, root, (interrupted, resumed) = run
    assert interrupted == [0] and resumed == [1]
    assert list((root / "runs").iterdir()) == []
    assert [p.split("/")[-2:] for p in result["exports"]] == [["recommender_movielens", "1"],
                                                              ["recommender_movielens_user", "1"]]
    users = {name: [KNOWN[name], NEW[name], NEITHER[name]] for name in KNOWN}
    check_every_loader(result["exports"][0], {**users, "leave_out": ["1", "", "2 2"]}, capsys)
    check_every_loader(result["exports"][1], users, capsys)
