"""What the trainers share: large arrays kept on glibc's heap while a fit runs (and the setting undone after),
the learning-rate schedule, the best epoch kept, bfloat16 training steps.
(Renamed, deprecated arguments: tests/test_deprecation.py.)"""

import platform
import sys

import keras
import numpy as np
import pytest

from tests.static.test_word2vec import planted_corpus
from zoo import training as training
from zoo.precision import onednn_bfloat16, onednn_bfloat16_enabled
from zoo.static.word2vec import Word2Vec
from zoo.training import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, LargeArraysOnTheHeap


class RecordedLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, parameter, value):
        self.calls.append((parameter, value))
        return 1


OURS = [(M_MMAP_THRESHOLD, 32 << 20), (M_TRIM_THRESHOLD, 64 << 20)]
UNDONE = [(M_MMAP_THRESHOLD, 128 << 10), (M_TRIM_THRESHOLD, 128 << 10)]


def test_a_fit_sets_the_heap_after_its_first_step_and_undoes_it_at_the_end(monkeypatch):
    libc = RecordedLibc()
    monkeypatch.setattr(training, "_glibc", lambda: libc)
    seen = []

    class Watch(keras.callbacks.Callback):  # runs after the trainers' own callbacks
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, list(libc.calls)))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("end", batch, list(libc.calls)))

    Word2Vec(mode="cbow", output_dim=8, min_count=1, epochs=2, batch_words=64).fit(
        planted_corpus(200), callbacks=[Watch()], verbose=0)
    assert seen[0] == ("begin", 0, [])  # TensorFlow makes its setting in the first step: ours comes after it
    assert seen[1] == ("end", 0, OURS)
    assert all(calls == OURS for _, _, calls in seen[1:])  # set once for the whole fit
    assert libc.calls == OURS + UNDONE


def test_the_settings_are_ones_glibc_takes():
    libc = training._glibc()
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        assert libc is None  # nothing to set elsewhere
        return
    for parameter, value in OURS + UNDONE:  # the last ones leave TensorFlow's setting in place
        assert libc.mallopt(parameter, value) == 1  # 0: a parameter or value glibc refuses


def test_without_glibc_the_callback_does_nothing(monkeypatch):
    monkeypatch.setattr(training, "_glibc", lambda: None)
    callback = LargeArraysOnTheHeap()
    callback.on_train_batch_end(0)
    callback.on_train_end()
    assert not callback.applied



def test_warm_up_linear_decay_rises_then_falls_to_zero_as_hugging_face_schedules_it():
    schedule = training.WarmUpLinearDecay(2e-5, total_steps=100, warmup_steps=10)
    steps = np.arange(0, 121)
    # Hugging Face's get_linear_schedule_with_warmup, written out: step / warmup, then (total - step) / (total -
    # warmup), never below 0.
    expected = 2e-5 * np.where(steps < 10, steps / 10, np.maximum(0.0, (100 - steps) / 90))
    np.testing.assert_allclose([float(schedule(s)) for s in steps], expected, rtol=1e-5, atol=1e-12)
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert copy.get_config() == {"peak": 2e-5, "total_steps": 100, "warmup_steps": 10}


def test_warm_up_linear_decay_refuses_a_warm_up_longer_than_the_training():
    with pytest.raises(ValueError, match="warmup_steps"):
        training.WarmUpLinearDecay(1e-3, total_steps=10, warmup_steps=11)


def scored_model():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.parametrize("in_a_folder", [False, True])
def test_keep_best_epoch_ends_on_the_weights_of_the_best_scored_epoch(tmp_path, in_a_folder):
    model = scored_model()
    scores = iter([1.0, 3.0, 2.0])  # the second epoch scores best
    kernels = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: kernels.append(model.get_weights()[0]))
    best = training.KeepBestEpoch(lambda: next(scores), folder=tmp_path / "best" if in_a_folder else None)
    x, y = np.ones((8, 1)), np.ones((8, 1))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[recorder, best])
    assert best.best_epoch == 1 and best.best_score == 3.0
    assert history.history["dev_score"] == [1.0, 3.0, 2.0]
    np.testing.assert_array_equal(model.get_weights()[0], kernels[1])
    assert not np.array_equal(kernels[1], kernels[2])
    assert not (tmp_path / "best").exists()  # removed once the fit has ended on the best weights


def test_keep_best_epoch_remembers_the_epochs_before_an_interruption(tmp_path):
    model = scored_model()
    x, y = np.ones((8, 1)), np.ones((8, 1))
    kernels = []

    def record_then_stop(epoch, logs):
        kernels.append(model.get_weights()[0])
        if epoch == 1:
            raise KeyboardInterrupt

    first = training.KeepBestEpoch(iter([5.0, 1.0]).__next__, folder=tmp_path / "best")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
                                                         first, keras.callbacks.LambdaCallback(
                                                             on_epoch_end=record_then_stop)])
    model = scored_model()  # a new process would start from scratch; BackupAndRestore brings epoch 1 back
    resumed = training.KeepBestEpoch(lambda: 2.0, folder=tmp_path / "best")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
                                                     resumed])
    assert resumed.scores == {0: 5.0, 1: 1.0, 2: 2.0} and resumed.best_epoch == 0
    np.testing.assert_array_equal(model.get_weights()[0], kernels[0])  # epoch 0's, from before the interruption


