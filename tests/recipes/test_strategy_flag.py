"""Every training recipe takes --strategy: two train under every strategy (parameter servers included), the others
refuse the ones their trainer cannot take, in one line, before anything runs, and say so in their help."""

import importlib

import pytest

from zoo.errors import ZooInputError
from zoo.recipes import CATALOGUE

DISTRIBUTED = {"two_tower_movielens", "glove"}
TRAINING = sorted(name for name in CATALOGUE if name not in {"sentence_embeddings", "pretrained_vectors"})


@pytest.mark.parametrize("name", TRAINING)
def test_a_training_recipe_takes_the_strategy_flag_or_refuses_it_in_one_line(name, capsys):
    recipe = importlib.import_module(f"zoo.recipes.{name}")
    with pytest.raises(SystemExit):
        recipe.parse_args(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--strategy {default,mirrored,multi_worker,parameter_server}" in help_text
    if name in DISTRIBUTED:
        assert "This trainer refuses" not in help_text
        return
    assert "This trainer refuses mirrored, multi_worker, parameter_server:" in help_text
    for strategy in ("multi_worker", "parameter_server"):
        with pytest.raises(ZooInputError, match=rf"^--strategy {strategy}: \S+ trains under default only \(.+\)$"):
            recipe.main(["--strategy", strategy, "--export-dir", "/nonexistent/never-written"])


def test_the_recipes_without_training_take_no_strategy(capsys):
    for name in ("sentence_embeddings", "pretrained_vectors"):
        with pytest.raises(SystemExit):
            importlib.import_module(f"zoo.recipes.{name}").parse_args(["--help"])
        assert "--strategy" not in capsys.readouterr().out
