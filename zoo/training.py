"""What the trainers share: an epoch counter for their batch generators, large arrays kept on the heap while
they train, each finished epoch saved so that a run killed at any instant resumes (EpochBackup), the callbacks a
trainer's `fit` runs, a learning rate with warm-up and linear decay, the best epoch on a development set kept
(with patience), training steps in bfloat16. (Renamed, deprecated arguments: zoo/deprecation.py.)"""

import ctypes
import json
import os
import platform
import shutil
import sys
from pathlib import Path

import keras

from zoo.precision import TRAINING_PRECISIONS, check_precision, onednn_bfloat16_enabled, set_onednn_bfloat16

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


class EpochBackup(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that a kill at any instant (SIGKILL, a power cut) cannot spoil.

    Keras writes `latest.weights.h5` in place, then `training_metadata.json`. A process killed during the first
    write leaves weights that do not load, so the run started again fails; one killed between the two leaves
    epoch N+1's weights under epoch N's number, so the run started again trains epoch N+1 a second time on
    weights that have seen it. Here each save writes its weights to a temporary file renamed into place, then the
    metadata (epoch, batch and the weights file's name) the same way, and only then removes the previous weights:
    the metadata always names whole weights of the epoch it states, and a run started again resumes from exactly
    the last finished epoch. The metadata also keeps the seed generators' states (Dropout's), which
    `save_weights` leaves out, so that a resumed fit draws the masks the uninterrupted one would. A folder in
    Keras' own layout (no weights name in the metadata) still resumes.

    Args: those of `keras.callbacks.BackupAndRestore` (backup_dir, save_freq, delete_checkpoint);
    `double_checkpoint` is not needed and not taken.

    Example:
    ```python
    model.fit(dataset, epochs=8, callbacks=[EpochBackup("runs/my-run")])   # killed, started again: resumes
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__(os.fspath(backup_dir), save_freq=save_freq, delete_checkpoint=delete_checkpoint)

    def _save_model(self):
        folder = Path(self.backup_dir)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"epoch-{self._current_epoch}-batch-{self._last_batch_seen}.weights.h5"
        save_weights_atomically(self.model, folder / name)
        metadata = {"epoch": self._current_epoch, "batch": self._last_batch_seen, "weights": name,
                    "random_states": [v.numpy().tolist() for v in _random_states(self.model)]}
        write_atomically(Path(self._training_metadata_path), json.dumps(metadata))
        for stale in folder.glob("*.weights.h5"):  # earlier saves, and the partial file of a killed one
            if stale.name != name:
                stale.unlink()

    def _load_model(self):
        metadata_path = Path(self._training_metadata_path)
        if not metadata_path.is_file():
            return super()._load_model()  # nothing saved yet
        metadata = json.loads(metadata_path.read_text())
        if "weights" not in metadata:
            return super()._load_model()  # Keras' own layout
        if not self.model.built:
            raise ValueError(f"EpochBackup needs a built model before fit() resumes from {self.backup_dir}")
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)  # its state is in the weights file
        self.model.load_weights(Path(self.backup_dir) / metadata["weights"])
        states = _random_states(self.model)
        if len(states) == len(metadata.get("random_states", ())):
            for variable, value in zip(states, metadata["random_states"]):
                variable.assign(value)
        self.model._initial_epoch = metadata["epoch"]


def _random_states(model):
    """The model's variables that `save_weights` leaves out: the states of its seed generators (Dropout's, and
    other random layers'), which a resumed fit needs to draw the masks the uninterrupted one would."""
    weights = {id(variable) for variable in model.weights}
    return [variable for variable in model.variables if id(variable) not in weights]


def save_weights_atomically(model, path):
    """`model.save_weights(path)` through a temporary file in the same folder renamed over `path` (whose name ends
    in .weights.h5, as Keras wants): a process started after a kill finds the old whole file or the new one."""
    partial = path.with_name(f"partial-{path.name}")  # the partial file of a killed save keeps Keras' ending
    model.save_weights(str(partial), overwrite=True)
    os.replace(partial, path)


def write_atomically(path, text):
    """Writes `text` to `path` through a temporary file renamed over it: a reader, or a process started after a
    kill, sees the old whole file or the new whole file, never a part."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def training_callbacks(checkpoint_dir, callbacks):
    """The callbacks a trainer's `fit` passes to `Model.fit`, and the epoch counter among them.

    Args:
        checkpoint_dir: a folder for `EpochBackup` (Keras' BackupAndRestore, safe against kills), so that an
            interrupted or killed run started again resumes after its last finished epoch; None (or "") for none.
        callbacks: the caller's own callbacks (an iterable of keras.callbacks.Callback).

    Returns:
        (the EpochCounter, the list for fit): the counter; then EpochBackup when `checkpoint_dir` is given,
        so that a finished epoch is saved before a callback of the caller's can stop the run; then
        LargeArraysOnTheHeap; then the caller's callbacks.
    """
    counter = EpochCounter()
    backup = [EpochBackup(checkpoint_dir)] if checkpoint_dir else []
    return counter, [counter, *backup, LargeArraysOnTheHeap(), *callbacks]


class BFloat16Steps(keras.callbacks.Callback):
    """Training steps in bfloat16 through oneDNN's rewrite (zoo/precision.py), evaluations in float32.

    The rewrite is on from each epoch's start to its end, so the train function (traced anew for new batch
    shapes) is optimised in bfloat16; it is off at the epoch's end, where callbacks placed after this one (a
    development score, `KeepBestEpoch`) run, and after the fit. Variables and optimizer state stay float32, as in
    mixed-precision training. Keras' own policy ("mixed_bfloat16") must be set before a model is built; this
    applies to a model already built (a pretrained encoder).

    Args:
        precision: "bfloat16" (the rewrite) or "float32" (the callback does nothing). Raises ZooInputError for
            others, and for "bfloat16" on a CPU without AVX-512 BF16 or AMX.
    """

    def __init__(self, precision="bfloat16"):
        super().__init__()
        check_precision(precision, TRAINING_PRECISIONS)
        self.enabled = precision == "bfloat16"
        self._was = False

    def on_train_begin(self, logs=None):
        self._was = onednn_bfloat16_enabled()

    def on_epoch_begin(self, epoch, logs=None):
        if self.enabled:
            set_onednn_bfloat16(True)

    def on_epoch_end(self, epoch, logs=None):
        if self.enabled:
            set_onednn_bfloat16(self._was)

    def on_train_end(self, logs=None):
        if self.enabled:
            set_onednn_bfloat16(self._was)



@keras.saving.register_keras_serializable(package="zoo")
class WarmUpLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """The learning rate rises linearly from 0 to `peak` over `warmup_steps`, then falls linearly to 0 at
    `total_steps` (Hugging Face's `get_linear_schedule_with_warmup`, sentence-transformers' default). Keras has
    warm-up only before a cosine decay (`CosineDecay(warmup_target=...)`), hence this one.

    Args:
        peak: the learning rate reached at the end of the warm-up.
        total_steps: optimizer steps of the whole training; the rate is 0 from there on.
        warmup_steps: steps of the rise (int; 0 for none).

    Example:
    ```python
    steps = epochs * batches_per_epoch
    optimizer = keras.optimizers.AdamW(WarmUpLinearDecay(2e-5, steps, warmup_steps=steps // 10))
    ```
    """

    def __init__(self, peak, total_steps, warmup_steps=0):
        if total_steps < 1 or not 0 <= warmup_steps <= total_steps:
            raise ValueError(f"need 0 <= warmup_steps ({warmup_steps}) <= total_steps ({total_steps}), total >= 1")
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        rising = step / max(self.warmup_steps, 1)
        falling = (self.total_steps - step) / max(self.total_steps - self.warmup_steps, 1)
        fraction = keras.ops.where(step < self.warmup_steps, rising, falling)
        return self.peak * keras.ops.clip(fraction, 0.0, 1.0)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps}


class KeepBestEpoch(keras.callbacks.Callback):
    """Scores the model after each epoch, keeps the weights of the best epoch and puts them back at the end.

    `score()` (e.g. Spearman on a development set) is logged as `logs[name]`, so progress bars and History show
    it. With a `folder`, the best weights and every epoch's score are written there (`best.weights.h5`,
    `scores.json`, each replaced whole), so that a fit resumed by `EpochBackup` still knows the best epoch before
    the interruption, and scores the restored epoch if a kill came between the backup and this callback; without
    a folder they are kept in memory. Keras' `ModelCheckpoint(save_best_only=True)` saves the
    best epoch but forgets it on resumption and does not restore it, hence this one.

    Args:
        score: a callable taking no arguments, returning a float.
        name: its name in the logs. Default "dev_score".
        higher_is_better: the direction. Default True.
        folder: where the best weights and the scores go (created, and removed once the fit has ended on the
            best weights); None keeps them in memory.
        patience: stop the fit once this many epochs have passed without a better score (Keras' EarlyStopping,
            whose count and best weights a resumed fit would forget); None trains every epoch.

    Output: `scores` ({epoch: score}), `best_epoch`, `best_score`, after or during the fit.
    """

    def __init__(self, score, name="dev_score", higher_is_better=True, folder=None, patience=None):
        super().__init__()
        self.score, self.name, self.higher_is_better = score, name, higher_is_better
        self.folder = Path(folder) if folder else None
        self.patience = patience
        self.scores = {}
        self._best_weights = None

    @property
    def best_epoch(self):
        if not self.scores:
            return None
        pick = max if self.higher_is_better else min
        return pick(self.scores, key=lambda epoch: (self.scores[epoch], -epoch) if self.higher_is_better
                    else (self.scores[epoch], epoch))

    @property
    def best_score(self):
        return None if self.best_epoch is None else self.scores[self.best_epoch]

    def on_train_begin(self, logs=None):
        if self.folder and (self.folder / "scores.json").is_file():  # a resumed fit: what the epochs before gave
            self.scores = {int(k): v for k, v in json.loads((self.folder / "scores.json").read_text()).items()}
        # A kill after the backup saved epoch N and before this callback scored it: the weights restored are
        # epoch N's, so score them now (the backup callback comes first in the list and has restored them).
        last_finished = (getattr(self.model, "_initial_epoch", None) or 0) - 1
        if self.folder and last_finished >= 0 and last_finished not in self.scores:
            self.on_epoch_end(last_finished)

    def on_epoch_end(self, epoch, logs=None):
        value = float(self.score())
        if logs is not None:
            logs[self.name] = value
        self.scores[epoch] = value
        if self.best_epoch == epoch:
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                save_weights_atomically(self.model, self.folder / "best.weights.h5")
            else:
                self._best_weights = [w.numpy() for w in self.model.weights]
        if self.folder:
            write_atomically(self.folder / "scores.json", json.dumps(self.scores))
        if self.patience is not None and epoch - self.best_epoch >= self.patience:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_epoch is None:
            return
        if self.folder and (self.folder / "best.weights.h5").is_file():
            self.model.load_weights(self.folder / "best.weights.h5")
            shutil.rmtree(self.folder)
        elif self._best_weights is not None:
            self.model.set_weights(self._best_weights)
