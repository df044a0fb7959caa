"""End to end on a slice of the real data: train, evaluate, export, check, embed, and compose the export."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.interruption import interrupting
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


def test_an_interrupted_training_resumes_from_its_last_epoch(tmp_path, monkeypatch):
    begun = []
    monkeypatch.setattr(keras.callbacks, "EarlyStopping", interrupting(keras.callbacks.EarlyStopping, 1, begun))
    flags = ["--limit", "600", "--epochs", "4", "--export-dir", str(tmp_path), "--runs-dir", str(tmp_path / "runs"),
             "--verbose", "0"]
    with pytest.raises(KeyboardInterrupt):
        text_embedding_classifier.main(flags)
    assert begun == [0, 1] and not (tmp_path / "text_embedding").exists()
    begun.clear()
    result = text_embedding_classifier.main(flags)
    assert begun[0] == 2  # picked up after the two finished epochs
    assert [p.split("/")[-1] for p in result["exports"]] == ["1", "1"]
    assert list((tmp_path / "runs").iterdir()) == []  # the backup goes once training completes


@pytest.mark.parametrize("export", [0, 1], ids=["encoder", "classifier"])
def test_every_loader_serves_each_export(run, export, capsys):
    result, _ = run
    check_every_loader(result["exports"][export], {"text": ["a gorgeous, moving film", "dull and tedious", ""]},
                       capsys)
