"""What the trainers share: large arrays kept on glibc's heap while a fit runs (and the setting undone after);
renamed arguments kept as deprecated aliases, and saved settings read under the new names."""

import inspect
import platform
import sys
import warnings

import keras
import pytest

from tests.static.test_word2vec import planted_corpus
from zoo import training as training
from zoo.static.word2vec import Word2Vec
from zoo.training import (M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, LargeArraysOnTheHeap, renamed_arguments,
                          with_current_names)


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


class Renamed:
    @renamed_arguments(dim="output_dim", minn="min_n")
    def __init__(self, output_dim=100, min_n=3, **kwargs):
        self.output_dim, self.min_n, self.kwargs = output_dim, min_n, kwargs


@pytest.mark.parametrize("old, new", [("dim", "output_dim"), ("minn", "min_n")])
def test_an_old_name_is_taken_as_the_new_one_with_a_warning_naming_both(old, new):
    message = rf"^Renamed\({old}=\.\.\.\) is deprecated .*: use {new}=\.\.\. instead$"
    with pytest.warns(DeprecationWarning, match=message):
        made = Renamed(**{old: 7})
    assert getattr(made, new) == 7 and made.kwargs == {}


@pytest.mark.parametrize("call", [lambda: Renamed(output_dim=5, dim=7), lambda: Renamed(5, dim=7),
                                  lambda: Renamed(5, 2, minn=7), lambda: Renamed(min_n=2, minn=7)],
                         ids=["both-by-name", "new-by-position", "second-by-position", "second-by-name"])
def test_an_old_name_with_its_new_one_is_a_type_error(call):
    with pytest.raises(TypeError, match=r"Renamed\(\) got both (output_dim= and dim=|min_n= and minn=)"):
        call()


def test_the_new_names_alone_do_not_warn_and_the_signature_is_the_functions_own():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        made = Renamed(5, min_n=2, other=1)
    assert (made.output_dim, made.min_n, made.kwargs) == (5, 2, {"other": 1})
    assert list(inspect.signature(Renamed).parameters) == ["output_dim", "min_n", "kwargs"]


@pytest.mark.parametrize("settings, expected", [
    ({"dim": 50, "window": 5}, {"output_dim": 50, "window": 5}),
    ({"output_dim": 50, "window": 5}, {"output_dim": 50, "window": 5}),
    ({"dim": 10, "output_dim": 50}, {"output_dim": 50}),  # the new name wins
    ({"minn": 2, "maxn": 4}, {"min_n": 2, "max_n": 4}),
])
def test_saved_settings_are_read_under_the_new_names(settings, expected):
    renames = {"dim": "output_dim", "minn": "min_n", "maxn": "max_n"}
    assert with_current_names(settings, renames) == expected
