"""Word2Vec and FastText: the hand-written update against autodiff, the training pairs against a plain loop,
learning on a corpus with planted structure (against random and shuffled-corpus vectors, and gensim), resuming,
saving, and bad input."""

import json
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from zoo.errors import ZooDataError, ZooInputError
from zoo.static.corpus import Corpus
from zoo.static.fasttext import FastText
from zoo.static.glove import GloVe
from zoo.static.negative_sampling_model import NegativeSamplingModel, stack_batches
from zoo.static.vectors import pearson, rank
from zoo.static.word2vec import CHUNK_BATCHES, Word2Vec

GROUPS, GROUP_SIZE = 8, 12
# Word names carry no hint of their topic (FastText would read it from shared n-grams otherwise).
WORDS = ["".join(letters) for letters in np.random.default_rng(42).choice(list("abcdefghijklmnopqrstuvwxyz"),
                                                                          (GROUPS * GROUP_SIZE, 6))]


def planted_corpus(sentences=1500, length=12, seed=0, shuffled=False):
    """Sentences that each draw their words from one of 8 topics of 12 words: words of a topic share contexts.
    `shuffled`: the same tokens in random order across sentences, which destroys the structure."""
    rng = np.random.default_rng(seed)
    topics = rng.integers(0, GROUPS, sentences)
    tokens = [[WORDS[t * GROUP_SIZE + i] for i in rng.integers(0, GROUP_SIZE, length)] for t in topics]
    if shuffled:
        flat = [token for sentence in tokens for token in sentence]
        rng.shuffle(flat)
        tokens = [flat[i:i + length] for i in range(0, len(flat), length)]
    return tokens


def planted_spearman(vectors):
    """Spearman between cosine similarity and 'same topic' over all word pairs."""
    unit = np.stack([vectors[w] / np.linalg.norm(vectors[w]) for w in WORDS])
    upper = np.triu_indices(len(WORDS), 1)
    same = np.equal.outer(np.repeat(np.arange(GROUPS), GROUP_SIZE), np.repeat(np.arange(GROUPS), GROUP_SIZE))
    return pearson(rank(same[upper]), rank((unit @ unit.T)[upper]))


SMALL = {"output_dim": 24, "window": 3, "negative": 5, "min_count": 1, "sample": 0, "epochs": 3, "batch_words": 64}
EVERY_TRAINER = pytest.mark.parametrize("trainer", [lambda: Word2Vec(mode="skipgram", **SMALL),
                                                    lambda: Word2Vec(mode="cbow", **SMALL),
                                                    lambda: FastText(mode="skipgram", bucket=5000, **SMALL),
                                                    lambda: FastText(mode="cbow", bucket=5000, **SMALL)],
                                        ids=["skipgram", "cbow", "fasttext-skipgram", "fasttext-cbow"])


@EVERY_TRAINER
def test_it_learns_planted_structure_that_random_and_shuffled_vectors_lack(trainer):
    trained = planted_spearman(trainer().fit(planted_corpus(), verbose=0).vectors)
    shuffled = planted_spearman(trainer().fit(planted_corpus(shuffled=True), verbose=0).vectors)
    rng = np.random.default_rng(1)
    random = planted_spearman({word: rng.standard_normal(24) for word in WORDS})
    assert trained > 0.5 and trained > shuffled + 0.4 and trained > random + 0.4, (trained, shuffled, random)


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_it_matches_gensim_on_the_planted_corpus(mode):
    from gensim.models import Word2Vec as GensimWord2Vec

    corpus = planted_corpus()
    ours = planted_spearman(Word2Vec(mode=mode, **SMALL).fit(corpus, verbose=0).vectors)
    theirs = GensimWord2Vec(corpus, vector_size=24, window=3, negative=5, min_count=1, sample=0, epochs=3,
                            sg=int(mode == "skipgram"), workers=1, seed=1).wv
    assert ours > planted_spearman(theirs) - 0.03


def _loss(hidden, outputs, batch):
    """The negative-sampling loss of a batch, written plainly (the model's step must follow its gradient)."""
    positive = tf.einsum("cd,ckd->ck", hidden, tf.gather(outputs, batch["positive_ids"]))
    groups = len(batch["noise_ids"])
    noise = tf.einsum("gkd,gsd->gks", tf.reshape(hidden, [groups, -1, hidden.shape[1]]),
                      tf.gather(outputs, batch["noise_ids"]))
    return -(tf.reduce_sum(batch["positive_weights"] * tf.math.log_sigmoid(positive))
             + tf.reduce_sum(batch["noise_weights"].reshape(groups, -1, 1) * tf.math.log_sigmoid(-noise)))


