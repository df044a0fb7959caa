"""Every public zoo layer and model keeps the Keras contract (tests/keras_contract.py): inside a functional model
that has trained a step, it saves to `.keras`, reloads in a fresh process after a bare `import zoo` with the same
outputs, and exports servably."""

import keras
import numpy as np
import pytest

from tests.keras_contract import check_keras_contract
from zoo.precision import INT8_CPU_FLAGS, cpu_flags

TEXTS = np.array(["the quick brown fox", "hello world", "", "a cafe!"], dtype=object)
WORDS = ["the", "quick", "brown", "fox", "hello", "world"]


def text_input():
    return keras.Input(shape=(), dtype="string", name="text")


def vectors(subwords=False):
    from zoo.static.vectors import Vectors

    matrix = np.random.default_rng(0).normal(size=(len(WORDS), 4)).astype("float32")
    if not subwords:
        return Vectors(WORDS, matrix)
    from zoo.static.fasttext_subwords import Subwords

    buckets = np.random.default_rng(1).normal(size=(50, 4)).astype("float32")
    return Vectors(WORDS, matrix, subwords=Subwords(buckets, 3, 4))


def text_embedding():
    from zoo.custom import TextEmbedding

    layer = TextEmbedding(max_tokens=50, output_dim=4, sequence_length=8)
    layer.adapt(TEXTS)
    return layer


def rnn_encoder():
    from zoo.custom import RNNEncoder

    layer = RNNEncoder(max_tokens=50, output_dim=4, units=3, cell="gru", pooling="max", sequence_length=8)
    layer.adapt(TEXTS)
    return layer


def static_text_encoder():
    return vectors().text_encoder()


def static_text_encoder_with_subwords():
    return vectors(subwords=True).text_encoder()


def subword_text_encoder():
    from tests.contextual.tiny_models import tiny_bert_encoder
    from zoo.static.vectors import Vectors

    tokenizer = tiny_bert_encoder().tokenizer
    keys = tokenizer.get_vocabulary()
    matrix = np.random.default_rng(2).normal(size=(len(keys), 4)).astype("float32")
    return Vectors(keys, matrix, tokenizer=tokenizer).text_encoder(table_dtype="float16")


def bert_encoder():
    from tests.contextual.tiny_models import tiny_bert_encoder

    return tiny_bert_encoder()


def gpt2_encoder():
    from tests.contextual.tiny_models import tiny_gpt2_encoder

    return tiny_gpt2_encoder()


def cached_text_encoder():
    from zoo.custom import CachedTextEncoder

    return CachedTextEncoder(static_text_encoder(), ["the fox", "hello world"])


TEXT_LAYERS = [text_embedding, rnn_encoder, static_text_encoder, static_text_encoder_with_subwords,
               subword_text_encoder, bert_encoder, gpt2_encoder, cached_text_encoder]


@pytest.mark.parametrize("make", TEXT_LAYERS, ids=lambda make: make.__name__)
def test_a_text_layer_saves_reloads_and_exports_inside_a_model(make, tmp_path):
    check_keras_contract(make(), text_input(), TEXTS, tmp_path)


@pytest.mark.skipif(not cpu_flags() & set(INT8_CPU_FLAGS),
                    reason="int8 precision needs a CPU with VNNI or AMX")
def test_an_int8_bert_encoder_saves_reloads_and_exports_inside_a_model(tmp_path):
    check_keras_contract(bert_encoder().with_precision("int8", calibration_sentences=list(TEXTS)), text_input(), TEXTS,
                         tmp_path)


def test_the_vectors_embedding_layer(tmp_path):
    words = keras.Input(shape=(None,), dtype="string", name="words")
    layer = vectors().embedding_layer(oov=2)
    pooled = keras.layers.GlobalAveragePooling1D()
    sample = np.array([["the", "fox", "unseen"], ["hello", "world", "the"]], dtype=object)
    check_keras_contract(lambda x: pooled(layer(x)), words, sample, tmp_path)


def test_the_categorical_and_bucketized_embeddings_and_the_feature_tower(tmp_path):
    from zoo.custom import BucketizedEmbedding, CategoricalEmbedding, FeatureTower

    tower = FeatureTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"], oov_rate=0.2),
                          "age": BucketizedEmbedding([18, 25], 4),
                          "genres": CategoricalEmbedding(4, vocabulary=["Action", "Drama"], separator=" ")},
                         output_dim=6)
    sample = {"user_id": np.array(["1", "2", "9"], dtype=object), "age": np.array([17, 30, 90], np.float32),
              "genres": np.array(["Action Drama", "", "Drama"], dtype=object)}
    check_keras_contract(tower, dict(tower.input), sample, tmp_path)


