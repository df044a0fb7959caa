"""The two_tower_movielens recipe end to end on the real data (3 epochs, interrupted after the second and resumed):
evaluate, export, check, serve."""

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.interruption import interrupting
from tests.serving.export_loaders import check_every_loader
from zoo.data import load_movielens
from zoo.errors import ZooDataError
from zoo.recipes import two_tower_movielens

pytestmark = pytest.mark.slow

KNOWN_USER = {"user_id": "1", "age": 24.0, "gender": "M", "occupation": "technician"}
COLD_START_USER = {"user_id": "a user no file has", "age": 31.0, "gender": "F", "occupation": "librarian"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The recipe interrupted (as a Ctrl-C would) after its second epoch of three, then started again: the resumed
    run is the one the other tests read."""
    root = tmp_path_factory.mktemp("two_tower")
    flags = ["--epochs", "3", "--export-dir", str(root / "saved_models"), "--views-dir", str(root / "views"),
             "--runs-dir", str(root / "runs"), "--verbose", "0"]
    begun = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(two_tower_movielens, "EpochBackup", interrupting(two_tower_movielens.EpochBackup, 1, begun))
        with pytest.raises(KeyboardInterrupt):
            two_tower_movielens.main(flags)
        interrupted = (list(begun), (root / "saved_models" / "two_tower_movielens").exists())
        begun.clear()
        result = two_tower_movielens.main(flags)
    return result, root, (interrupted, list(begun))


def test_it_beats_the_most_popular_items(run):
    result = run[0]
    assert two_tower_movielens.RECIPE.metric == "Recall@100"
    assert result["value"] == result["results"]["two-tower"]["recall@100"]
    assert result["value"] > result["baseline"] + 0.05  # about 0.50 after 3 epochs; popularity 0.34
    features_only = result["results"]["features only (user id unknown)"]
    assert features_only["recall@100"] > 0.25  # a random ranking: about 100 / 1,600 = 0.06


def serve(path, users):
    signature = tf.saved_model.load(path).signatures["serving_default"]
    inputs = {name: tf.constant([u[name] for u in users], tf.float32 if name == "age" else tf.string)
              for name in users[0]}
    return {k: v.numpy() for k, v in signature(**inputs).items()}


def test_the_served_retrieval_model_answers_a_known_and_a_cold_start_user(run):
    result = run[0]
    retrieval_path, user_path, item_path = result["exports"][2], result["exports"][0], result["exports"][1]
    top = serve(retrieval_path, [KNOWN_USER, COLD_START_USER])
    items = {i.item_id: i for i in load_movielens("items")}
    assert top["item_id"].shape == top["title"].shape == top["scores"].shape == (2, 100)
    for ids, titles, scores in zip(top["item_id"], top["title"], top["scores"]):
        assert [items[i.decode()].title for i in ids] == [t.decode() for t in titles]  # real items, their titles
        assert len(set(ids)) == 100 and np.all(np.diff(scores) <= 1e-6)  # distinct, best first
    assert len(set(top["item_id"][0]) & set(top["item_id"][1])) < 100  # personalised, not one list for all

    # The three exports agree: the retrieval model's top 100 is the user tower's vector against the item tower's.
    user_vectors = serve(user_path, [KNOWN_USER, COLD_START_USER])["embedding"]
    catalogue = list(items.values())
    item_vectors = tf.saved_model.load(item_path).signatures["serving_default"](
        item_id=tf.constant([i.item_id for i in catalogue]), title=tf.constant([i.title for i in catalogue]),
        genres=tf.constant([" ".join(i.genres) for i in catalogue]),
        year=tf.constant([float(i.year) for i in catalogue]))["embedding"].numpy()
    scores = user_vectors @ item_vectors.T
    np.testing.assert_allclose(top["scores"], -np.sort(-scores, axis=1)[:, :100], atol=1e-4)


def test_the_exports_are_versioned_beside_a_projector_export_of_the_items(run):
    result, root, _ = run
    assert [p.split("/")[-2:] for p in result["exports"]] == [
        ["two_tower_movielens_user", "1"], ["two_tower_movielens_item", "1"], ["two_tower_movielens", "1"]]
    metadata = (root / "views" / "projector" / "metadata.tsv").read_text().splitlines()
    assert len(metadata) == 1682 and metadata[0] == "Toy Story (1995)"


def test_a_malformed_ratings_line_is_named(tmp_path):
    ratings = tmp_path / "u.data"
    ratings.write_text("1\t1\t5\t874965758\n1\t2\tthree\t876893171\n")
    with pytest.raises(ZooDataError, match=r"u.data:2: .*rating"):
        two_tower_movielens.main(["--ratings", str(ratings), "--export-dir", str(tmp_path),
                                  "--runs-dir", str(tmp_path)])


def test_ratings_of_users_the_users_file_lacks_are_named(tmp_path):
    ratings = tmp_path / "u.data"
    ratings.write_text("1\t1\t5\t874965758\n9999\t2\t3\t876893171\n")
    with pytest.raises(ZooDataError, match=r"u.data: 1 user or item id\(s\) .* such as 9999"):
        two_tower_movielens.main(["--ratings", str(ratings), "--export-dir", str(tmp_path),
                                  "--runs-dir", str(tmp_path)])


def test_an_interrupted_training_resumes_from_its_last_epoch(run):
    _, root, (interrupted, resumed) = run
    assert interrupted == ([0, 1], False)  # stopped after two epochs, before any export
    assert resumed == [2]  # picked up after the two finished epochs
    assert list((root / "runs").iterdir()) == []  # removed once training completes


@pytest.mark.parametrize("export", [0, 1, 2], ids=["user tower", "item tower", "retrieval model"])
def test_every_loader_serves_each_export(run, export, capsys):
    result = run[0]
    users = {name: [KNOWN_USER[name], COLD_START_USER[name]] for name in KNOWN_USER}
    items = {"item_id": ["1", "a new movie"], "title": ["Toy Story (1995)", "A New Movie (2027)"],
             "genres": ["Animation Comedy", "Drama"], "year": [1995.0, 2027.0]}
    check_every_loader(result["exports"][export], items if export == 1 else users, capsys)


def test_zoo_serve_answers_a_cold_start_users_predict_request(run):
    import threading

    from tests.serving.test_rest_server import request
    from zoo.serving.rest_server import make_server

    result, root, _ = run
    server = make_server(root / "saved_models", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, body = request(server.server_address[1], "/v1/models/two_tower_movielens:predict",
                               {"instances": [COLD_START_USER, KNOWN_USER]})
    finally:
        server.shutdown()
        server.server_close()
    expected = serve(result["exports"][2], [COLD_START_USER, KNOWN_USER])
    assert status == 200 and [sorted(row) for row in body["predictions"]] == [["item_id", "scores", "title"]] * 2
    assert [row["item_id"] for row in body["predictions"]] == [[i.decode() for i in ids] for ids in expected["item_id"]]
    np.testing.assert_allclose([row["scores"] for row in body["predictions"]], expected["scores"], atol=1e-5)