def test_the_hand_written_update_follows_the_gradient_of_the_loss():
    rng = np.random.default_rng(0)
    # The plain summed step (tests/static/test_high_learning_rate.py checks the sequential scaling on top of it)
    model = NegativeSamplingModel(input_rows=10, output_rows=7, output_dim=4, sequential_scaling=False)
    model.output_vectors.assign(rng.normal(0, 0.3, (7, 4)).astype(np.float32))  # small: no score beyond 6
    batch = {  # 4 examples in 2 groups of 2, sharing 3 noise words a group; repeated rows on purpose
        "input_ids": np.array([1, 2, 2, 5, 9], np.int32), "input_examples": np.array([0, 1, 1, 2, 3], np.int32),
        "input_weights": np.array([1, .5, .5, 1, 1], np.float32),
        "input_update_weights": np.array([1, 1, 1, 1, .5], np.float32),
        "positive_ids": np.array([[3, 4], [3, 3], [0, 5], [6, 1]], np.int32),
        "positive_weights": np.array([[1, 1], [1, 0], [1, 0.25], [0.5, 0]], np.float32),
        "noise_ids": np.array([[6, 5, 3], [1, 1, 2]], np.int32),
        "noise_weights": np.array([0.5, 1, 0.25, 2], np.float32), "learning_rate": np.float32(0.1)}
    before_in, before_out = model.input_vectors.numpy(), model.output_vectors.numpy()

    # The reference, by autodiff: the gradient for the output rows, and for each example's hidden vector.
    hidden = tf.Variable(tf.math.unsorted_segment_sum(
        tf.gather(before_in, batch["input_ids"]) * batch["input_weights"][:, None], batch["input_examples"], 4))
    outputs = tf.Variable(before_out)
    with tf.GradientTape() as tape:
        loss = _loss(hidden, outputs, batch)
    d_hidden, d_outputs = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, [hidden, outputs])]
    expected_in = before_in.copy()  # each input row takes its example's hidden gradient times its update weight
    for row, example, weight in zip(batch["input_ids"], batch["input_examples"], batch["input_update_weights"]):
        expected_in[row] -= 0.1 * weight * d_hidden[example]

    _, inputs, outputs = model.update({key: tf.constant(value) for key, value in batch.items()},
                                      tf.constant(before_in), tf.constant(before_out))
    np.testing.assert_allclose(outputs.numpy(), before_out - 0.1 * d_outputs, atol=1e-6)
    np.testing.assert_allclose(inputs.numpy(), expected_in, atol=1e-6)
    assert np.abs(d_outputs).sum() > 0.1 and np.abs(expected_in - before_in).sum() > 0.01


@pytest.mark.parametrize("trainer", [lambda: Word2Vec(mode="skipgram", batch_words=64, min_count=1),
                                     lambda: Word2Vec(mode="cbow", batch_words=64, min_count=1),
                                     lambda: FastText(mode="skipgram", bucket=3000, batch_words=64, min_count=1),
                                     lambda: FastText(mode="cbow", bucket=3000, batch_words=64, min_count=1)],
                         ids=["skipgram", "cbow", "fasttext-skipgram", "fasttext-cbow"])
