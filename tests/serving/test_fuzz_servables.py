"""Fuzzed servables: every kind of export signature zoo makes, served as `zoo check` loads it (the C++ SavedModel
loader, TF_SessionRun, in a fresh process), answers arbitrary requests (tests/serving/fuzz_inputs.py) with finite
vectors of the right shape or a clean INVALID_ARGUMENT: never a crash, never NaN.

A few dozen cases per export here; benchmarks/fuzz_servables.py runs >= 10,000 per signature."""

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.serving.fuzz_inputs import batch_of, requests, verdict
from zoo.errors import CheckFailed
from zoo.serving import export
from zoo.serving.served_session import ServedSession

CASES = 30  # per export: about 250 in all
WORDS = ["the", "quick", "brown", "fox", "hello", "world"]
TEXTS = ["the quick brown fox", "hello world", ""]


def text_model(layer):
    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, {"embedding": layer(text)})


def static_with_subwords():
    from zoo.static.fasttext_subwords import Subwords
    from zoo.static.vectors import Vectors

    rng = np.random.default_rng(0)
    vectors = Vectors(WORDS, rng.normal(size=(len(WORDS), 4)).astype("float32"),
                      subwords=Subwords(rng.normal(size=(50, 4)).astype("float32"), 3, 4))
    return vectors.text_encoder()


def text_embedding():
    from zoo.custom import TextEmbedding

    layer = TextEmbedding(max_tokens=50, output_dim=4, sequence_length=8)
    layer.adapt(np.array(TEXTS, dtype=object))
    return text_model(layer)


def feature_tower():
    from zoo.custom import BucketizedEmbedding, CategoricalEmbedding, FeatureTower

    return FeatureTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"], oov_rate=0.2),
                         "movie_id": CategoricalEmbedding(4, vocabulary=[7, 8, 9], integer_keys=True),
                         "zip": CategoricalEmbedding(4, hashing_bins=16),
                         "age": BucketizedEmbedding([18, 25], 4),
                         "genres": CategoricalEmbedding(4, vocabulary=["Action", "Drama"], separator=" ")},
                        output_dim=6, hidden_units=(8,))


FEATURES = {"user_id": ["1", "9"], "movie_id": [7, 100], "zip": ["10001", ""], "age": [17.0, 90.0],
            "genres": ["Action Drama", ""]}


def retrieval():
    from zoo.custom import BucketizedEmbedding, CategoricalEmbedding, TwoTower

    towers = TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"]),
                       "age": BucketizedEmbedding([18, 25], 4)},
                      {"item_id": CategoricalEmbedding(8, vocabulary=["a", "b", "c"])}, output_dim=4,
                      hidden_units=())
    return towers.retrieval_model({"item_id": np.array(["a", "b", "c"]), "title": np.array(["A", "B", "C"])}, k=2,
                                  returned=("item_id", "title"))


def history_recommender():
    """recommender_movielens' served model, tiny: user id and history in, a leave-out list too; retrieval, then
    the ranking stage."""
    from zoo.custom import CategoricalEmbedding, HistoryEmbedding, RankingStage, TwoTower
    from zoo.recipes.recommender_movielens import served_model

    towers = TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"]),
                       "history": HistoryEmbedding(4, vocabulary=["a", "b", "c"], max_length=3)},
                      {"item_id": CategoricalEmbedding(8, vocabulary=["a", "b", "c"])}, output_dim=4,
                      hidden_units=())
    ranking = RankingStage(["a", "b", "c"], k=2, max_length=3)
    ranking.set_tables(np.eye(3, dtype="float32"), np.array([4, 2, 1]))
    return served_model(towers, {"item_id": np.array(["a", "b", "c"]), "title": np.array(["A", "B", "C"])}, k=2,
                        name="recommender", ranking=ranking, candidates=3)


def square_root():
    """A model that gives NaN for a negative input: the session must report it."""
    numbers = keras.Input(shape=(), dtype="float32", name="x")
    return keras.Model(numbers, {"root": keras.layers.Lambda(lambda x: keras.ops.sqrt(x))(numbers)})


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """{kind: export path} of tiny real exports, and one ServedSession serving them all."""
    from tests.contextual.tiny_models import tiny_bert_encoder
    from zoo.contextual.encoder_exports import export_preprocessing_and_encoder, export_text_encoder

    root = tmp_path_factory.mktemp("saved_models")
    bert = tiny_bert_encoder()
    paths = {
        "static text (fastText subwords)": export(static_with_subwords(), "static", {"text": TEXTS}, root=root),
        "TextEmbedding text": export(text_embedding(), "text_embedding", {"text": TEXTS}, root=root),
        "BERT text": export_text_encoder(bert, "bert", TEXTS, root=root),
        **dict(zip(["BERT preprocessing", "BERT token ids"], export_preprocessing_and_encoder(bert, "bert", TEXTS,
                                                                                              root=root))),
        "feature tower": export(feature_tower(), "tower", FEATURES, root=root),
        "retrieval": export(retrieval(), "retrieval", {"user_id": ["1", "7"], "age": [30.0, 99.0]}, root=root),
        "retrieval and ranking, with history and leave-out": export(history_recommender(), "recommender", {
            "user_id": ["1", "7"], "history": ["a b", ""], "leave_out": ["a", "b b zz c"]}, root=root),
        "square root": export(square_root(), "root", {"x": [4.0]}, root=root),
    }
    with ServedSession(*paths.values()) as session:
        yield paths, session


