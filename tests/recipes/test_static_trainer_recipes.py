"""End to end on the Lee corpus with small settings: word2vec_skipgram, word2vec_cbow and fasttext train,
evaluate, export and pass zoo check; the served encoders behave as their vectors say."""

import numpy as np
import pytest
import tensorflow as tf

import zoo
from tests.serving.export_loaders import check_every_loader
from zoo.cli import main as zoo_main
from zoo.recipes import fasttext, word2vec_cbow, word2vec_skipgram

pytestmark = pytest.mark.slow
SMALL = ["--corpus", "lee", "--epochs", "2", "--output-dim", "32", "--verbose", "0"]


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
    check_every_loader(result["exports"][0], {"text": ["the government", "zzqxunseen", ""]}, capsys)


def test_a_corpus_that_is_neither_file_nor_data_set_is_exit_2(tmp_path, capsys):
    assert zoo_main(["run", "word2vec_cbow", "--corpus", "no-such-corpus", "--export-dir", str(tmp_path)]) == 2
    assert "neither a file nor a data-layer corpus" in capsys.readouterr().err


@pytest.mark.parametrize("recipe, flags, expected", [
    (word2vec_skipgram, ["--output-dim", "32"], {"output_dim": 32}),
    (word2vec_skipgram, ["--dim", "32"], {"output_dim": 32}),  # the old spelling, kept for one release
    (fasttext, ["--output-dim", "32", "--min-n", "2", "--max-n", "4"], {"output_dim": 32, "min_n": 2, "max_n": 4}),
    (fasttext, ["--dim", "32", "--minn", "2", "--maxn", "4"], {"output_dim": 32, "min_n": 2, "max_n": 4}),
    (fasttext, [], {"output_dim": 100, "min_n": 3, "max_n": 6, "alpha": None}),  # alpha None: the default rule
    (word2vec_skipgram, ["--alpha", "0.05"], {"alpha": 0.05}),
    (fasttext, ["--alpha", "0.05"], {"alpha": 0.05}),
], ids=["word2vec", "word2vec-old", "fasttext", "fasttext-old", "fasttext-defaults", "word2vec-alpha",
        "fasttext-alpha"])
def test_the_flags_and_their_old_spellings(recipe, flags, expected):
    args = vars(recipe.parse_args(flags))
    assert {name: args[name] for name in expected} == expected
    assert not {"dim", "minn", "maxn"} & set(args)


@pytest.mark.parametrize("recipe", [word2vec_skipgram, fasttext])
def test_every_training_flag_has_a_help_string(recipe, capsys):
    with pytest.raises(SystemExit):
        recipe.parse_args(["--help"])
    out = capsys.readouterr().out
    assert "--output-dim OUTPUT_DIM, --dim OUTPUT_DIM" in out and "width of the word vectors" in out
    if recipe is fasttext:
        assert "--min-n MIN_N, --minn MIN_N" in out and "--max-n MAX_N, --maxn MAX_N" in out
