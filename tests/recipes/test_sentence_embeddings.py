"""The sentence_embeddings recipe end to end on a slice of STS-B: evaluate, export both forms, check, serve."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from tests.serving.export_loaders import check_every_loader
from zoo.precision import BFLOAT16_CPU_FLAGS, INT8_CPU_FLAGS, cpu_flags
from zoo.recipes import sentence_embeddings

pytestmark = pytest.mark.slow
TEXTS = ["A man is playing a guitar.", "A woman is slicing an onion.", "", "Ça coûte 5 € 😀"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    export_dir = tmp_path_factory.mktemp("saved_models")
    return sentence_embeddings.main(["--limit", "200", "--export-dir", str(export_dir)]), export_dir


@pytest.fixture(scope="module")
def minilm():
    from zoo.contextual import TextEncoder

    return TextEncoder.from_preset("all-minilm-l6-v2")


def test_three_exports_pass_zoo_check(run):
    result, export_dir = run  # main() runs `zoo check` on each and raises if one fails
    names = ["sentence_embeddings", "sentence_embeddings_preprocessing", "sentence_embeddings_encoder"]
    assert result["exports"] == [str(export_dir / name / "1") for name in names]
    assert 70 < result["value"] < 95  # Spearman x 100 on the first 200 test pairs


def test_the_text_export_serves_the_encoders_vectors(run, minilm):
    served = tf.saved_model.load(run[0]["exports"][0]).signatures["serving_default"]
    np.testing.assert_allclose(served(text=tf.constant(TEXTS))["embedding"].numpy(), minilm.encode(TEXTS), atol=1e-5)
    assert served(text=tf.constant([], tf.string))["embedding"].shape == (0, 384)  # an empty batch: no rows


def test_preprocessing_then_encoder_exports_equal_the_text_export(run, minilm):
    _, preprocessing_path, encoder_path = run[0]["exports"]
    features = tf.saved_model.load(preprocessing_path).signatures["serving_default"](text=tf.constant(TEXTS))
    assert set(features) == {"token_ids", "padding_mask", "segment_ids"}
    vectors = tf.saved_model.load(encoder_path).signatures["serving_default"](**features)["embedding"].numpy()
    np.testing.assert_allclose(vectors, minilm.encode(TEXTS), atol=1e-5)


def test_exports_hold_each_weight_once(run, minilm):
    parameter_bytes = minilm.backbone.count_params() * 4
    for path in (run[0]["exports"][0], run[0]["exports"][2]):
        size = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
        assert size <= 1.1 * parameter_bytes, f"{path}: {size / parameter_bytes:.2f}x the parameter bytes"


@pytest.mark.parametrize("export", [0, 1, 2], ids=["text", "preprocessing", "encoder"])
def test_every_loader_serves_each_export(run, export, capsys):
    result, _ = run
    inputs = {"text": TEXTS}
    if export == 2:
        preprocessing = tf.saved_model.load(result["exports"][1]).signatures["serving_default"]
        inputs = {name: value.numpy()[:2] for name, value in preprocessing(text=tf.constant(TEXTS[:2])).items()}
    check_every_loader(result["exports"][export], inputs, capsys)


@pytest.mark.skipif(not cpu_flags() & set(BFLOAT16_CPU_FLAGS),
                    reason="bfloat16 precision needs a CPU with AVX-512 BF16 or AMX")
def test_bfloat16_scores_as_float32_and_its_exports_compute_in_bfloat16(run, tmp_path, minilm):
    from zoo.serving import check

    result, _ = run
    reduced = sentence_embeddings.main(["--limit", "200", "--precision", "bfloat16", "--export-dir", str(tmp_path)])
    assert abs(reduced["value"] - result["value"]) < 0.2, (reduced["value"], result["value"])
    text, preprocessing, ids = (check(path) for path in reduced["exports"])
    assert (text.precision, preprocessing.precision, ids.precision) == ("bfloat16", "none", "bfloat16")
    served = tf.saved_model.load(reduced["exports"][0]).signatures["serving_default"](text=tf.constant(TEXTS))
    cosine = (served["embedding"].numpy() * minilm.encode(TEXTS)).sum(1)  # unit vectors
    assert cosine.min() > 0.999


@pytest.mark.skipif(not cpu_flags() & set(INT8_CPU_FLAGS), reason="int8 precision needs a CPU with VNNI or AMX")
def test_int8_scores_as_float32_and_its_exports_compute_in_int8(run, tmp_path, minilm):
    from zoo.serving import check

    result, _ = run
    reduced = sentence_embeddings.main(["--limit", "200", "--precision", "int8", "--export-dir", str(tmp_path)])
    assert abs(reduced["value"] - result["value"]) < 0.3, (reduced["value"], result["value"])
    text, preprocessing, ids = (check(path) for path in reduced["exports"])
    assert text.precision.startswith("mixed: int8") and ids.precision == text.precision
    assert preprocessing.precision == "none"
    served = tf.saved_model.load(reduced["exports"][0]).signatures["serving_default"](text=tf.constant(TEXTS))
    cosine = (served["embedding"].numpy() * minilm.encode(TEXTS)).sum(1)  # unit vectors
    assert cosine.min() > 0.95
