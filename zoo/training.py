"""What the trainers share: an epoch counter for their batch generators, large arrays kept on the heap while
they train, and the callbacks a trainer's `fit` runs. (Renamed, deprecated arguments: zoo/deprecation.py.)"""

import ctypes
import os
import platform
import sys

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