def test_token_pooling(tmp_path):
    from zoo.pooling import TokenPooling

    tokens = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)
    pooling = TokenPooling("mean")
    sample = np.array([[1, 2, 0], [3, 0, 0]], np.int32)
    check_keras_contract(lambda x: pooling(embedded(x)), tokens, sample, tmp_path)


def test_a_model_around_an_export(exported, tmp_path):
    import zoo

    check_keras_contract(zoo.load_export(exported), text_input(), TEXTS, tmp_path)


def test_two_tower_inside_a_model(tmp_path):
    from zoo.custom import CategoricalEmbedding, TwoTower

    towers = TwoTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"])},
                      {"item_id": CategoricalEmbedding(8, vocabulary=["a", "b", "c"])}, output_dim=4,
                      hidden_units=())
    inputs = {name: keras.Input(shape=(), dtype="string", name=name) for name in ("user_id", "item_id")}
    sample = {"user_id": np.array(["1", "2", "9"], dtype=object), "item_id": np.array(["a", "c", "z"], dtype=object)}
    check_keras_contract(lambda features: towers(features)["query"], inputs, sample, tmp_path)


def test_the_token_tagger_inside_a_model(tmp_path):
    from tests.contextual.tiny_models import tiny_bert_encoder
    from zoo.contextual.token_tagger import TokenTagger

    tagger = TokenTagger(tiny_bert_encoder(), ["DT", "NN", "."])
    pooled = keras.layers.GlobalAveragePooling1D()  # the words' vectors, padding (zeros) included
    check_keras_contract(lambda text: pooled(tagger(text)["token_vectors"]), text_input(), TEXTS, tmp_path)


def test_the_history_embedding_in_a_feature_tower(tmp_path):
    from zoo.custom import CategoricalEmbedding, FeatureTower, HistoryEmbedding

    tower = FeatureTower({"user_id": CategoricalEmbedding(8, vocabulary=["1", "2"]),
                          "history": HistoryEmbedding(4, vocabulary=["a", "b", "c"], max_length=2)}, output_dim=6)
    sample = {"user_id": np.array(["1", "2", "9"], dtype=object),
              "history": np.array(["a b c", "", "zz a"], dtype=object)}
    check_keras_contract(tower, dict(tower.input), sample, tmp_path)


def test_the_leave_out_candidate_index_and_its_values(tmp_path):
    from zoo.custom import LeaveOutCandidateIndex
    from zoo.custom.candidate_values import CandidateValues

    index = LeaveOutCandidateIndex(np.random.default_rng(4).normal(size=(3, 2)).astype("float32"),
                                   candidate_ids=["a", "b", "c"], k=2)
    values = CandidateValues(["A", "B", "C"])
    numbers = keras.layers.StringLookup(vocabulary=["A", "B", "C"])  # the answer's values as numbers ("": 0)
    inputs = {"query": keras.Input(shape=(2,), name="query"),
              "leave_out": keras.Input(shape=(), dtype="string", name="leave_out")}

    def retrieve(features):
        scores, rows = index([features["query"], features["leave_out"]])
        return keras.layers.Concatenate()([scores, keras.ops.cast(numbers(values(rows)), "float32")])

    sample = {"query": np.array([[1, 0], [0, 1], [1, 1]], np.float32),
              "leave_out": np.array(["a", "", "c"], dtype=object)}  # all left out: NO_CANDIDATE, too large for mse
    check_keras_contract(retrieve, inputs, sample, tmp_path, atol=1e-4)


def test_the_ranking_stage(tmp_path):
    from zoo.custom import RankingStage

    stage = RankingStage(["a", "b", "c"], k=2, max_length=2)
    stage.set_tables(np.random.default_rng(5).normal(size=(3, 3)).astype("float32"), np.array([5, 1, 0]))
    inputs = {"scores": keras.Input(shape=(3,), name="scores"),
              "rows": keras.Input(shape=(3,), dtype="int32", name="rows"),
              "history": keras.Input(shape=(), dtype="string", name="history")}

    def rank(features):
        scores, rows = stage([features["scores"], features["rows"], features["history"]])
        return keras.layers.Concatenate()([scores, keras.ops.cast(rows, "float32")])

    sample = {"scores": np.array([[0.3, 0.2, 0.1], [0.5, 0.4, 0.0]], np.float32),
              "rows": np.array([[2, 0, 1], [1, 2, -1]], np.int32),
              "history": np.array(["a b", "zz"], dtype=object)}
    check_keras_contract(rank, inputs, sample, tmp_path, atol=1e-4)
