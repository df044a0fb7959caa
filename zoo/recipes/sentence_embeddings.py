"""Sentence embeddings: Sentence-BERT all-MiniLM-L6-v2 in Keras, evaluated on STS-B and served two ways.

What: `zoo.contextual.TextEncoder.from_preset(...)`: a KerasHub backbone + pooling + L2 normalisation, strings in,
      384-d vectors out, equal to sentence-transformers' own (tests/contextual/test_minilm_parity.py). Any KerasHub
      preset folder or Hugging Face-format BERT folder works through `--preset`.
Data: the STS Benchmark test split (1,379 sentence pairs with human similarity 0-5; `--split dev` for the other
      one, `--tfds glue/stsb` for a prepared TFDS copy, `--stsb-file` for yours in the original format).
Expected: Spearman x 100 of cosine against gold 82.03 for the default model (MTEB lists 82.03; sentence-
      transformers gives 82.03 here), against 48.9 for the same model without context (the mean of its
      input token embeddings); the exports pass `zoo check`: text -> embedding (needs TF Text ops), and
      the TF-Hub BERT pattern: text -> token ids (preprocessing) + token ids -> embedding (core ops only).

    zoo run sentence_embeddings [--preset all-minilm-l6-v2|FOLDER] [--pooling mean] [--split test] [--limit N]
"""

import argparse
import time

import numpy as np

from zoo.contextual import TextEncoder
from zoo.contextual.encoder_exports import export_preprocessing_and_encoder, export_text_encoder
from zoo.contextual.token_pooling import TokenPooling
from zoo.data import load_stsb
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.serving import check

WARMUP = ["A man is playing a guitar.", "", "Le café est très bon 😀", "a sentence " * 200]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run sentence_embeddings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="all-minilm-l6-v2",
                        help="zoo preset name, KerasHub preset folder or name, or Hugging Face-format folder")
    parser.add_argument("--pooling", choices=("mean", "cls", "max", "last"),
                        help="default: what the preset says (mean for Sentence-BERT, last token for GPT)")
    parser.add_argument("--sequence-length", type=int, help="tokens kept per text (default: the preset's)")
    parser.add_argument("--split", choices=("train", "dev", "test"), default="test")
    parser.add_argument("--stsb-file", help="STS-B pairs of yours, in the original tab-separated format")
    parser.add_argument("--tfds", help="a prepared TFDS data set instead, e.g. glue/stsb (its test has no gold)")
    parser.add_argument("--limit", type=int, help="evaluate on the first N pairs only (a quick run)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--export-dir", default="saved_models")
    parser.add_argument("--name", default="sentence_embeddings", help="export name")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    # 1. The encoder: backbone, tokenizer and settings from the preset's own files.
    encoder = TextEncoder.from_preset(args.preset, pooling=args.pooling, sequence_length=args.sequence_length)
    print(f"1. encoder {args.preset}: {encoder.backbone.count_params():,} parameters, {encoder.pooling} pooling, "
          f"{'normalised, ' if encoder.normalize else ''}{encoder.dim}-d, at most {encoder.sequence_length} tokens")

    # 2. STS-B: Spearman of cosine against the human scores.
    pairs = load_stsb(args.split, path=args.stsb_file, tfds_name=args.tfds)[: args.limit]
    started = time.perf_counter()
    spearman = sts_spearman(lambda sentences: encoder.encode(sentences, batch_size=args.batch_size), pairs)
    seconds = time.perf_counter() - started
    print(f"2. STS-B {args.split}: Spearman x 100 = {spearman:.2f} on {len(pairs):,} pairs ({seconds:.1f} s); "
          "all-MiniLM-L6-v2 by sentence-transformers: 82.03 (test)")
    baseline = sts_spearman(lambda sentences: context_free_vectors(encoder, sentences), pairs)
    print(f"   baseline without context (mean of the model's input token embeddings): {baseline:.2f}")

    # 3. Export (a): text -> embedding, one graph.
    paths = [export_text_encoder(encoder, args.name, WARMUP, root=args.export_dir)]
    # 4. Export (b): text -> token ids, and token ids -> embedding (for servers without TF Text ops).
    paths += export_preprocessing_and_encoder(encoder, args.name, WARMUP, root=args.export_dir)

    # 5. Check each as TF Serving would load it.
    for path in paths:
        print(check(path).summary())
    return {"metric": f"STS-B {args.split} Spearman x100", "value": spearman, "baseline": baseline,
            "exports": [str(p) for p in paths]}


def context_free_vectors(encoder, sentences, batch_size=256):
    """Mean of the input token embeddings, no transformer layers: what the context adds is the difference."""
    rows = []
    for start in range(0, len(sentences), batch_size):
        features = encoder.preprocess(sentences[start:start + batch_size])
        token_vectors = encoder.backbone.token_embedding(features["token_ids"])
        rows.append(TokenPooling("mean")(token_vectors, features["padding_mask"]).numpy())
    return np.concatenate(rows)


if __name__ == "__main__":
    main()
