"""zoo's all-MiniLM-L6-v2 against sentence-transformers' own output (reference/minilm_reference.npz, made by
reference/make_minilm_reference.py): same tokens, same offsets, embeddings at cosine >= 0.9999 on 1,010
sentences, and the same STS-B Spearman."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.contextual.parity_sentences import parity_sentences
from zoo.errors import ZooInputError

REFERENCE = Path(__file__).parent / "reference" / "minilm_reference.npz"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm():
    from zoo.contextual import TextEncoder

    return TextEncoder.from_preset("all-minilm-l6-v2")


@pytest.fixture(scope="module")
def reference():
    stored = dict(np.load(REFERENCE))
    sentences = parity_sentences()
    digest = hashlib.sha256("\x1e".join(sentences).encode()).digest()
    assert digest == stored["sentences_sha256"].tobytes(), "parity sentences changed: rerun make_minilm_reference.py"
    bounds = np.concatenate([[0], np.cumsum(stored["token_counts"])])
    rows = lambda values: [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]  # noqa: E731
    return sentences, rows(stored["token_ids"]), rows(stored["token_offsets"]), stored["embeddings"]


def test_stsb_spearman_equals_sentence_transformers(minilm):
    from zoo.data import load_stsb
    from zoo.evaluate.sentence_similarity import sts_spearman

    expected = float(np.load(REFERENCE)["stsb_test_spearman"])  # 82.03, as MTEB lists
    assert abs(sts_spearman(minilm.encode, load_stsb("test")) - expected) <= 0.2


def test_the_settings_come_from_the_sentence_transformers_folder(minilm):
    assert (minilm.pooling, minilm.normalize, minilm.sequence_length, minilm.output_dim) == ("mean", True, 256, 384)


def test_tokens_equal_sentence_transformers_truncation_included(minilm, reference):
    sentences, token_ids, _, _ = reference
    ours = minilm.token_ids(np.array(sentences, dtype=object)).to_list()
    different = [s[:40] for s, a, b in zip(sentences, ours, token_ids) if a != b.tolist()]
    assert not different, f"{len(different)} sentences tokenized differently, e.g. {different[:5]}"
    assert max(len(t) for t in token_ids) == 256  # the long sentences were truncated, on both sides


def test_embeddings_equal_sentence_transformers(minilm, reference):
    sentences, _, _, expected = reference
    ours = minilm.encode(sentences)
    expected = expected.astype(np.float32)
    cosine = (ours * expected).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(expected, axis=1)
    worst = int(np.argmin(cosine))
    assert cosine.min() >= 0.9999, f"cosine {cosine.min():.6f} on {sentences[worst]!r}"


def test_token_offsets_equal_hugging_face_offsets(minilm, reference):
    sentences, _, offsets, _ = reference
    chosen = list(range(0, 900, 30)) + list(range(940, len(sentences)))  # real text, every non-ASCII/edge case
    results = minilm.token_embeddings([sentences[i] for i in chosen])
    different = [(sentences[i][:30], r.offsets, offsets[i].tolist()) for i, r in zip(chosen, results)
                 if [list(o) if o else None for o in r.offsets] != offsets[i].tolist()]
    assert not different, f"{len(different)} sentences with other offsets, e.g. {different[:2]}"


def test_a_folder_whose_weights_do_not_match_its_config_is_refused(tmp_path):
    from zoo.contextual import TextEncoder
    from zoo.data import require

    source = require("all-minilm-l6-v2")
    folder = tmp_path / "broken"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    (folder / "model.safetensors").symlink_to(source / "model.safetensors")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": 768}))
    with pytest.raises(ZooInputError, match="broken: KerasHub could not build the model"):
        TextEncoder.from_preset(str(folder))


def test_encode_keywords_mean_what_they_mean_in_sentence_transformers(minilm, reference):
    sentences, _, _, embeddings = reference
    one = minilm.encode(sentences[0])  # a str gives one vector, as sentence-transformers' encode
    assert one.shape == (384,) and float(one @ embeddings[0]) > 0.9999
    pairs = minilm.similarity(minilm.encode(sentences[:5], normalize_embeddings=True), embeddings[5:9]).numpy()
    reference = embeddings.astype(np.float32)  # stored as float16: cosines agree to about 1e-3
    np.testing.assert_allclose(pairs, reference[:5] @ reference[5:9].T, atol=1e-3)
    assert minilm.get_sentence_embedding_dimension() == embeddings.shape[1]
