"""End to end on a slice of the real data: train, evaluate, export, check, embed, and compose the export."""

import json
import re
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.serving.export_loaders import check_every_loader
from zoo.cli import main as zoo_main
from zoo.recipes import text_embedding_classifier

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    export_dir = tmp_path_factory.mktemp("saved_models")
    result = text_embedding_classifier.main(
        ["--limit", "3000", "--epochs", "4", "--export-dir", str(export_dir),
         "--runs-dir", str(tmp_path_factory.mktemp("runs")),
         "--verbose", "0"])
    return result, export_dir


def test_it_learns_sentiment_well_above_the_majority_class(run):
    result, _ = run
    assert text_embedding_classifier.RECIPE.metric == "test accuracy"
    assert result["value"] > result["baseline"] + 0.1  # about 0.70 on this slice, majority about 0.50


def test_both_exports_pass_zoo_check_from_the_command_line(run, capsys):
    result, export_dir = run
    assert result["exports"] == [str(export_dir / "text_embedding" / "1"),
                                 str(export_dir / "text_sentiment_classifier" / "1")]
    assert zoo_main(["check", *result["exports"]]) == 0
    out = capsys.readouterr().out
    assert "text -> embedding" in out and "text -> probabilities" in out
    assert "models.config" in [p.name for p in export_dir.iterdir()]


def test_zoo_embed_prints_a_vector_per_text(run, capsys):
    result, _ = run
    assert zoo_main(["embed", result["exports"][0], "a gorgeous, moving film", "dull and tedious"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["text"] for line in lines] == ["a gorgeous, moving film", "dull and tedious"]
    assert all(len(line["embedding"]) == 64 for line in lines)


def test_the_classifier_export_scores_clear_sentences_the_right_way(run):
    result, _ = run
    classify = keras.layers.TFSMLayer(result["exports"][1], call_endpoint="serving_default")
    probabilities = classify({"text": tf.constant(["a wonderful, moving and beautiful film",
                                                   "a dull, boring and stupid mess"])})["probabilities"]
    assert np.argmax(probabilities.numpy(), axis=1).tolist() == [1, 0]


def test_the_encoder_export_composes_with_new_layers_in_keras_3(run):
    result, _ = run
    encoder = keras.layers.TFSMLayer(result["exports"][0], call_endpoint="serving_default", trainable=False)
    text = keras.Input(shape=(), dtype="string", name="text")
    embedding = encoder({"text": text})["embedding"]
    model = keras.Model(text, keras.layers.Dense(3, activation="softmax")(embedding))
    assert model(tf.constant(["fine", "awful", ""])).shape == (3, 3)


def test_a_run_killed_mid_training_resumes_and_ends_as_the_uninterrupted_run(run, tmp_path):
    """SIGKILL (no handler runs) once an epoch is saved; the same command again resumes from the last finished
    epoch and ends on the uninterrupted run's test accuracy (the module's `run`: the same data and training
    flags), with one export of each model and no training state left."""
    flags = ["--limit", "3000", "--epochs", "4", "--export-dir", str(tmp_path / "saved_models"),
             "--runs-dir", str(tmp_path / "runs"), "--verbose", "0"]
    command = [sys.executable, "-m", "zoo.cli", "run", "text_embedding_classifier", *flags]
    killed = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not list((tmp_path / "runs").glob("*/training_metadata.json")) and killed.poll() is None:
            assert time.monotonic() < deadline, "no epoch was saved in time"
            time.sleep(0.02)
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait(30)
    assert killed.returncode == -signal.SIGKILL and not (tmp_path / "saved_models").exists()
    saved = json.loads(next((tmp_path / "runs").glob("*/training_metadata.json")).read_text())
    assert 1 <= saved["epoch"] < 4

    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    accuracy = float(re.search(r"4\. test accuracy ([0-9.]+)", resumed.stdout).group(1))
    assert accuracy == pytest.approx(run[0]["value"], abs=1.5e-3)  # printed with 3 decimals
    assert sorted(p.relative_to(tmp_path / "saved_models").as_posix() for p in
                  (tmp_path / "saved_models").glob("*/*")) == ["text_embedding/1", "text_sentiment_classifier/1"]
    assert list((tmp_path / "runs").iterdir()) == []


@pytest.mark.parametrize("export", [0, 1], ids=["encoder", "classifier"])
def test_every_loader_serves_each_export(run, export, capsys):
    result, _ = run
    check_every_loader(result["exports"][export], {"text": ["a gorgeous, moving film", "dull and tedious", ""]},
                       capsys)
