"""GloVe: co-occurrence counts, the loss and the AdaGrad step against plain Python / numpy ports of the
reference's arithmetic; learning measured on a corpus with planted word groups; save/load; resume; bad input."""

import json
import warnings
from collections import defaultdict

import keras
import numpy as np
import pytest
from scipy.stats import spearmanr

from zoo.errors import ZooInputError
from zoo.static.cooccurrence import cooccurrence
from zoo.static.corpus import Corpus
from zoo.static.glove import GloVe
from zoo.static.glove_model import GloVeModel
from zoo.static.vectors import Vectors


# === Co-occurrence ===
def random_sentences(seed, count=60, vocabulary=40):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    weights = 1.0 / np.arange(1, vocabulary + 1)  # Zipf-like, so that min_count drops the rare ones
    return [list(rng.choice(words, size=rng.integers(0, 30), p=weights / weights.sum())) for _ in range(count)]


def plain_cooccurrence(sentences, index, window):
    """GloVe's cooccur, symmetric, as a plain double loop: words outside `index` skipped before distances."""
    counts = defaultdict(float)
    for sentence in sentences:
        kept = [index[token] for token in sentence if token in index]
        for a in range(len(kept)):
            for b in range(a + 1, min(a + window + 1, len(kept))):
                counts[kept[a], kept[b]] += 1.0 / (b - a)
                counts[kept[b], kept[a]] += 1.0 / (b - a)
    return counts


@pytest.mark.parametrize("window", [1, 3, 10, 50])
@pytest.mark.parametrize("seed", [0, 1])
def test_cooccurrence_equals_a_plain_double_loop(seed, window):
    sentences = random_sentences(seed)
    corpus = Corpus.build(sentences, min_count=3, progress=False)
    rows, cols, values = cooccurrence(corpus, window)
    expected = plain_cooccurrence(sentences, corpus.index, window)
    assert len(values) == len(expected) and rows.dtype == cols.dtype == np.int32
    assert np.all(np.diff(rows.astype(np.int64) * len(corpus) + cols) > 0)  # sorted, each pair once
    for row, col, value in zip(rows, cols, values):
        assert value == pytest.approx(expected[row, col], rel=1e-12)


def test_cooccurrence_stops_at_sentence_ends():
    corpus = Corpus.build([["a", "b"], ["c", "d"]], min_count=1, progress=False)
    rows, cols, values = cooccurrence(corpus, window=5)
    pairs = {(corpus.words[r], corpus.words[c]): v for r, c, v in zip(rows, cols, values)}
    assert pairs == {("a", "b"): 1.0, ("b", "a"): 1.0, ("c", "d"): 1.0, ("d", "c"): 1.0}


# === The model: loss and update against numpy ===
def model_with_weights(vocabulary=5, output_dim=3, seed=0, **settings):
    model = GloVeModel(vocabulary, output_dim, **settings)
    model.build()
    rng = np.random.default_rng(seed)
    word, context = rng.normal(0, 0.5, (2, vocabulary, output_dim + 1))
    model.word_embedding.embeddings.assign(word.astype(np.float32))
    model.context_embedding.embeddings.assign(context.astype(np.float32))
    return model, word.astype(np.float32).astype(np.float64), context.astype(np.float32).astype(np.float64)


BATCH = {"rows": np.array([0, 1, 1, 4, 2, 0], np.int32), "cols": np.array([1, 0, 3, 4, 1, 1], np.int32),
         "counts": np.array([0.1, 3.0, 150.0, 1.0, 99.0, 12.5], np.float32)}


def numpy_loss(word, context, batch, x_max, alpha):
    rows, cols, x = batch["rows"], batch["cols"], batch["counts"].astype(np.float64)
    dim = word.shape[1] - 1
    prediction = (word[rows, :dim] * context[cols, :dim]).sum(1) + word[rows, dim] + context[cols, dim]
    f = np.where(x < x_max, (x / x_max) ** alpha, 1.0)
    return np.mean(0.5 * f * (prediction - np.log(x)) ** 2)


@pytest.mark.parametrize("x_max,alpha", [(100.0, 0.75), (10.0, 0.5)])
def test_the_loss_equals_a_numpy_computation(x_max, alpha):
    model, word, context = model_with_weights(x_max=x_max, alpha=alpha)
    expected = numpy_loss(word, context, BATCH, x_max, alpha)
    assert float(model.glove_loss(BATCH)) == pytest.approx(expected, rel=1e-5)
    assert np.asarray(model.word_vectors) == pytest.approx(word[:, :3])
    assert np.asarray(model.context_biases) == pytest.approx(context[:, 3])


