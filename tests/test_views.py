"""The projector export read back (checkpoint, TSVs, config) and the PCA plot against a numpy reference."""

import re

import numpy as np
import pytest
import tensorflow as tf

from zoo import views
from zoo.static.vectors import Vectors
from zoo.views import plot_words, project_2d, write_projector

KEYS = ["the", "king", "queen", "man", "woman", "dog", "cat", "apple"]


@pytest.fixture
def vectors():
    scales = 10.0 ** np.arange(-3, 2)  # columns of very different sizes: the TSV must still be exact
    return Vectors(KEYS, np.random.default_rng(0).normal(size=(len(KEYS), 5)) * scales)


def read_config(folder):
    """The fields of projector_config.pbtxt's one `embeddings` entry (no tensorboard here to parse it)."""
    text = (folder / views.CONFIG).read_text()
    assert re.fullmatch(r'embeddings \{\n(  \w+: "[^"\\]*"\n)+\}\n', text), text
    return dict(re.findall(r'(\w+): "([^"]*)"', text))


def metadata_lines(folder):
    text = (folder / views.METADATA).read_text(encoding="utf-8")
    assert text.endswith("\n")
    return text[:-1].split("\n")  # "\n" only: what the projector splits on (str.splitlines splits on more)


def test_checkpoint_holds_the_matrix_under_the_name_the_config_gives(vectors, tmp_path):
    folder = tmp_path / "logs" / "run"
    assert write_projector(vectors, folder, name="glove-100") == str(folder)
    config = read_config(folder)
    assert config["tensor_name"] == "glove-100/.ATTRIBUTES/VARIABLE_VALUE"
    assert "model_checkpoint_path" not in config and "tensor_path" not in config
    checkpoint = tf.train.latest_checkpoint(str(folder))  # how TensorBoard finds it, through `checkpoint`
    assert checkpoint == str(folder / "glove-100.ckpt-1")
    reader = tf.train.load_checkpoint(checkpoint)
    assert reader.get_variable_to_shape_map()[config["tensor_name"]] == list(vectors.matrix.shape)
    np.testing.assert_array_equal(reader.get_tensor(config["tensor_name"]), vectors.matrix)
    assert (folder / config["metadata_path"]).is_file()
    assert metadata_lines(folder) == KEYS


def test_tsv_files_hold_the_first_limit_keys_exactly(vectors, tmp_path):
    folder = tmp_path / "export"
    write_projector(vectors, folder, limit=5)
    tensors = np.loadtxt(folder / views.TENSORS, delimiter="\t", dtype=np.float64)
    np.testing.assert_array_equal(tensors.astype(np.float32), vectors.matrix[:5])  # float32 round trip: exact
    assert metadata_lines(folder) == KEYS[:5]
    reader = tf.train.load_checkpoint(str(folder))
    np.testing.assert_array_equal(reader.get_tensor("vectors/.ATTRIBUTES/VARIABLE_VALUE"), vectors.matrix[:5])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # no temporary folder left


def test_metadata_escapes_tabs_and_line_breaks_and_keeps_blank_keys_visible(tmp_path):
    keys = ["tab\there", "two\nlines", "cr\r", " ", "", "ünï", "back\\slash"]
    write_projector(Vectors(keys, np.eye(len(keys), dtype=np.float32)), tmp_path / "export")
    assert metadata_lines(tmp_path / "export") == [
        "tab\\there", "two\\nlines", "cr\\r", "' '", "''", "ünï", "back\\slash"]


def test_an_interrupted_export_leaves_nothing(vectors, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savetxt", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_projector(vectors, tmp_path / "export")
    assert list(tmp_path.iterdir()) == []


def test_a_previous_export_is_replaced_but_other_folders_are_refused(vectors, tmp_path):
    folder = tmp_path / "export"
    write_projector(vectors, folder)
    write_projector(vectors, folder, limit=3)
    assert metadata_lines(folder) == KEYS[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]

    (folder / "events.out.tfevents.1").write_bytes(b"")
    with pytest.raises(FileExistsError):
        write_projector(vectors, folder)
    assert metadata_lines(folder) == KEYS[:3]


def test_bad_arguments(vectors, tmp_path):
    with pytest.raises(ValueError):
        write_projector(vectors, tmp_path / "a", limit=0)
    with pytest.raises(ValueError):
        write_projector(vectors, tmp_path / "a", name="a/b")


def reference_2d(matrix):
    """PCA by eigen-decomposition of the covariance matrix: an independent route to the same coordinates."""
    centred = np.asarray(matrix, np.float64) - np.mean(matrix, axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ vectors[:, np.argsort(values)[::-1][:2]]


def test_project_2d_matches_the_covariance_eigenvectors_up_to_sign(vectors):
    coordinates = project_2d(vectors.matrix)
    reference = reference_2d(vectors.matrix)
    assert coordinates.shape == (len(KEYS), 2)
    for axis in range(2):
        sign = np.sign(coordinates[:, axis] @ reference[:, axis])
        # 1e-6, not tighter: the covariance route squares the condition number, losing digits
        np.testing.assert_allclose(coordinates[:, axis], sign * reference[:, axis], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(coordinates.mean(axis=0), 0, atol=1e-9)
    assert np.var(coordinates[:, 0]) >= np.var(coordinates[:, 1])


def test_project_2d_is_deterministic_in_sign_and_handles_degenerate_input(vectors):
    np.testing.assert_allclose(project_2d(vectors.matrix), project_2d(-vectors.matrix) * -1, atol=1e-9)
    assert np.array_equal(project_2d(np.ones((1, 4))), np.zeros((1, 2)))
    line = np.array([[0.0], [1.0], [3.0]])  # one column: one axis, the second column zeros
    np.testing.assert_allclose(project_2d(line), [[-4 / 3, 0], [-1 / 3, 0], [5 / 3, 0]])


@pytest.mark.parametrize("words", [["king", "queen", "man", "woman"],
                                   {"royalty": ["king", "queen"], "animals": ["dog", "cat"], "fruit": ["apple"]}])
def test_plot_words_saves_a_png(vectors, tmp_path, words):
    path = tmp_path / "words.png"
    assert plot_words(vectors, words, path, title="Words") == str(path)
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_plot_words_names_every_unknown_word(vectors, tmp_path):
    with pytest.raises(KeyError, match="'kingdom', 'queendom'"):
        plot_words(vectors, ["king", "kingdom", "queendom"], tmp_path / "words.png")
    assert not (tmp_path / "words.png").exists()


def test_plot_words_takes_vectors_for_unseen_words_from_the_vectors(vectors, tmp_path):
    class Subwords:  # makes up a vector for any word, as fastText does
        def __getitem__(self, word):
            return np.frombuffer(word.encode().ljust(4)[:4], np.uint8).astype(np.float32)

    path = plot_words(Subwords(), ["never", "seen", "words"], tmp_path / "words.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
