"""End to end on the default corpora with a short run: train, evaluate, save, export, check, serve; a corpus file
of yours; a bad one."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.serving.export_loaders import check_every_loader
from zoo.cli import main as zoo_main
from zoo.data import load_word_pairs
from zoo.errors import ZooDataError
from zoo.recipes import glove as recipe
from zoo.static.glove import GloVe

pytestmark = pytest.mark.slow

QUICK = ["--epochs", "4", "--output-dim", "24", "--verbose", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    result = recipe.main([*QUICK, "--export-dir", str(folder / "saved_models"), "--runs-dir", str(folder / "runs"),
                          "--save-dir", str(folder / "glove")])
    return result, folder


def test_the_headline_is_wordsim353_of_the_trained_vectors_well_above_random_vectors(run):
    result, folder = run
    vectors = GloVe.load(folder / "glove").vectors
    assert recipe.RECIPE.metric == "wordsim353 spearman"
    assert result["value"] == pytest.approx(vectors.evaluate_word_pairs(load_word_pairs("wordsim353"))["spearman"])
    assert result["value"] > result["baseline"] + 0.1  # about 0.2 after 4 epochs; random vectors about 0.0


def test_the_export_passes_zoo_check_and_serves_the_trained_vectors(run, capsys):
    result, folder = run
    assert result["exports"] == [str(folder / "saved_models" / "glove" / "1")]
    assert zoo_main(["check", result["exports"][0]]) == 0
    assert "text -> embedding" in capsys.readouterr().out
    vectors = GloVe.load(folder / "glove").vectors
    served = zoo.load_export(result["exports"][0])(tf.constant(["The government", "zyxwv"])).numpy()
    np.testing.assert_allclose(served[0], (vectors["the"] + vectors["government"]) / np.sqrt(2), atol=1e-5)
    np.testing.assert_allclose(served[1], np.zeros(vectors.dim), atol=1e-7)
    check_every_loader(result["exports"][0], {"text": ["The government", "zyxwv", ""]}, capsys)


def test_the_checkpoint_goes_once_training_completes(run):
    _, folder = run
    assert list((folder / "runs").iterdir()) == []


def test_a_corpus_file_of_yours_runs_the_same_path(tmp_path):
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "dog", "cat", "car", "train", "city", "river"]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(" ".join(rng.choice(words, 12)) for _ in range(300)) + "\n", encoding="utf-8")
    result = recipe.main(["--corpus", str(path), "--epochs", "2", "--output-dim", "8", "--batch-size", "64",
                          "--verbose", "0", "--export-dir", str(tmp_path / "saved_models"),
                          "--runs-dir", str(tmp_path / "runs")])
    served = zoo.load_export(result["exports"][0])(tf.constant(["king"])).numpy()
    assert served.shape == (1, 8) and np.abs(served).sum() > 0


def test_a_corpus_file_that_is_not_utf8_is_an_error_naming_file_and_line(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"the cat sat on the mat\n" * 3 + b"caf\xe9 au lait\n")
    with pytest.raises(ZooDataError, match=f"{path}:4: not UTF-8"):
        recipe.main(["--corpus", str(path), "--export-dir", str(tmp_path), "--runs-dir", str(tmp_path)])


@pytest.mark.parametrize("flags, output_dim", [([], 50), (["--output-dim", "8"], 8), (["--dim", "8"], 8)],
                         ids=["default", "output-dim", "dim (old spelling)"])
def test_the_output_dim_flag_and_its_old_spelling(flags, output_dim):
    assert recipe.parse_args(flags).output_dim == output_dim


@pytest.mark.parametrize("flag", ["--output-dim", "--dim"])
def test_a_width_below_1_is_a_usage_error_naming_the_flag(flag, capsys):
    with pytest.raises(SystemExit) as exit:
        recipe.parse_args([flag, "0"])
    assert exit.value.code == 2 and "--output-dim must be at least 1" in capsys.readouterr().err
