"""What the static trainers share: an epoch counter for their batch generators, and saving into a folder that
is replaced whole (written aside, renamed into place) so that an interrupted save never leaves half a model."""

import os
import shutil
import tempfile
from pathlib import Path

import keras


class EpochCounter(keras.callbacks.Callback):
    """Tells a batch generator which epoch it makes (also after BackupAndRestore skips finished epochs)."""

    epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


def training_callbacks(checkpoint_dir, callbacks):
    """(the EpochCounter, the callbacks for fit): the counter, then BackupAndRestore when `checkpoint_dir` is
    given, so that a finished epoch is saved before a callback of yours can stop the run, then yours."""
    counter = EpochCounter()
    backup = [keras.callbacks.BackupAndRestore(os.fspath(checkpoint_dir))] if checkpoint_dir else []
    return counter, [counter, *backup, *callbacks]


def write_folder(folder, write):
    """Calls write(temporary_folder), then puts that folder at `folder`, replacing what was there."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
    try:
        write(temporary)
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            folder.rename(old)
        temporary.rename(folder)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return folder
