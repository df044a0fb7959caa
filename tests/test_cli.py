"""The zoo command's contract: the catalogue, usage errors (exit 2) and --help."""

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from zoo.cli import main
from zoo.recipes import CATALOGUE


def test_list_shows_every_recipe_with_family_data_and_exports(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for recipe in CATALOGUE.values():
        assert recipe.name in out and recipe.data in out and recipe.exports in out


def test_unknown_recipe_is_exit_2_and_lists_the_known_ones(capsys):
    assert main(["run", "no_such_recipe"]) == 2
    assert f"unknown recipe 'no_such_recipe'; known recipes: {', '.join(CATALOGUE)}" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["run", "text_embedding_classifier", "--epochs", "many"],
                                  ["run", "text_embedding_classifier", "--no-such-flag"],
                                  ["run", "text_embedding_classifier", "--test-fraction", "1.5"],
                                  ["no-such-command"], ["data", "prepare", "no-such-data"]])
def test_bad_usage_exits_2(argv):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own usage errors
        code = stop.code
    assert code == 2


@pytest.mark.parametrize("argv", [["--help"], ["run", "text_embedding_classifier", "--help"], ["check", "--help"],
                                  ["data", "prepare", "--help"], ["embed", "--help"], ["tour", "--help"]])
def test_help_everywhere(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 0 and "usage:" in capsys.readouterr().out


def test_data_list_shows_each_data_set_and_its_state(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "stsb" in out and "vader-movie-reviews" in out and "ZOO_DATA_DIR" in out


def test_readme_catalogue_table_is_the_recipes_declarations(capsys):
    assert main(["list", "--markdown"]) == 0
    table = capsys.readouterr().out.strip()
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert table in readme, "README's catalogue table differs from `zoo list --markdown`: paste its output there"


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.startswith("zoo 0.")


def test_every_argument_of_the_command_has_help():
    from zoo.cli import build_parser

    parsers, missing = [build_parser()], []
    while parsers:
        parser = parsers.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                parsers.extend(action.choices.values())
            elif not action.help and action.dest != "help":
                missing.append(f"{parser.prog} {action.dest}")
    assert missing == []


def test_embed_names_the_path_and_what_to_do_for_an_export_without_text_input(tmp_path, capsys):
    import keras

    import zoo

    number = keras.Input(shape=(), dtype="float32", name="age")
    model = keras.Model(number, {"embedding": keras.layers.Dense(2)(keras.layers.Reshape((1,))(number))})
    path = zoo.export(model, "ages", {"age": [31.0]}, root=tmp_path)
    assert main(["embed", str(path), "hello"]) == 2
    assert f"zoo: error: {path} takes age (float32), not text: give each input as a JSON object, e.g. " \
           """'{"age": 0}'""" in capsys.readouterr().err
    assert main(["embed", str(path), '{"age": 31}', '{"age": 20}']) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = model(tf.constant([31.0, 20.0]))["embedding"].numpy()
    assert [line["inputs"] for line in lines] == [{"age": 31}, {"age": 20}]
    np.testing.assert_allclose([line["embedding"] for line in lines], expected, atol=1e-5)
    assert main(["embed", str(path), '{"years": 31}']) == 2
    assert "takes the inputs age: age missing" in capsys.readouterr().err
    assert main(["embed", str(tmp_path), "hello"]) == 2
    assert f"{tmp_path}: not a SavedModel" in capsys.readouterr().err
