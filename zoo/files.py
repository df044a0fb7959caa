"""Writing aside, then renaming into place: a file or folder is either what it was or wholly new, never half
written, whatever interrupts the writing.

Example:
```python
with written_aside("runs/model") as temporary:     # a fresh folder beside runs/model
    (temporary / "weights.npz").write_bytes(data)  # an exception here leaves runs/model as it was
# runs/model is now the new folder; the old one was moved aside first and removed once the new one was in
```
"""

import contextlib
import os
import shutil
import uuid
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"
ASIDE_PREFIX = ".old-"  # the replaced folder, for the moment between two renames: never removed as abandoned


def temporary_path(path):
    """A new name beside `path` for writing it aside: `.tmp-<pid>-<random>-<name>`, hidden, carrying the writing
    process's id so that `remove_abandoned` can tell a folder whose writer died."""
    path = Path(path)
    return path.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-{path.name}")


def replace_with(temporary, path):
    """Renames `temporary` to `path`. An existing folder at `path` is moved aside first and removed only once the
    new one is in; an existing file is replaced in one step (os.replace)."""
    path = Path(path)
    if path.is_dir():
        aside = path.with_name(f"{ASIDE_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-{path.name}")
        path.rename(aside)
        try:
            Path(temporary).rename(path)
        except BaseException:
            aside.rename(path)  # the old folder back in place
            raise
        shutil.rmtree(aside)
    else:
        os.replace(temporary, path)


def folder_bytes(path):
    """The bytes of every file under the folder `path` (an export's size on disk)."""
    return sum(entry.stat().st_size for entry in Path(path).rglob("*") if entry.is_file())


def remove(path):
    """Removes a file or folder if it is there."""
    path = Path(path)
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


@contextlib.contextmanager
def written_aside(path, folder=True):
    """Yields a temporary path beside `path` (an empty folder, or when `folder` is False a file name) to write;
    on leaving the block without an exception, it replaces `path`; on an exception, it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    if folder:
        temporary.mkdir()
    try:
        yield temporary
        replace_with(temporary, path)
    finally:
        remove(temporary)


def write_folder(folder, write):
    """Calls `write(temporary_folder)`, then puts that folder at `folder`, replacing what was there."""
    with written_aside(folder) as temporary:
        write(temporary)
    return Path(folder)


def remove_abandoned(directory):
    """Removes the temporaries in `directory` whose writing process is gone (killed mid-write)."""
    for entry in Path(directory).glob(f"{TEMPORARY_PREFIX}*"):
        pid = entry.name[len(TEMPORARY_PREFIX):].split("-")[0]
        try:
            os.kill(int(pid), 0)
        except (ValueError, ProcessLookupError):
            remove(entry)
        except PermissionError:  # another user's live process
            pass
