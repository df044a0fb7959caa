"""End to end: the shipped fastText .bin and a user's GloVe file through evaluation, views, export and check."""

import re

import numpy as np
import pytest
import tensorflow as tf
from gensim.models.fasttext import load_facebook_model

import zoo
from zoo.cli import main as zoo_main
from zoo.data import load_word_pairs, pretrained_vectors_path
from zoo.recipes import pretrained_vectors
from zoo.static.vectors import Vectors

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    result = pretrained_vectors.main(["--export-dir", str(folder / "saved_models"),
                                      "--views-dir", str(folder / "views")])
    return result, folder


def test_the_headline_is_wordsim353_with_subword_vectors_against_random_vectors(run):
    result, _ = run
    vectors = Vectors.load(pretrained_vectors_path())
    expected = vectors.evaluate_word_pairs(load_word_pairs("wordsim353"), unknown="subwords")["spearman"]
    assert pretrained_vectors.RECIPE.metric == "wordsim353 spearman"
    assert result["value"] == pytest.approx(expected)
    assert -1 < result["baseline"] < 1 and result["baseline"] != result["value"]


def test_the_served_encoder_gives_fasttexts_vectors_for_unseen_words(run, capsys):
    result, folder = run
    assert result["exports"] == [str(folder / "saved_models" / "pretrained_vectors" / "1")]
    assert zoo_main(["check", result["exports"][0]]) == 0
    assert "all core TensorFlow" in capsys.readouterr().out
    reference = load_facebook_model(str(pretrained_vectors_path())).wv  # gensim, the independent reference
    texts = ["Quixotic photosynthesis, said the government.", "zyxwv"]
    served = zoo.load_export(result["exports"][0])(tf.constant(texts)).numpy()
    for text, vector in zip(texts, served):
        tokens = re.sub(r"[^\w\s]", " ", text.lower()).split()
        want = sum(reference[t] for t in tokens) / np.sqrt(len(tokens))
        np.testing.assert_allclose(vector, want, atol=1e-5)


def test_views_are_a_png_and_a_projector_export_of_every_word(run):
    _, folder = run
    assert (folder / "views" / "words_2d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metadata = (folder / "views" / "projector" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert len(metadata) == len(Vectors.load(pretrained_vectors_path()))


def test_a_glove_file_of_the_users_runs_the_same_path(tmp_path):
    result = pretrained_vectors.main(["--vectors", str(pretrained_vectors_path("test_glove.txt")),
                                      "--export-dir", str(tmp_path / "saved_models"),
                                      "--views-dir", str(tmp_path / "views"), "--name", "glove_sample"])
    served = zoo.load_export(result["exports"][0])(tf.constant(["the", ""])).numpy()
    vectors = Vectors.load(pretrained_vectors_path("test_glove.txt"))
    np.testing.assert_allclose(served, [vectors["the"], np.zeros(vectors.dim)], atol=1e-6)


def test_a_bad_vector_file_is_exit_2_naming_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2 3\nb 1 2\n")
    assert zoo_main(["run", "pretrained_vectors", "--vectors", str(bad), "--export-dir", str(tmp_path)]) == 2
    assert f"{bad}:2: expected 3 values, found 2" in capsys.readouterr().err
