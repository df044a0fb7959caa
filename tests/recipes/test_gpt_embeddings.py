"""The gpt_embeddings recipe, quick settings: train, save a preset, encode, export, check; then from the preset."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.serving.export_loaders import check_every_loader
from zoo.recipes import gpt_embeddings

pytestmark = pytest.mark.slow
TEXTS = ["The war ended in 1945.", "", "history of the city"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    export_dir, runs_dir = tmp_path_factory.mktemp("saved_models"), tmp_path_factory.mktemp("runs")
    result = gpt_embeddings.main(["--quick", "--stsb-limit", "100", "--export-dir", str(export_dir),
                                  "--runs-dir", str(runs_dir), "--verbose", "0"])
    return result, runs_dir


def test_training_lowers_held_out_perplexity_far_below_the_untrained_model(run):
    result, _ = run
    assert gpt_embeddings.RECIPE.metric == "STS-B Spearman x100" and gpt_embeddings.RECIPE.higher_is_better
    # about 730 against 2,000 (the vocabulary size) untrained
    assert result["perplexity"]["after"] < result["perplexity"]["before"] / 2


def test_the_saved_preset_loads_as_an_encoder_that_the_export_serves(run):
    from zoo.contextual import TextEncoder

    result, runs_dir = run
    (preset,) = runs_dir.glob("gpt_embeddings-*/preset")
    assert TextEncoder.from_preset(str(preset)).pooling == "last"  # GPT-2's default; the recipe's is mean
    encoder = TextEncoder.from_preset(str(preset), pooling="mean")
    served = tf.saved_model.load(result["exports"][0]).signatures["serving_default"]
    np.testing.assert_allclose(served(text=tf.constant(TEXTS))["embedding"].numpy(), encoder.encode(TEXTS), atol=1e-5)


def test_a_given_preset_is_used_without_training(run, tmp_path):
    result, runs_dir = run
    (preset,) = runs_dir.glob("gpt_embeddings-*/preset")
    again = gpt_embeddings.main(["--preset", str(preset), "--stsb-limit", "100", "--export-dir", str(tmp_path),
                                 "--runs-dir", str(tmp_path / "runs")])
    assert again["value"] == pytest.approx(result["value"], abs=1e-6) and again["perplexity"] == {}
    assert not (tmp_path / "runs").exists() and Path(again["exports"][0]).is_dir()


def test_every_loader_serves_the_export(run, capsys):
    result, _ = run
    check_every_loader(result["exports"][0], {"text": TEXTS}, capsys)