def glove_c_epoch(word, context, word_gradsq, context_gradsq, triples, eta, x_max, alpha):
    """glove.c's inner loop in numpy, one triple at a time, with GloVeModel's one documented change: gradsq (from
    1) gains (eta g)^2 before the step eta g / sqrt(gradsq) instead of after. Updates the arrays in place and
    returns the summed cost 0.5 f diff^2."""
    dim = word.shape[1] - 1
    cost = 0.0
    for row, col, x in triples:
        w, c = word[row], context[col]
        diff = w[:dim] @ c[:dim] + w[dim] + c[dim] - np.log(x)
        fdiff = diff if x > x_max else (x / x_max) ** alpha * diff
        cost += 0.5 * fdiff * diff
        fdiff *= eta
        temp1, temp2 = fdiff * c[:dim], fdiff * w[:dim]
        word_gradsq[row, :dim] += temp1 ** 2
        context_gradsq[col, :dim] += temp2 ** 2
        word[row, :dim] -= temp1 / np.sqrt(word_gradsq[row, :dim])
        context[col, :dim] -= temp2 / np.sqrt(context_gradsq[col, :dim])
        word_gradsq[row, dim] += fdiff ** 2
        context_gradsq[col, dim] += fdiff ** 2
        word[row, dim] -= fdiff / np.sqrt(word_gradsq[row, dim])
        context[col, dim] -= fdiff / np.sqrt(context_gradsq[col, dim])
    return cost


def test_steps_of_one_triple_are_glove_cs_updates_one_triple_at_a_time():
    model, word, context = model_with_weights(learning_rate=0.3)
    word_gradsq, context_gradsq = np.ones_like(word), np.ones_like(context)
    triples = list(zip(BATCH["rows"], BATCH["cols"], BATCH["counts"].astype(np.float64))) * 3
    cost = glove_c_epoch(word, context, word_gradsq, context_gradsq, triples, 0.3, 100.0, 0.75)
    for row, col, x in triples:
        logs = model.train_step({"rows": np.array([row], np.int32), "cols": np.array([col], np.int32),
                                 "counts": np.array([x], np.float32)})
    np.testing.assert_allclose(model.word_embedding.embeddings.numpy(), word, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.context_embedding.embeddings.numpy(), context, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.word_accumulator.numpy(), word_gradsq, rtol=1e-4)
    np.testing.assert_allclose(model.context_accumulator.numpy(), context_gradsq, rtol=1e-4)
    assert float(logs["loss"]) == pytest.approx(cost / len(triples), rel=1e-4)  # glove.c's reported cost


def test_a_batch_takes_one_adagrad_step_per_row_on_its_summed_gradient():
    model, word, context = model_with_weights(learning_rate=0.2)
    rows, cols, x = BATCH["rows"], BATCH["cols"], BATCH["counts"].astype(np.float64)
    dim = 3
    diff = (word[rows, :dim] * context[cols, :dim]).sum(1) + word[rows, dim] + context[cols, dim] - np.log(x)
    step = 0.2 * np.minimum(1.0, (x / 100.0) ** 0.75) * diff
    word_steps, context_steps = np.zeros_like(word), np.zeros_like(context)
    np.add.at(word_steps, rows, step[:, None] * np.c_[context[cols, :dim], np.ones(len(x))])
    np.add.at(context_steps, cols, step[:, None] * np.c_[word[rows, :dim], np.ones(len(x))])
    model.train_step(BATCH)
    for side, before, steps in (("word", word, word_steps), ("context", context, context_steps)):
        table = getattr(model, f"{side}_embedding").embeddings.numpy()
        np.testing.assert_allclose(table, before - steps / np.sqrt(1 + steps ** 2), rtol=1e-5, atol=1e-7)
        accumulator = getattr(model, f"{side}_accumulator").numpy()
        np.testing.assert_allclose(accumulator, 1 + steps ** 2, rtol=1e-5)
    assert model.word_embedding.embeddings.numpy()[3] == pytest.approx(word[3])  # untouched rows stay


