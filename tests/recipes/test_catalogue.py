"""The recipes as the layout promises them: declared once in their own modules, found by `zoo run`, runnable as
`python recipes/NAME.py` and `python -m zoo.recipes.NAME`, and shipped in the wheel as `zoo.recipes`."""

import importlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from zoo.recipes import CATALOGUE, FAMILIES, Recipe, declared_recipe

ROOT = Path(__file__).resolve().parents[2]
RECIPE_FILES = sorted(p for p in (ROOT / "recipes").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", RECIPE_FILES, ids=lambda p: p.stem)
def test_the_catalogue_reads_what_each_module_declares(path):
    module = importlib.import_module(f"zoo.recipes.{path.stem}")
    declared = getattr(module, "RECIPE", None)
    assert declared_recipe(path) == declared  # None for a helper module such as word_vector_steps
    if declared is not None:
        assert CATALOGUE[path.stem] is not None and declared.name == path.stem and declared.family in FAMILIES
        assert callable(module.main) and module.__doc__.count("Expected:") == 1


def test_the_catalogue_holds_every_recipe_family_by_family():
    assert list(CATALOGUE) == ["distilled_vectors", "fasttext", "glove", "pretrained_vectors", "word2vec_cbow",
                               "word2vec_skipgram", "domain_adaptation", "gpt_embeddings", "sbert_finetune_stsb",
                               "sentence_embeddings", "token_tagger", "recommender_movielens", "rnn_encoder",
                               "text_embedding_classifier", "two_tower_movielens"]


def test_a_declaration_must_be_literal(tmp_path):
    path = tmp_path / "recipe.py"
    path.write_text('NAME = "x"\nRECIPE = Recipe(name=NAME, family="static", data="d", exports="e", summary="s", '
                    'metric="m")\n')
    with pytest.raises(ValueError):
        declared_recipe(path)
    path.write_text('RECIPE = Recipe(name="x", family="static", data="d", exports="e", summary="s", metric="m",'
                    ' higher_is_better=False)\n')
    assert declared_recipe(path) == Recipe("x", "static", "d", "e", "s", "m", higher_is_better=False)
    assert declared_recipe(path).direction == "lower is better"


@pytest.mark.parametrize("command", [[sys.executable, "recipes/glove.py", "--help"],
                                     [sys.executable, "-m", "zoo.recipes.glove", "--help"]])
def test_a_recipe_runs_as_a_script_and_as_a_module(command):
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "usage: zoo run glove" in result.stdout and "--export-dir" in result.stdout


@pytest.mark.slow
def test_the_wheel_ships_the_recipes_as_zoo_recipes(tmp_path):
    source = tmp_path / "source"  # a clean copy: setuptools would reuse a stale build/ folder of the checkout
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "wheel"), str(source)], check=True, timeout=300)
    (wheel,) = (tmp_path / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in RECIPE_FILES + [ROOT / "recipes" / "__init__.py"]:
        assert f"zoo/recipes/{path.name}" in names
        assert zipfile.ZipFile(wheel).read(f"zoo/recipes/{path.name}") == path.read_bytes()
    for required in ("zoo/__init__.py", "zoo/static/vectors.py", "zoo/serving/servable_probe.py", "zoo/py.typed"):
        assert required in names
    assert not any(name.startswith(("tests/", "recipes/", "benchmarks/")) for name in names)


class CapturedParser(Exception):
    pass


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_every_recipe_flag_has_help_and_shows_its_default(name, monkeypatch):
    import argparse

    def capture(parser, *args, **kwargs):
        raise CapturedParser(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(CapturedParser) as captured:
        CATALOGUE[name].load().parse_args([])
    parser = captured.value.args[0]
    assert [a.dest for a in parser._actions if not a.help] == []
    assert "(default: saved_models)" in parser.format_help()


@pytest.mark.parametrize("flags, dest, value", [(["--dim", "8"], "output_dim", 8), (["--minn", "2"], "min_n", 2)])
def test_an_old_flag_spelling_works_and_says_it_is_deprecated(flags, dest, value, capsys):
    from zoo.recipes import fasttext

    assert getattr(fasttext.parse_args(flags), dest) == value
    new = {"--dim": "--output-dim", "--minn": "--min-n"}[flags[0]]
    assert f"zoo: {flags[0]} is deprecated and will be removed in the next release: use {new} instead" in \
        capsys.readouterr().err
    assert getattr(fasttext.parse_args([new, flags[1]]), dest) == value and capsys.readouterr().err == ""
