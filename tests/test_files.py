"""Writing aside, then renaming into place: the old content stays until the new one is whole."""

import os

import pytest

from zoo.files import TEMPORARY_PREFIX, remove_abandoned, write_folder, written_aside


@pytest.mark.parametrize("existing", [False, True])
def test_a_folder_written_aside_replaces_the_old_one_whole(tmp_path, existing):
    target = tmp_path / "model"
    if existing:
        target.mkdir()
        (target / "old.txt").write_text("old")
    write_folder(target, lambda folder: (folder / "new.txt").write_text("new"))
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # nothing left beside it


@pytest.mark.parametrize("folder", [True, False])
def test_an_interrupted_write_leaves_the_old_content_and_nothing_beside_it(tmp_path, folder):
    target = tmp_path / "target"
    if folder:
        target.mkdir()
        (target / "old.txt").write_text("old")
    else:
        target.write_text("old")
    with pytest.raises(KeyboardInterrupt), written_aside(target, folder=folder) as temporary:
        (temporary / "half.txt" if folder else temporary).write_text("half")
        raise KeyboardInterrupt
    assert (target / "old.txt" if folder else target).read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["target"]


def test_a_file_written_aside_replaces_the_old_one(tmp_path):
    target = tmp_path / "models.config"
    target.write_text("old")
    with written_aside(target, folder=False) as temporary:
        temporary.write_text("new")
        assert target.read_text() == "old" and temporary.parent == tmp_path
    assert target.read_text() == "new"


def test_only_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = tmp_path / f"{TEMPORARY_PREFIX}999999999-deadbeef-model"  # no process has this id
    alive = tmp_path / f"{TEMPORARY_PREFIX}{os.getpid()}-cafebabe-model"
    for folder in (dead, alive, tmp_path / "model"):
        folder.mkdir()
    remove_abandoned(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, "model"])


def test_a_failed_rename_into_place_puts_the_old_folder_back(tmp_path, monkeypatch):
    from pathlib import Path

    target = tmp_path / "model"
    target.mkdir()
    (target / "old.txt").write_text("old")
    rename = Path.rename

    def failing(self, destination):
        if Path(destination) == target and self.name.startswith(TEMPORARY_PREFIX):
            raise OSError("disk full")
        return rename(self, destination)

    monkeypatch.setattr(Path, "rename", failing)
    with pytest.raises(OSError, match="disk full"):
        write_folder(target, lambda folder: (folder / "new.txt").write_text("new"))
    assert [p.name for p in target.iterdir()] == ["old.txt"] and [p.name for p in tmp_path.iterdir()] == ["model"]