def test_a_chunk_takes_the_steps_of_its_batches_one_by_one():
    by_chunk, word, context = model_with_weights(learning_rate=0.2)
    by_batch, _, _ = model_with_weights(learning_rate=0.2)
    rng = np.random.default_rng(5)
    batches = [{"rows": rng.integers(0, 5, 6).astype(np.int32), "cols": rng.integers(0, 5, 6).astype(np.int32),
                "counts": rng.uniform(0.5, 50, 6).astype(np.float32)} for _ in range(3)]
    weights = np.ones((3, 6), np.float32)
    weights[2, 4:] = 0.0  # the last batch padded: its last 2 counts weigh nothing
    for k, batch in enumerate(batches):
        by_batch.train_step({name: values[weights[k] > 0] for name, values in batch.items()})
    chunk = {name: np.stack([batch[name] for batch in batches]) for name in batches[0]}
    logs = by_chunk.train_chunk({**chunk, "weights": weights})
    for table in ("word_embedding", "context_embedding"):
        np.testing.assert_allclose(getattr(by_chunk, table).embeddings.numpy(),
                                   getattr(by_batch, table).embeddings.numpy(), rtol=1e-5, atol=1e-7)
    for accumulator in ("word_accumulator", "context_accumulator"):
        np.testing.assert_allclose(getattr(by_chunk, accumulator).numpy(), getattr(by_batch, accumulator).numpy(),
                                   rtol=1e-5)
    assert float(logs["loss"]) == pytest.approx(float(by_batch.loss_tracker.result()), rel=1e-5)
    assert not np.allclose(by_chunk.word_embedding.embeddings.numpy(), word)  # it did move


def test_fit_by_chunks_through_xla_trains_the_vectors_fit_by_batches_does(monkeypatch):
    corpus = planted_corpus(sentences=200)
    settings = {**SMALL, "epochs": 3}
    chunked = GloVe(**settings).fit(corpus, verbose=0)
    assert chunked.model.jit_compile  # a vocabulary this small takes the chunked step
    monkeypatch.setattr(GloVe, "CHUNKED_MAX_WORDS", 0)
    by_batch = GloVe(**settings).fit(corpus, verbose=0)
    assert not by_batch.model.jit_compile
    np.testing.assert_allclose(chunked.vectors.matrix, by_batch.vectors.matrix, rtol=1e-4, atol=1e-5)


# === Learning: a corpus with planted word groups ===
GROUPS, GROUP_SIZE, FILLERS = 6, 8, 10


def planted_corpus(seed=0, sentences=800, length=12):
    """Sentences each about one group: half their tokens from that group, half from shared filler words."""
    rng = np.random.default_rng(seed)
    fillers = [f"filler{i}" for i in range(FILLERS)]
    filler_weights = 1.0 / np.arange(1, FILLERS + 1)
    corpus = []
    for _ in range(sentences):
        group = rng.integers(GROUPS)
        tokens = [f"g{group}w{rng.integers(GROUP_SIZE)}" if rng.random() < 0.5
                  else fillers[rng.choice(FILLERS, p=filler_weights / filler_weights.sum())] for _ in range(length)]
        corpus.append(tokens)
    return corpus


def planted_agreement(vectors):
    """Spearman between the cosine of every two group words and 1 (same group) / 0 (different groups)."""
    words = [f"g{g}w{i}" for g in range(GROUPS) for i in range(GROUP_SIZE)]
    unit = np.stack([vectors[w] for w in words])
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    a, b = np.triu_indices(len(words), k=1)
    same = np.array([words[i][:2] == words[j][:2] for i, j in zip(a, b)], float)
    return spearmanr((unit[a] * unit[b]).sum(1), same).statistic


SMALL = {"output_dim": 16, "window": 5, "x_max": 10.0, "epochs": 10, "min_count": 1, "batch_size": 256, "seed": 3}


def test_trained_vectors_find_the_planted_groups_where_random_and_shuffled_corpus_vectors_do_not():
    corpus = planted_corpus()
    trained = planted_agreement(GloVe(**SMALL).fit(corpus, verbose=0).vectors)
    tokens = np.random.default_rng(1).permutation([t for sentence in corpus for t in sentence])
    shuffled_corpus = [list(tokens[i:i + 12]) for i in range(0, len(tokens), 12)]  # same words, same counts
    shuffled = planted_agreement(GloVe(**SMALL).fit(shuffled_corpus, verbose=0).vectors)
    words = [f"g{g}w{i}" for g in range(GROUPS) for i in range(GROUP_SIZE)]
    random = planted_agreement(Vectors(words, np.random.default_rng(2).normal(size=(len(words), 16))))
    # 1,128 pairs, 168 of them in one group: chance agreement is 0 +- 0.02, and similarities that put every
    # same-group pair above every other pair (without ties) score 0.62; the trained vectors score about 0.6.
    assert trained > 0.5
    assert trained > max(shuffled, random) + 0.4, (trained, shuffled, random)


