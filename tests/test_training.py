"""What the trainers share: large arrays kept on glibc's heap while a fit runs (and the setting undone after).
(Renamed, deprecated arguments: tests/test_deprecation.py.)"""

import platform
import sys

import keras

from tests.static.test_word2vec import planted_corpus
from zoo import training as training
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