def test_a_chunk_through_xla_updates_as_its_batches_one_by_one(trainer):
    from zoo.static.negative_sampling_model import padded_size

    trainer = trainer()
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    model = trainer.build_model()
    batches = list(trainer.epoch_batches(0, CHUNK_BATCHES))  # the text ends first: the last batches are empty
    sizes = {"input": 8192}  # a run's padding only grows: FastText's chunk gets rows far past its own longest
    chunk = stack_batches(batches, sizes)
    if isinstance(trainer, FastText):  # packed n-gram rows, padded
        assert sizes["input"] == 8192 and chunk["input_ids"].shape == (CHUNK_BATCHES, 8192)
        smaller = stack_batches(batches, {"input": 32})  # too small for this chunk: raised to fit
        assert smaller["input_ids"].shape[1] == padded_size(max(len(b["input_ids"]) for b in batches)) >= 512
    else:  # Word2Vec's grid: nothing padded
        assert chunk["input_ids"].shape == (CHUNK_BATCHES, *batches[0]["input_ids"].shape)
    with_pairs = [k for k, batch in enumerate(batches) if batch["noise_weights"].any()]
    assert chunk["batches"] == with_pairs[-1] + 1 < CHUNK_BATCHES  # the step skips the empty batches at the end

    inputs, outputs = model.input_vectors.value, model.output_vectors.value
    for batch in batches:  # unpadded, one at a time, no XLA, the empty ones too
        features = {key: tf.constant(value) for key, value in batch.items()}
        _, inputs, outputs = model.update(features, inputs, outputs)
    tf.function(model.train_step, jit_compile=True)({k: tf.constant(v) for k, v in chunk.items()})
    np.testing.assert_allclose(model.input_vectors.numpy(), inputs.numpy(), atol=1e-6)
    np.testing.assert_allclose(model.output_vectors.numpy(), outputs.numpy(), atol=1e-6)
    assert np.abs(outputs.numpy()).sum() > 0.01


