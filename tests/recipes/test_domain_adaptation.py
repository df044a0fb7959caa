"""The domain_adaptation recipe, quick settings: interrupted in the masked LM and resumed (a finished phase is loaded,
not trained again), the linear probe, export and check (SimCSE, off by default, is tests/contextual/test_simcse.py's);
a bad corpus is a one-line error."""

import numpy as np
import pytest
import tensorflow as tf

import zoo.training
from tests.serving.export_loaders import check_every_loader
from zoo.errors import ZooDataError
from zoo.recipes import domain_adaptation

pytestmark = pytest.mark.slow
TEXTS = ["Runs small, order a size up.", "", "the petite xs fits well"]


def stopping_at_the_second_epoch_end(begun):
    """EpochBackup that records each epoch begun, and raises KeyboardInterrupt (as a Ctrl-C) at the second
    epoch end of the process, the first time only: in the quick run, after the masked LM's first epoch of two."""
    ends = []

    class Interrupting(zoo.training.EpochBackup):
        def on_epoch_begin(self, epoch, logs=None):
            begun.append(epoch)
            super().on_epoch_begin(epoch, logs)

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            ends.append(epoch)
            if len(ends) == 2:
                raise KeyboardInterrupt

    return Interrupting


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    export_dir, runs_dir = tmp_path_factory.mktemp("saved_models"), tmp_path_factory.mktemp("runs")
    flags = ["--quick", "--epochs", "2", "--export-dir", str(export_dir),
             "--runs-dir", str(runs_dir), "--verbose", "0"]
    begun = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(zoo.training, "EpochBackup", stopping_at_the_second_epoch_end(begun))
        with pytest.raises(KeyboardInterrupt):
            domain_adaptation.main(flags)
        first = list(begun)
        begun.clear()
        result = domain_adaptation.main(flags)
    return result, export_dir, (first, list(begun))


def test_an_interrupted_run_resumes_after_its_last_finished_phase_and_epoch(run):
    _, export_dir, (first, second) = run
    assert first == [0, 0]  # the head's warm-up (one epoch), then the masked LM's first epoch
    assert second == [1]  # the warm-up's weights loaded, the masked LM's second epoch (SimCSE: off by default)
    assert [path.name for path in (export_dir / "domain_adaptation").iterdir()] == ["1"]


def test_the_domain_masked_lm_loss_falls_and_every_encoder_is_probed_on_both_tasks(run):
    result, _, _ = run
    assert domain_adaptation.RECIPE.metric == "rating accuracy, >= 4 vs <= 2 (linear probe)"
    assert result["mlm_loss"]["after"] < result["mlm_loss"]["before"]
    rating, department = result["accuracy"][domain_adaptation.RATING_TASK], result["accuracy"]["department"]
    assert list(result["accuracy"]) == [domain_adaptation.RATING_TASK, "department"]
    for stages in (rating, department):
        assert list(stages) == ["base", "mlm"]
        for mean, spread, scores in stages.values():
            assert len(scores) == 2 and 0 <= mean <= 1 and spread >= 0
    majority = 0.35  # the share of Tops among the held-out reviews is about 0.45
    assert all(mean > majority for mean, _, _ in department.values())
    assert result["value"] == rating["mlm"][0] and result["baseline"] == rating["base"][0]


class Arguments:
    probe_train = 8


def test_a_balanced_task_probes_and_tests_on_as_many_texts_of_each_class():
    labels = ["high"] * 30 + ["low"] * 6 + [None] * 4
    held_out, rest = list(range(0, 40, 2)), list(range(1, 40, 2))
    pool, test = domain_adaptation.task_split(labels, True, held_out, rest, Arguments)
    assert sorted(labels[i] for i in test) == ["high"] * 3 + ["low"] * 3  # held out: 15 high, 3 low
    assert sorted(labels[i] for i in pool) == ["high"] * 3 + ["low"] * 3  # not held out: 15 high, 3 low
    assert not set(pool) & set(held_out) and not set(test) & set(rest)
    pool, test = domain_adaptation.task_split(labels, False, held_out, rest, Arguments)
    assert len(pool) == 16 and None not in [labels[i] for i in pool] and len(test) == 18


def test_the_export_serves_the_adapted_encoder(run, capsys):
    from zoo.contextual import TextEncoder

    result, _, _ = run
    (path,) = result["exports"]
    check_every_loader(path, {"text": TEXTS}, capsys)
    served = tf.saved_model.load(path).signatures["serving_default"](text=tf.constant(TEXTS))["embedding"].numpy()
    base = TextEncoder.from_preset().encode(TEXTS)
    assert served.shape == base.shape and not np.allclose(served, base, atol=1e-3)  # adapted, not the base


def test_bad_corpora_are_one_line_errors_naming_the_file(tmp_path):
    with pytest.raises(ZooDataError, match=f"^{tmp_path / 'missing.txt'}: no such file$"):
        domain_adaptation.main(["--corpus", str(tmp_path / "missing.txt")])
    small = tmp_path / "small.txt"
    small.write_text("runs small\n\nlovely fabric\n", encoding="utf-8")
    with pytest.raises(ZooDataError, match=f"^{small}: 2 texts: a domain corpus needs 20 at least$"):
        domain_adaptation.main(["--corpus", str(small)])
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\n", encoding="utf-8")
    with pytest.raises(ZooDataError, match=f"^{labels}: 2 labels for the 3 lines of {small}$"):
        domain_adaptation.main(["--corpus", str(small), "--labels", str(labels)])
    stray = tmp_path / "stray.txt"
    stray.write_bytes(b"runs small\rbut soft\nlovely fabric\nthin\n")  # a \r inside a line does not end it
    labels.write_text("a\nb\nc\n", encoding="utf-8")
    with pytest.raises(ZooDataError, match=f"^{stray}: 3 texts: a domain corpus needs 20 at least$"):
        domain_adaptation.main(["--corpus", str(stray), "--labels", str(labels)])
    unmaskable = tmp_path / "unmaskable.txt"
    unmaskable.write_text("\u200b\n" * 30, encoding="utf-8")  # zero-width spaces: text, but no token
    with pytest.raises(ZooDataError, match=f"^{unmaskable}: no text has a token to mask"):
        domain_adaptation.main(["--corpus", str(unmaskable), "--export-dir", str(tmp_path)])
