"""End to end on the Lee corpus with small settings: word2vec_skipgram, word2vec_cbow and fasttext train,
evaluate, export and pass zoo check; the served encoders behave as their vectors say."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from zoo.cli import main as zoo_main
from zoo.recipes import fasttext, word2vec_cbow, word2vec_skipgram

pytestmark = pytest.mark.slow
SMALL = ["--corpus", "lee", "--epochs", "2", "--dim", "32", "--verbose", "0"]


@pytest.mark.parametrize("recipe, extra", [(word2vec_skipgram, []), (word2vec_cbow, []),
                                           (fasttext, ["--bucket", "20000"])])
def test_the_recipe_trains_evaluates_exports_and_checks(tmp_path, recipe, extra, capsys):
    result = recipe.main(SMALL + extra + ["--export-dir", str(tmp_path), "--runs-dir", str(tmp_path / "runs")])
    assert recipe.RECIPE.metric == "wordsim353 spearman" and -1 <= result["value"] <= 1
    assert zoo_main(["check", result["exports"][0]]) == 0
    assert "all core TensorFlow" in capsys.readouterr().out
    served = zoo.load_export(result["exports"][0])(tf.constant(["zzqxunseen", "the government"])).numpy()
    assert served.shape == (2, 32) and np.abs(served[1]).sum() > 0
    if recipe is fasttext:  # an unseen word gets its n-gram vector in the served graph
        assert np.abs(served[0]).sum() > 0
    else:
        np.testing.assert_array_equal(served[0], np.zeros(32))


def test_a_corpus_that_is_neither_file_nor_data_set_is_exit_2(tmp_path, capsys):
    assert zoo_main(["run", "word2vec_cbow", "--corpus", "no-such-corpus", "--export-dir", str(tmp_path)]) == 2
    assert "neither a file nor a data-layer corpus" in capsys.readouterr().err