def assert_same_updates(model, reference, *others):
    """`model.update` on each batch of `others` gives the tables and loss it gives on `reference`, from one start
    (output rows random, so that inputs move too), and the inputs do move."""
    model.reports_loss = True  # the loss as well (the trainers' models leave it out unless asked)
    model.output_vectors.assign(np.random.default_rng(0).normal(0, 0.1, model.output_vectors.shape))
    start = (model.input_vectors.value, model.output_vectors.value)
    expected = model.update({k: tf.constant(v) for k, v in reference.items()}, *start)
    for batch in others:
        loss, inputs, outputs = model.update({k: tf.constant(v) for k, v in batch.items()}, *start)
        np.testing.assert_allclose(inputs.numpy(), expected[1].numpy(), atol=1e-6)
        np.testing.assert_allclose(outputs.numpy(), expected[2].numpy(), atol=1e-6)
        np.testing.assert_allclose(loss.numpy(), expected[0].numpy(), rtol=1e-5)
    assert np.abs(expected[1].numpy() - start[0].numpy()).sum() > 1e-3


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_input_rows_as_a_grid_update_as_the_same_rows_packed(mode):
    """Word2Vec's grid of input rows against the packed form, which the autodiff test above checks."""
    trainer = Word2Vec(mode=mode, batch_words=64, min_count=1)
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    grid = next(trainer.epoch_batches(0, CHUNK_BATCHES))
    examples, slot = np.nonzero(grid["input_update_weights"] > -1)  # every cell, weight 0 ones too
    grid = {k: v for k, v in grid.items() if k not in ("input_cells", "input_cell_weights")}  # CBOW's: grid only
    packed = {**grid, "input_ids": grid["input_ids"][examples, slot], "input_examples": examples.astype(np.int32),
              "input_weights": grid["input_weights"][examples, slot],
              "input_update_weights": grid["input_update_weights"][examples, slot]}
    assert_same_updates(trainer.build_model(), packed, grid)


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_fasttext_pads_to_the_longest_batch_of_the_run_counted_ahead(mode):
    trainer = FastText(mode=mode, bucket=5000, **SMALL)
    trainer.sample = 1e-2  # subsampling on: each epoch keeps other words, so its batches differ
    trainer.set_corpus(Corpus.build(planted_corpus(300), min_count=1, progress=False))
    trainer.build_model()  # the n-gram rows
    steps = trainer.steps_per_epoch() * CHUNK_BATCHES
    longest = max(len(batch["input_ids"]) for epoch in range(trainer.epochs)
                  for batch in trainer.epoch_batches(epoch, steps))
    assert longest > 2 * trainer.batch_words  # n-gram rows: several a centre word
    assert trainer.padded_sizes(range(trainer.epochs), steps) == {"input": -(-longest // 64) * 64}


@pytest.mark.parametrize("window", [1, 2, 5])
def test_cbow_pads_its_listed_cells_to_a_bound_no_batch_of_the_run_passes(window):
    trainer = Word2Vec(mode="cbow", **dict(SMALL, window=window))
    trainer.sample = 0  # every word kept: the most cells
    planted = planted_corpus(300)
    long_sentences = [sum(planted[k:k + 30], []) for k in range(0, len(planted), 30)]  # few sentence edges
    trainer.set_corpus(Corpus.build(long_sentences, min_count=1, progress=False))
    steps = trainer.steps_per_epoch() * CHUNK_BATCHES
    cells = [len(batch["input_cells"]) for epoch in range(trainer.epochs)
             for batch in trainer.epoch_batches(epoch, steps)]
    size = trainer.padded_sizes(range(trainer.epochs), steps)["cells"]
    grid = trainer.batch_words * 2 * window
    # The bound, worked out here by enumeration: 2 r for r uniform on 1..window; the mean plus 6 deviations.
    mean = trainer.batch_words * sum(2 * r for r in range(1, window + 1)) / window
    variance = trainer.batch_words * (sum((2 * r) ** 2 for r in range(1, window + 1)) / window
                                      - (mean / trainer.batch_words) ** 2)
    assert size == min(-(-int(np.ceil(mean + 6 * variance ** 0.5)) // 64) * 64, grid)
    assert max(cells) <= size <= grid
    assert max(cells) > 0.8 * mean  # full batches of long sentences: near the mean, so the bound is no loose guess


def test_fasttext_packs_the_rows_of_distinct_centre_words_once_and_that_changes_nothing():
    trainer = FastText(mode="skipgram", bucket=3000, batch_words=64, min_count=1)
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    model = trainer.build_model()
    rng = np.random.default_rng(0)
    centre = np.repeat(rng.integers(0, len(trainer.corpus), 32), 2).astype(np.int32)  # each word twice or more
    window_ids = rng.integers(0, len(trainer.corpus), (64, 6)).astype(np.int32)
    pairs = rng.random((64, 6)) < 0.7
    noise_ids = rng.integers(0, len(trainer.corpus), (4, 16)).astype(np.int32)
    distinct = trainer.examples(centre, window_ids, pairs, noise_ids, np.float32(0.05))
    np.testing.assert_array_equal(np.unique(centre)[distinct["input_slots"]], centre)
    # The same batch with every centre word's rows packed for it, as an own example.
    rows, examples, lengths = trainer.expand(centre, np.arange(len(centre)))
    every = {**{k: v for k, v in distinct.items() if k != "input_slots"}, "input_ids": rows,
             "input_examples": examples.astype(np.int32),
             "input_weights": np.repeat(1 / lengths, lengths).astype(np.float32),
             "input_update_weights": np.ones(len(rows), np.float32)}
    assert len(distinct["input_ids"]) <= len(rows) / 2
    assert_same_updates(model, every, distinct)


def test_cbow_scatters_only_the_input_cells_that_hold_pairs_and_that_changes_nothing():
    trainer = Word2Vec(mode="cbow", batch_words=64, min_count=1)
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    listed = next(trainer.epoch_batches(0, CHUNK_BATCHES))
    np.testing.assert_array_equal(listed["input_cells"], np.flatnonzero(listed["input_update_weights"]))
    assert 0 < len(listed["input_cells"]) < listed["input_ids"].size  # reduced windows leave cells empty
    every_cell = {k: v for k, v in listed.items() if k not in ("input_cells", "input_cell_weights")}
    padded = stack_batches([listed], {"cells": len(listed["input_cells"]) + 64})  # padding weighs nothing
    padded = {k: v[0] for k, v in padded.items() if k != "batches"}
    assert_same_updates(trainer.build_model(), every_cell, listed, padded)


@pytest.mark.parametrize("length, steps", [(1000, 20), (1024, 16), (17, 3), (0, 2)])
def test_each_position_is_in_one_batch_and_a_batch_spreads_over_the_text(length, steps):
    layout = Word2Vec(batch_words=64).batch_positions(length, steps)
    assert layout.shape == (steps, 64)
    present = layout[layout < length]
    np.testing.assert_array_equal(np.sort(present), np.arange(length))  # every position once
    assert np.all(layout[layout >= length] == length)
    needed = -(-length // 64)
    for k in range(needed):  # batch k: k, k + needed, k + 2 needed, ...
        row = layout[k][layout[k] < length]
        np.testing.assert_array_equal(row, k + needed * np.arange(len(row)))
    assert np.all(layout[needed:] == length)  # the batches the text does not need are empty
    with pytest.raises(RuntimeError, match="more than 1 batches of 64"):
        Word2Vec(batch_words=64).batch_positions(65, 1)


@pytest.mark.parametrize("sentences", [40, 300])
def test_the_room_for_an_epoch_holds_every_epochs_kept_words_and_no_more_than_it_needs(sentences):
    trainer = Word2Vec(sample=1e-3, min_count=1)  # keeps about 40% of each word of the planted corpus
    trainer.set_corpus(Corpus.build(planted_corpus(sentences), min_count=1, progress=False))
    kept = np.array([len(trainer.epoch_text(epoch)[1]) for epoch in range(300)])
    most = trainer.most_kept_words()
    assert kept.max() <= most < kept.mean() + 10 * kept.std()  # the spread measured, not assumed
    assert trainer.steps_per_epoch() * CHUNK_BATCHES * trainer.batch_words >= most


def test_the_batches_come_without_tf_data_autotuning():
    """With autotuning, deleting the iterator at the end of fit waited for its sleeping tuning thread (up to 10 s;
    every third or fourth fit here, seen in gdb): nothing in this pipeline has a knob to tune."""
    from zoo.training import EpochCounter

    trainer = Word2Vec(**SMALL)
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    assert trainer.dataset(EpochCounter()).options().autotune.enabled is False


@EVERY_TRAINER
def test_the_dataset_signature_made_from_made_up_words_fits_the_real_chunks(trainer):
    from zoo.training import EpochCounter

    trainer = trainer()
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    trainer.model = trainer.build_model()  # FastText's n-gram rows
    signature = trainer.dataset(EpochCounter()).element_spec
    steps = trainer.steps_per_epoch() * CHUNK_BATCHES
    real = stack_batches(list(trainer.epoch_batches(0, steps))[:CHUNK_BATCHES], trainer.padded_sizes([0], steps))
    assert set(signature) == set(real)
    for key, spec in signature.items():
        assert spec.is_compatible_with(tf.constant(real[key])), (key, spec, real[key].dtype, real[key].shape)


def test_with_window_1_and_no_subsampling_the_pairs_are_all_neighbours_within_sentences():
    corpus = Corpus.build([["a", "b", "c"], ["d", "a"], ["b"], ["c", "d", "a", "b"]], min_count=1, progress=False)
    trainer = Word2Vec(window=1, sample=0, batch_words=16, group=16, min_count=1)
    trainer.set_corpus(corpus)
    batches = list(trainer.epoch_batches(0, trainer.steps_per_epoch() * CHUNK_BATCHES))
    pairs = sorted((corpus.words[b["input_ids"][e, 0]], corpus.words[b["positive_ids"][e, k]])
                   for b in batches for e, k in zip(*np.nonzero(b["positive_weights"])))
    expected = sorted((s[i], s[j]) for s in [["a", "b", "c"], ["d", "a"], ["c", "d", "a", "b"]]
                      for i in range(len(s)) for j in (i - 1, i + 1) if 0 <= j < len(s))
    assert pairs == expected  # the one-word sentence ["b"] gives nothing


def test_an_interrupted_training_resumes_to_the_same_vectors(tmp_path):
    class StopAfterSecondEpoch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    settings = dict(SMALL, epochs=4)
    with pytest.raises(KeyboardInterrupt):
        Word2Vec(**settings).fit(planted_corpus(), checkpoint_dir=tmp_path / "backup",
                                 callbacks=[StopAfterSecondEpoch()], verbose=0)
    begun = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)

    resumed = Word2Vec(**settings).fit(planted_corpus(), checkpoint_dir=tmp_path / "backup", callbacks=[Record()],
                                       verbose=0)
    assert begun == [2, 3]
    straight = Word2Vec(**settings).fit(planted_corpus(), verbose=0)
    np.testing.assert_allclose(resumed.vectors.matrix, straight.vectors.matrix, atol=1e-5)


@pytest.mark.parametrize("kind", [Word2Vec, lambda **kw: FastText(bucket=3000, **kw)])
def test_the_loss_is_reported_only_when_asked_and_its_computation_changes_nothing(kind):
    class Record(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.logs = []

        def on_epoch_end(self, epoch, logs=None):
            self.logs.append(dict(logs))

    runs = {}
    for compute_loss in (False, True):
        record = Record()
        trainer = kind(**dict(SMALL, compute_loss=compute_loss)).fit(planted_corpus(200), callbacks=[record], verbose=0)
        runs[compute_loss] = (trainer.vectors.matrix, [epoch.get("loss") for epoch in record.logs])
    np.testing.assert_array_equal(runs[False][0], runs[True][0])
    assert runs[False][1] == [None] * SMALL["epochs"]
    losses = runs[True][1]
    assert all(0 < loss < 10 for loss in losses) and losses[-1] < losses[0]  # per positive pair, falling


@pytest.mark.parametrize("kind", [Word2Vec, lambda **kw: FastText(bucket=3000, **kw)])
def test_save_and_load_round_trip(tmp_path, kind):
    trained = kind(**dict(SMALL, epochs=1)).fit(planted_corpus(200), verbose=0)
    loaded = type(trained).load(trained.save(tmp_path / "model"))
    assert type(loaded) is type(trained)
    # the learning rate the default rule gave is saved, so that a loaded trainer builds the same step
    assert trained.settings["alpha"] is None and loaded.settings == {**trained.settings, "alpha": trained.alpha}
    assert loaded.alpha == trained.alpha == Word2Vec.default_alpha("skipgram", trained.corpus.total_words)
    assert loaded.vectors.keys == trained.vectors.keys
    np.testing.assert_array_equal(loaded.vectors.matrix, trained.vectors.matrix)
    if isinstance(trained, FastText):
        np.testing.assert_array_equal(loaded.vectors["unseen"], trained.vectors["unseen"])


def test_loading_weights_of_another_shape_names_the_file(tmp_path):
    trained = FastText(bucket=3000, **dict(SMALL, epochs=1)).fit(planted_corpus(200), verbose=0)
    folder = trained.save(tmp_path / "model")
    whole = trained.input_table()  # fastText's whole table, as a FastText saved before it trained used rows only
    np.savez(folder / "weights.npz", input_vectors=whole, output_vectors=trained.model.output_vectors.numpy())
    with pytest.raises(ZooDataError, match=r"weights.npz: input_vectors is \(3096, 24\), but this FastText"):
        FastText.load(folder)


@pytest.mark.parametrize("saved, loader", [(Word2Vec, FastText), (lambda **kw: FastText(bucket=3000, **kw), Word2Vec)])
def test_loading_with_another_trainers_class_names_the_right_one(tmp_path, saved, loader):
    folder = saved(**dict(SMALL, epochs=1)).fit(planted_corpus(200), verbose=0).save(tmp_path / "model")
    other = "FastText" if loader is Word2Vec else "Word2Vec"
    with pytest.raises(ZooDataError, match=rf"settings.json: saved by {other}, not {loader.__name__}: load it with "
                       rf"zoo.static.{other}.load"):
        loader.load(folder)


@pytest.mark.parametrize("corpus, message", [
    ([], "the corpus is empty"),
    ([["a", "b"], ["c"]], "0 word(s) occurring min_count=5"),
    ([["word"] * 10], "1 word(s) occurring min_count=5"),
    (["not", "token lists"], "corpus item 1 is not a list of string tokens"),
])
def test_bad_corpora_are_clear_errors(corpus, message):
    with pytest.raises(ZooInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Word2Vec().fit(corpus, verbose=0)


@pytest.mark.parametrize("trainer", [Word2Vec, FastText, GloVe])
def test_a_corpus_file_that_is_not_utf8_names_the_line(tmp_path, trainer):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"a b c\nd \xff e\n")
    with pytest.raises(ZooDataError, match=r"corpus.txt:2: not UTF-8"):
        trainer(min_count=1).fit(path, verbose=0)


def test_fasttext_vectors_of_unseen_words_come_from_the_trained_ngram_rows():
    trainer = FastText(bucket=3000, **SMALL).fit(planted_corpus(300), verbose=0)
    vectors = trainer.vectors
    table, words = trainer.input_table(), len(trainer.corpus)
    from gensim.models.fasttext import ft_ngram_hashes  # the independent reference for fastText's n-grams

    expected = table[[words + h for h in ft_ngram_hashes("unseenword", 3, 6, 3000)]].mean(axis=0)
    np.testing.assert_allclose(vectors["unseenword"], expected, atol=1e-6)
    known = [trainer.corpus.index[WORDS[0]]] + [words + h for h in ft_ngram_hashes(WORDS[0], 3, 6, 3000)]
    np.testing.assert_allclose(vectors[WORDS[0]], table[known].mean(axis=0), atol=1e-6)
    # The model trains only the used rows, packed: the same rows as fastText's table at gensim's hashes.
    assert len(trainer.table_rows) < words + 3000 and trainer.model.input_vectors.shape[0] == len(trainer.table_rows)
    first, end = trainer.row_starts[trainer.corpus.index[WORDS[0]]:][:2]
    trained = trainer.model.input_vectors.numpy()[trainer.rows[first:end]]
    np.testing.assert_array_equal(np.sort(trained, axis=0), np.sort(table[known], axis=0))
    unused = np.setdiff1d(np.arange(words + 3000), trainer.table_rows)
    assert 0 < np.abs(table[unused]).max() <= 0.5 / 24  # as initialised, uniform in +-0.5 / output_dim


# === Renamed arguments: the old names work for one more release, with a DeprecationWarning ===
RENAMED = pytest.mark.parametrize("trainer, old, new, value", [
    (Word2Vec, "dim", "output_dim", 24), (FastText, "dim", "output_dim", 24), (FastText, "minn", "min_n", 2),
    (FastText, "maxn", "max_n", 5), (GloVe, "dim", "output_dim", 24),
], ids=["word2vec-dim", "fasttext-dim", "fasttext-minn", "fasttext-maxn", "glove-dim"])
OLD_NAMES = {"output_dim": "dim", "min_n": "minn", "max_n": "maxn"}


def ours(caught):
    """The deprecation warnings of renamed arguments among `caught`."""
    return [w for w in caught if issubclass(w.category, DeprecationWarning) and "is deprecated" in str(w.message)]


@RENAMED
def test_an_old_argument_name_still_works_and_warns_naming_the_new_one(trainer, old, new, value):
    with pytest.warns(DeprecationWarning, match=rf"{trainer.__name__}\({old}=\.\.\.\) is deprecated .* use {new}=") \
            as caught:
        old_style = trainer(**{old: value})
    assert [w.filename for w in ours(caught)] == [__file__]  # the warning points at the caller's line
    assert getattr(old_style, new) == value
    with pytest.warns(DeprecationWarning, match=rf"{trainer.__name__}\.{old} is deprecated"):
        assert getattr(old_style, old) == value  # the old attribute name reads the new one, for one release
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        new_style = trainer(**{new: value})
    assert ours(caught) == []
    assert vars(old_style) == vars(new_style)  # settings included: saved under the new name


@RENAMED
def test_an_old_and_a_new_argument_name_together_are_a_type_error(trainer, old, new, value):
    with pytest.raises(TypeError, match=rf"{trainer.__name__}\(\) got both {new}= and {old}="):
        trainer(**{old: value, new: value})


@pytest.mark.parametrize("make", [lambda: Word2Vec("cbow", 24, dim=24), lambda: FastText("cbow", 24, 3, dim=24),
                                  lambda: FastText("cbow", 24, 3, minn=3), lambda: GloVe(24, dim=24)],
                         ids=["word2vec", "fasttext-dim", "fasttext-minn", "glove"])
def test_the_new_argument_given_by_position_and_the_old_one_by_name_are_a_type_error(make):
    with pytest.raises(TypeError, match="got both"):
        make()


def test_the_signatures_show_the_new_names_only():
    import inspect

    for trainer, names in ((Word2Vec, {"output_dim"}), (FastText, {"output_dim", "min_n", "max_n"}),
                           (GloVe, {"output_dim"})):
        parameters = set(inspect.signature(trainer).parameters)
        assert names <= parameters and not parameters & {"dim", "minn", "maxn"}


@pytest.mark.parametrize("kind", [Word2Vec, lambda **kw: FastText(bucket=3000, **kw)], ids=["word2vec", "fasttext"])
def test_settings_saved_under_the_old_names_still_load(tmp_path, kind):
    trainer = kind(**SMALL)
    trainer.set_corpus(Corpus.build(planted_corpus(60), min_count=1, progress=False))
    trainer.model = trainer.build_model()
    folder = trainer.save(tmp_path / "model")
    settings = json.loads((folder / "settings.json").read_text())
    (folder / "settings.json").write_text(json.dumps({OLD_NAMES.get(k, k): v for k, v in settings.items()}))
    assert "dim" in json.loads((folder / "settings.json").read_text())  # as an older version wrote it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = type(trainer).load(folder)
    assert ours(caught) == []  # nothing the user could change: the file is read under the new names silently
    assert loaded.settings == {**trainer.settings, "alpha": trainer.alpha} and loaded.output_dim == 24
    np.testing.assert_array_equal(loaded.vectors.matrix, trainer.vectors.matrix)