def test_a_text_file_and_token_lists_train_the_same_vectors(tmp_path):
    corpus = planted_corpus(sentences=100)
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(s) for s in corpus) + "\n", encoding="utf-8")
    settings = {**SMALL, "epochs": 2}
    from_lists = GloVe(**settings).fit(corpus, verbose=0).vectors
    from_file = GloVe(**settings).fit(path, verbose=0).vectors
    assert from_file.keys == from_lists.keys
    np.testing.assert_array_equal(from_file.matrix, from_lists.matrix)


# === Save, load, resume ===
def test_save_and_load_round_trip(tmp_path):
    glove = GloVe(**{**SMALL, "epochs": 2}).fit(planted_corpus(sentences=100), verbose=0)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "stale.txt").write_text("replaced by the save")
    folder = glove.save(tmp_path / "model")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temporary folder left
    assert sorted(p.name for p in folder.iterdir()) == ["glove.json", "model.weights.h5", "vectors.txt"]
    loaded = GloVe.load(folder)
    assert {name: getattr(loaded, name) for name in json.loads((folder / "glove.json").read_text())["settings"]} \
        == {**SMALL, "epochs": 2, "alpha": 0.75, "learning_rate": 0.05}
    assert loaded.vectors.keys == glove.vectors.keys
    np.testing.assert_array_equal(loaded.vectors.matrix, glove.vectors.matrix)
    for mine, theirs in zip(loaded.model.weights, glove.model.weights):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_array_equal(loaded.counts, glove.counts)
    np.testing.assert_array_equal(Vectors.load(folder / "vectors.txt").matrix, glove.vectors.matrix)


def test_settings_saved_under_the_old_name_dim_still_load(tmp_path):
    corpus = Corpus.build(planted_corpus(sentences=50), min_count=1, progress=False)
    glove = GloVe(**SMALL)
    glove.words, glove.counts = list(corpus.words), corpus.counts
    glove.model = glove.build_model()
    folder = glove.save(tmp_path / "model")
    saved = json.loads((folder / "glove.json").read_text())
    saved["settings"] = {("dim" if k == "output_dim" else k): v for k, v in saved["settings"].items()}
    (folder / "glove.json").write_text(json.dumps(saved))  # as an older version wrote it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = GloVe.load(folder)
    assert not [w for w in caught if "is deprecated" in str(w.message)]  # read under the new name silently
    assert loaded.output_dim == SMALL["output_dim"]
    np.testing.assert_array_equal(loaded.vectors.matrix, glove.vectors.matrix)


def test_an_interrupted_fit_resumes_from_its_checkpoint_to_the_uninterrupted_result(tmp_path):
    corpus = Corpus.build(planted_corpus(sentences=200), min_count=1, progress=False)
    settings = {**SMALL, "epochs": 5}
    begun = []

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and self.arm:
                raise KeyboardInterrupt

    interrupt = Interrupt()
    interrupt.arm = True
    with pytest.raises(KeyboardInterrupt):
        GloVe(**settings).fit(corpus, checkpoint_dir=tmp_path / "backup", callbacks=[interrupt], verbose=0)
    assert begun == [0, 1] and any((tmp_path / "backup").iterdir())
    begun.clear()
    interrupt.arm = False
    resumed = GloVe(**settings).fit(corpus, checkpoint_dir=tmp_path / "backup", callbacks=[interrupt], verbose=0)
    assert begun == [2, 3, 4]
    uninterrupted = GloVe(**settings).fit(corpus, verbose=0)
    for mine, theirs in zip(resumed.model.weights, uninterrupted.model.weights):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)
    assert not (tmp_path / "backup").exists() or not any((tmp_path / "backup").iterdir())


# === Bad input: clear errors ===
def test_an_empty_corpus_is_a_clear_error():
    with pytest.raises(ZooInputError, match="the corpus is empty"):
        GloVe().fit([], verbose=0)


def test_a_corpus_without_a_word_reaching_min_count_is_a_clear_error():
    with pytest.raises(ZooInputError, match="min_count=5"):
        GloVe(min_count=5).fit([["a", "b", "c"], ["a", "d"]], verbose=0)


def test_a_single_token_corpus_is_a_clear_error():
    with pytest.raises(ZooInputError, match="training needs at least 2"):
        GloVe(min_count=1).fit([["hello"]], verbose=0)


def test_vectors_before_fit_and_bad_settings_are_clear_errors():
    with pytest.raises(ZooInputError, match="fit it on a corpus"):
        GloVe().vectors
    with pytest.raises(ValueError, match="output_dim must be a positive whole number"):
        GloVe(output_dim=0)
