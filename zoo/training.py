"""What the trainers share: an epoch counter for their batch generators, large arrays kept on the heap while
they train, the callbacks a trainer's `fit` runs, and the handling of renamed (deprecated) arguments."""

import ctypes
import functools
import inspect
import os
import platform
import sys
import warnings

import keras

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


class EpochCounter(keras.callbacks.Callback):
    """Tells a batch generator which epoch it makes, also after BackupAndRestore skips finished epochs.

    Output: `epoch`, the number (from 0) of the epoch `fit` is in; 0 before the first one begins.

    Example:
    ```python
    counter = EpochCounter()
    def generate():
        for epoch in range(counter.epoch, epochs):   # a resumed fit starts at its first unfinished epoch
            yield from batches_of(epoch)
    model.fit(tf.data.Dataset.from_generator(generate, ...), callbacks=[counter], ...)
    ```
    """

    epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


class LargeArraysOnTheHeap(keras.callbacks.Callback):
    """While a fit runs, glibc's malloc serves arrays up to 32 MB from its heap, as it does by default.

    Why: on the first use of a generator dataset (`tf.data.Dataset.from_generator`, which every trainer here feeds
    from), TensorFlow calls `mallopt(M_MMAP_THRESHOLD, 128 KB)` for the whole process (it logs "Memory patch
    applied"). That fixes glibc's threshold, which otherwise rises to the size of the arrays a program frees, so
    every chunk array of the batch generator, every tensor copied from it and every temporary of the step would be
    mapped anew and page-faulted on first touch (the effect on fit times: see BENCHMARKS.md, static_training).

    The setting is made after the first step, once TensorFlow has made its own, and undone at the end of the fit
    (TensorFlow's 128 KB, and glibc's default trim threshold). A fit that an exception stops gets no
    `on_train_end` from Keras, so the setting then stays: glibc goes on serving arrays up to 32 MB from its
    heap, the most its own threshold rises to when nothing fixes it. Elsewhere than glibc (macOS, Windows, musl)
    the callback does nothing. It takes no arguments.

    Example:
    ```python
    model.fit(dataset, callbacks=[LargeArraysOnTheHeap()])   # or: training_callbacks(...), which includes it
    ```
    """

    HEAP_LIMIT = 32 << 20  # glibc's own ceiling for its dynamic threshold on 64-bit systems
    TOP_KEPT = 64 << 20  # free memory the heap keeps at its top before giving it back (default 128 KB)
    RESTORED = 128 << 10  # both settings after the fit: TensorFlow's mmap threshold, glibc's default trim

    def __init__(self):
        super().__init__()
        self.libc, self.applied = _glibc(), False

    def on_train_batch_end(self, batch, logs=None):
        if self.libc is not None and not self.applied:
            self.libc.mallopt(M_MMAP_THRESHOLD, self.HEAP_LIMIT)
            self.libc.mallopt(M_TRIM_THRESHOLD, self.TOP_KEPT)
            self.applied = True

    def on_train_end(self, logs=None):
        if self.applied:
            self.libc.mallopt(M_MMAP_THRESHOLD, self.RESTORED)
            self.libc.mallopt(M_TRIM_THRESHOLD, self.RESTORED)
            self.applied = False


def _glibc():
    """The C library when it is glibc (which has mallopt), else None."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def training_callbacks(checkpoint_dir, callbacks):
    """The callbacks a trainer's `fit` passes to `Model.fit`, and the epoch counter among them.

    Args:
        checkpoint_dir: a folder for `keras.callbacks.BackupAndRestore`, so that an interrupted run started
            again resumes after its last finished epoch; None (or "") for none.
        callbacks: the caller's own callbacks (an iterable of keras.callbacks.Callback).

    Returns:
        (the EpochCounter, the list for fit): the counter; then BackupAndRestore when `checkpoint_dir` is given,
        so that a finished epoch is saved before a callback of the caller's can stop the run; then
        LargeArraysOnTheHeap; then the caller's callbacks.
    """
    counter = EpochCounter()
    backup = [keras.callbacks.BackupAndRestore(os.fspath(checkpoint_dir))] if checkpoint_dir else []
    return counter, [counter, *backup, LargeArraysOnTheHeap(), *callbacks]


def renamed_arguments(**renames):
    """A decorator that keeps renamed keyword arguments' old names as deprecated aliases for one release.

    Args:
        **renames: old name = new name, e.g. `dim="output_dim"`.

    Returns:
        The decorator. The decorated function takes an old name as its new one and emits a DeprecationWarning
        naming the new one; an old name given together with its new one (by keyword or by position) is a
        TypeError. Its signature (`inspect.signature`) is the function's own, with the new names only.

    Example:
    ```python
    class Word2Vec:
        @renamed_arguments(dim="output_dim")
        def __init__(self, mode="skipgram", output_dim=100): ...

    Word2Vec(dim=50)     # DeprecationWarning: ... use output_dim=...; the same as Word2Vec(output_dim=50)
    ```
    """
    def decorate(function):
        signature = inspect.signature(function)
        owner = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def with_old_names(*args, **kwargs):
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                value = kwargs.pop(old)
                if new in kwargs or new in signature.bind_partial(*args, **kwargs).arguments:
                    raise TypeError(f"{owner}() got both {new}= and {old}=, its deprecated alias: pass {new}= only")
                warnings.warn(f"{owner}({old}=...) is deprecated and will be removed in the next release: use "
                              f"{new}=... instead", DeprecationWarning, stacklevel=2)
                kwargs[new] = value
            return function(*args, **kwargs)

        return with_old_names

    return decorate


def with_current_names(settings, renames):
    """Settings saved by an older version, with each renamed key under its new name.

    Args:
        settings: a dict of settings (e.g. read from a saved model's JSON file).
        renames: {old name: new name}, as given to `renamed_arguments`.

    Returns:
        A new dict; where both an old and its new name are present, the new one's value wins.
    """
    current = {key: value for key, value in settings.items() if key not in renames}
    for old, new in renames.items():
        if old in settings:
            current.setdefault(new, settings[old])
    return current
