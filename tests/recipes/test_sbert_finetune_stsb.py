"""End to end on a slice of STS-B: fine-tune MiniLM (interrupted after an epoch and resumed), keep the best epoch,
export it, check it."""

import numpy as np
import pytest
import tensorflow as tf

from tests.recipes.interruption import interrupting
from tests.serving.export_loaders import check_every_loader
from zoo.contextual import sentence_finetuning
from zoo.data import load_stsb
from zoo.errors import ZooDataError
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.recipes import sbert_finetune_stsb

pytestmark = pytest.mark.slow

QUICK = ["--limit", "64", "--dev-limit", "80", "--test-limit", "120", "--verbose", "0"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two epochs, interrupted (as a Ctrl-C would) after the first and started again: the resumed run is the one
    the other tests read."""
    export_dir, runs_dir = tmp_path_factory.mktemp("saved_models"), tmp_path_factory.mktemp("runs")
    flags = [*QUICK, "--epochs", "2", "--export-dir", str(export_dir), "--runs-dir", str(runs_dir)]
    begun = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sentence_finetuning, "KeepBestEpoch", interrupting(sentence_finetuning.KeepBestEpoch, 0, begun))
        with pytest.raises(KeyboardInterrupt):
            sbert_finetune_stsb.main(flags)
        interrupted = (list(begun), (export_dir / "sbert_stsb").exists())
        begun.clear()
        result = sbert_finetune_stsb.main(flags)
    return result, export_dir, runs_dir, (interrupted, list(begun))


def test_the_export_holds_the_kept_epochs_encoder(run):
    result, export_dir, _, _ = run
    assert result["exports"] == [str(export_dir / "sbert_stsb" / "1")]
    served = tf.saved_model.load(result["exports"][0]).signatures["serving_default"]
    dev = load_stsb("dev")[:80]
    spearman = sts_spearman(lambda texts: served(text=tf.constant(texts))["embedding"].numpy(), dev)
    assert spearman == pytest.approx(result["dev"], abs=0.05)
    assert abs(result["value"] - result["baseline"]) < 5  # a few steps at 2e-5 move it, they do not wreck it


def test_every_loader_serves_the_export(run, capsys):
    result = run[0]
    check_every_loader(result["exports"][0], {"text": ["A man plays a guitar.", "", "Un café, s'il vous plaît"]},
                       capsys)


def test_an_interrupted_fine_tuning_resumes_after_its_last_epoch(run):
    result, _, runs_dir, (interrupted, resumed) = run
    assert interrupted == ([0], False)  # stopped after the first epoch, before any export
    assert resumed == [1]  # picked up after the finished epoch, whose dev score is still known
    assert np.isfinite(result["value"]) and result["exports"][0].endswith("sbert_stsb/1")
    assert list(runs_dir.iterdir()) == []  # the backup and the best weights go once training completes


def test_a_pair_scored_outside_0_to_5_names_its_file_and_line(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("main\tx\t2012\t1\t4.0\tA cat.\tA dog.\nmain\tx\t2012\t2\t7.5\tA man.\tA woman.\n")
    with pytest.raises(ZooDataError, match=r"pairs.tsv:2: field 'score' must be 0 to 5, found '7.5'"):
        sbert_finetune_stsb.main(["--train-file", str(pairs), "--epochs", "1"])


def test_a_pair_without_its_second_sentence_names_its_file_and_line(tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("main\tx\t2012\t1\t4.0\tA cat.\n")
    with pytest.raises(ZooDataError, match=r"pairs.tsv:1: expected 7 fields"):
        sbert_finetune_stsb.main(["--train-file", str(pairs), "--epochs", "1"])