@pytest.mark.parametrize("kind", ["static text (fastText subwords)", "TextEmbedding text", "BERT text",
                                  "BERT preprocessing", "BERT token ids", "feature tower", "retrieval",
                                  "retrieval and ranking, with history and leave-out"])
def test_any_request_gets_finite_vectors_or_a_clean_invalid_argument(served, kind):
    paths, session = served
    path = paths[kind]
    inputs = session.signatures[str(path)]["serving_default"]["inputs"]
    seen = set()

    @settings(max_examples=CASES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(requests(inputs))
    def fuzz(request):
        seen.add(verdict(session.predict(request, path), batch_of(request)))

    fuzz()
    assert "answered" in seen, f"{kind}: no request was answered"


def test_the_verdict_catches_nan_a_wrong_shape_and_an_unclear_error():
    finite = {"dtype": "float32", "shape": [2, 4], "finite": True}
    assert verdict({"ok": True, "outputs": {"e": finite}}, 2) == "answered"
    assert verdict({"ok": False, "code": 3, "message": "bad"}, 2) == "invalid"
    for answer, batch in [({"ok": True, "outputs": {"e": {**finite, "finite": False}}}, 2),
                          ({"ok": True, "outputs": {"e": finite}}, 3),
                          ({"ok": False, "code": 13, "message": "internal"}, 2)]:
        with pytest.raises(AssertionError):
            verdict(answer, batch)


def test_the_session_reports_nan_and_a_wrong_dtype(served):
    paths, session = served
    path = paths["square root"]
    assert session.predict({"x": np.array([4.0, 9.0], np.float32)}, path)["outputs"]["root"] == {
        "dtype": "float32", "shape": [2], "finite": True}
    assert not session.predict({"x": np.array([-1.0], np.float32)}, path)["outputs"]["root"]["finite"]
    assert session.predict({"x": np.array(["a"], dtype=object)}, path)["code"] == 3  # a string for a float
    assert session.predict({"y": np.array([1.0], np.float32)}, path)["code"] == 3  # an input it does not take


def test_requests_name_their_model_and_a_malformed_one_is_invalid_argument():
    from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

    from zoo.serving import servable_probe

    request = predict_pb2.PredictRequest()
    request.model_spec.name, request.model_spec.signature_name = "/exports/a/1", "serve_items"
    log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
    assert servable_probe.decode_model_request(log.SerializeToString()) == ("/exports/a/1", "serve_items", {})
    for garbage in (b"\x32\x05ab", b"\xff"):  # truncated: a length past the end; a lone varint byte
        answer = servable_probe.answer({}, garbage)
        assert answer["ok"] is False and answer["code"] == 3, answer


def test_a_dead_server_names_the_input_that_killed_it(tmp_path, exported):
    with ServedSession(exported) as session:
        session.process.kill()  # as a crashing kernel would end it
        with pytest.raises(CheckFailed, match=r"died \(exit code -9\) on the request text object\[1\] \[b'a cat'\]"):
            session.predict({"text": np.array([b"a cat"], dtype=object)})
        assert session.process is None  # stopped and reaped


@given(st.data())
@settings(max_examples=20, deadline=None, database=None)
def test_requests_are_batches_of_the_signature_shapes(data):
    inputs = {"ids": {"dtype": "int32", "shape": [-1, -1]}, "mask": {"dtype": "bool", "shape": [-1, -1]},
              "text": {"dtype": "string", "shape": [-1]}, "x": {"dtype": "float32", "shape": [-1, 3]}}
    request = data.draw(requests(inputs, big_batch=50))
    batch = batch_of(request)
    assert {k: v.shape[0] for k, v in request.items()} == dict.fromkeys(inputs, batch)
    assert request["ids"].shape == request["mask"].shape and request["x"].shape[1:] == (3,)
    assert request["ids"].dtype == np.int32 and request["x"].dtype == np.float32
    assert all(isinstance(v, bytes) for v in request["text"])