def test_bfloat16_steps_rewrite_training_steps_only_and_restore_the_setting_after(monkeypatch):
    monkeypatch.setattr("zoo.precision.require_bfloat16_cpu", lambda: None)  # the toggling, on any CPU
    model, seen = scored_model(), []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen.append(("step", onednn_bfloat16_enabled())),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch end", onednn_bfloat16_enabled())))
    model.fit(np.ones((8, 1)), np.ones((8, 1)), batch_size=4, epochs=2, verbose=0,
              callbacks=[training.BFloat16Steps("bfloat16"), record])
    assert seen == [("step", True), ("step", True), ("epoch end", False)] * 2
    assert not onednn_bfloat16_enabled()
    with onednn_bfloat16():  # a rewrite the caller had on stays on after the fit
        model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=1, verbose=0, callbacks=[training.BFloat16Steps()])
        assert onednn_bfloat16_enabled()
    assert not onednn_bfloat16_enabled()


def test_float32_steps_leave_the_setting_alone():
    model, seen = scored_model(), []
    record = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(onednn_bfloat16_enabled()))
    model.fit(np.ones((8, 1)), np.ones((8, 1)), batch_size=4, verbose=0,
              callbacks=[training.BFloat16Steps("float32"), record])
    assert seen == [False, False]


def stopping_after(epoch_to_stop, kernels, model):
    def record_then_stop(epoch, logs):
        kernels.append(model.get_weights()[0])
        if epoch == epoch_to_stop:
            raise KeyboardInterrupt
    return keras.callbacks.LambdaCallback(on_epoch_end=record_then_stop)


def dropout_model():
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Dropout(0.5)(inputs)))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    return model


def test_epoch_backup_resumes_as_the_uninterrupted_fit_past_a_save_killed_half_way(tmp_path):
    x, y = np.arange(32, dtype="float32").reshape(8, 4) / 32, np.ones((8, 1))
    model, kernels, begun = dropout_model(), [], []
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, verbose=0, shuffle=False,
                  callbacks=[training.EpochBackup(tmp_path), stopping_after(1, kernels, model)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-2-batch-0.weights.h5", "training_metadata.json"]
    (tmp_path / "partial-epoch-3-batch-0.weights.h5").write_bytes(b"\x89HDF\r\n")  # what a kill mid-save leaves
    model = dropout_model()
    model.fit(x, y, epochs=4, verbose=0, shuffle=False, callbacks=[
        training.EpochBackup(tmp_path, delete_checkpoint=False),
        keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: begun.append(epoch))])
    assert begun == [2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-4-batch-0.weights.h5", "training_metadata.json"]
    uninterrupted = dropout_model()
    uninterrupted.fit(x, y, epochs=4, verbose=0, shuffle=False)
    # Equal only if the dropout masks after the resumption are the uninterrupted fit's: the seed generator's state
    # is restored too (Keras' save_weights leaves it out).
    np.testing.assert_allclose(model.get_weights()[0], uninterrupted.get_weights()[0], rtol=1e-6)


def test_epoch_backup_deletes_its_folder_once_the_fit_ends(tmp_path):
    scored_model().fit(np.ones((8, 1)), np.ones((8, 1)), epochs=2, verbose=0,
                       callbacks=[training.EpochBackup(tmp_path / "run")])
    assert not (tmp_path / "run").exists()


def test_keep_best_epoch_scores_the_restored_epoch_when_a_kill_came_before_its_score(tmp_path):
    x, y = np.ones((8, 1)), np.ones((8, 1))
    model, kernels = scored_model(), []
    first = training.KeepBestEpoch(iter([1.0, 5.0]).__next__, folder=tmp_path / "best")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[training.EpochBackup(tmp_path / "backup"), first,
                                                         stopping_after(1, kernels, model)])
    (tmp_path / "best" / "scores.json").write_text('{"0": 1.0}')  # killed after the backup, before the score
    model = scored_model()
    resumed = training.KeepBestEpoch(iter([4.0, 2.0]).__next__, folder=tmp_path / "best")
    model.fit(x, y, epochs=3, verbose=0, callbacks=[training.EpochBackup(tmp_path / "backup"), resumed])
    assert resumed.scores == {0: 1.0, 1: 4.0, 2: 2.0} and resumed.best_epoch == 1
    np.testing.assert_array_equal(model.get_weights()[0], kernels[1])


def test_keep_best_epoch_stops_after_patience_epochs_without_a_better_score():
    model = scored_model()
    best = training.KeepBestEpoch(iter([1.0, 3.0, 2.0, 2.5, 9.0]).__next__, patience=2)
    history = model.fit(np.ones((8, 1)), np.ones((8, 1)), epochs=5, verbose=0, callbacks=[best])
    assert history.history["dev_score"] == [1.0, 3.0, 2.0, 2.5] and best.best_epoch == 1
