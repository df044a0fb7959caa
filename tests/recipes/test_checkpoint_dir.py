"""Where a recipe's training state lives: the same flags resume the same run, other flags never do."""

import argparse
import json

from zoo.recipes import RUN_FLAGS, add_output_flags, checkpoint_dir, run_key


def parsed(*argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--verbose", type=int, default=1)
    add_output_flags(parser)
    return parser.parse_args(argv)


def test_the_run_key_names_the_flags_but_not_the_verbosity():
    assert run_key(parsed()) == run_key(parsed("--verbose", "0"))
    assert run_key(parsed()) != run_key(parsed("--epochs", "5"))


def test_runs_with_other_flags_are_named_and_left_alone(tmp_path, capsys):
    runs = str(tmp_path)
    other = checkpoint_dir(parsed("--runs-dir", runs, "--epochs", "5"), "text_embedding_classifier")
    (tmp_path / f"{other.split('/')[-1]}-best").mkdir(parents=True)  # a helper folder of that run: not a run
    (tmp_path / other.split("/")[-1]).mkdir()
    capsys.readouterr()
    mine = checkpoint_dir(parsed("--runs-dir", runs), "text_embedding_classifier")
    assert mine != other and (tmp_path / other.split("/")[-1]).is_dir()
    err = capsys.readouterr().err
    assert f"not resuming {other.split('/')[-1]} in {runs} (other flags)" in err and "-best" not in err


def test_a_checkpoint_dir_of_other_flags_is_moved_aside_and_the_run_starts_fresh(tmp_path, capsys):
    folder = tmp_path / "state"
    first = parsed("--checkpoint-dir", str(folder), "--epochs", "5")
    assert checkpoint_dir(first, "glove") == str(folder)
    (folder / "training_metadata.json").write_text('{"epoch": 3}')
    assert checkpoint_dir(parsed("--checkpoint-dir", str(folder), "--epochs", "5", "--verbose", "0"), "glove") \
        == str(folder) and (folder / "training_metadata.json").is_file()  # the same flags: resumed
    assert capsys.readouterr().err == ""

    assert checkpoint_dir(parsed("--checkpoint-dir", str(folder)), "glove") == str(folder)
    aside = tmp_path / f"state.other-flags-{run_key(first)}"
    assert sorted(p.name for p in folder.iterdir()) == [RUN_FLAGS]  # fresh
    assert json.loads((aside / RUN_FLAGS).read_text())["epochs"] == 5 and (aside / "training_metadata.json").is_file()
    assert f"{folder} held a run with other flags, moved to {aside}; starting fresh" in capsys.readouterr().err
