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

With `--precision bfloat16` (a CPU with AVX-512 BF16 or AMX) the matrix products run in bfloat16, in encode and
in the exports' graphs: 82.04 on STS-B test, about 1.3-1.45x the sentences/s (BENCHMARKS.md). With `--precision
int8` (a CPU with VNNI or AMX) the dense products run in int8 on oneDNN's quantized kernel, quantised from the
weights after a calibration pass over 256 STS-B train sentences (zoo/contextual/int8_products.py): 82.06 on STS-B
test, minimum cosine to float32 0.988, about 1.35x float32's sentences/s.

    zoo run sentence_embeddings [--preset all-minilm-l6-v2|FOLDER] [--pooling mean] [--split test] [--limit N]
        [--precision float32|bfloat16|int8]
"""

import argparse
import time

from zoo.contextual import TextEncoder
from zoo.contextual.encoder_exports import export_preprocessing_and_encoder, export_text_encoder
from zoo.contextual.presets import DEFAULT_PRESET
from zoo.data import load_stsb
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.precision import PRECISIONS
from zoo.recipes import HelpFormatter, Recipe, add_output_flags
from zoo.serving import check

RECIPE = Recipe(
    name="sentence_embeddings", family="contextual", data="stsb, all-minilm-l6-v2",
    exports=("sentence_embeddings: text -> embedding; "
             "sentence_embeddings_preprocessing: text -> token ids; "
             "sentence_embeddings_encoder: token ids -> embedding"),
    summary="Sentence-BERT all-MiniLM-L6-v2 on a KerasHub backbone, equal to sentence-transformers, on STS-B",
    metric="STS-B Spearman x100", higher_is_better=True, quick_flags=("--limit", "300"),
)

PUBLISHED_STSB_TEST = 82.03  # all-MiniLM-L6-v2 on STS-B test, as MTEB lists it
WARMUP = ["A man is playing a guitar.", "", "Le café est très bon 😀", "a sentence " * 200]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run sentence_embeddings", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--preset", default=DEFAULT_PRESET,
                        help="zoo preset name, KerasHub preset folder or name, or Hugging Face-format folder")
    parser.add_argument("--pooling", choices=("mean", "cls", "max", "last"),
                        help="default: what the preset says (mean for Sentence-BERT, last token for GPT)")
    parser.add_argument("--sequence-length", type=int, help="tokens kept per text (default: the preset's)")
    parser.add_argument("--split", choices=("train", "dev", "test"), default="test", help="the STS-B split to score")
    parser.add_argument("--stsb-file", help="STS-B pairs of yours, in the original tab-separated format")
    parser.add_argument("--tfds", help="a prepared TFDS data set instead, e.g. glue/stsb (its test has no gold)")
    parser.add_argument("--limit", type=int, help="evaluate on the first N pairs only (a quick run)")
    parser.add_argument("--batch-size", type=int, default=32, help="sentences a batch")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="the matrix products' precision in encode and in the exports (bfloat16: a CPU with "
                             "AVX-512 BF16 or AMX; int8: VNNI or AMX; zoo check reports what an export computes at)")
    add_output_flags(parser, training=False)
    parser.add_argument("--name", default="sentence_embeddings", help="export name")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)

    # 1. The encoder: backbone, tokenizer and settings from the preset's own files.
    encoder = TextEncoder.from_preset(args.preset, pooling=args.pooling, sequence_length=args.sequence_length,
                                      precision=args.precision)
    print(f"1. encoder {args.preset}: {encoder.backbone.count_params():,} parameters, {encoder.pooling} pooling, "
          f"{'normalised, ' if encoder.normalize else ''}{encoder.output_dim}-d, "
          f"at most {encoder.sequence_length} tokens, {encoder.precision}")

    # 2. STS-B: Spearman of cosine against the human scores.
    pairs = load_stsb(args.split, path=args.stsb_file, tfds_name=args.tfds)[: args.limit]
    started = time.perf_counter()
    spearman = sts_spearman(lambda sentences: encoder.encode(sentences, batch_size=args.batch_size), pairs)
    seconds = time.perf_counter() - started
    print(f"2. STS-B {args.split}: Spearman x 100 = {spearman:.2f} on {len(pairs):,} pairs ({seconds:.1f} s)")
    print(f"   published reference, not computed here: all-MiniLM-L6-v2 scores {PUBLISHED_STSB_TEST:.2f} on all "
          "1,379 test pairs (MTEB)")
    baseline = sts_spearman(encoder.encode_without_context, pairs)
    print(f"   baseline without context (mean of the model's input token embeddings): {baseline:.2f}")

    # 3. Export (a): text -> embedding, one graph.
    paths = [export_text_encoder(encoder, args.name, WARMUP, root=args.export_dir)]
    # 4. Export (b): text -> token ids, and token ids -> embedding (for servers without TF Text ops).
    paths += export_preprocessing_and_encoder(encoder, args.name, WARMUP, root=args.export_dir)

    # 5. Check each as TF Serving would load it.
    for path in paths:
        print(check(path).summary())
    return {"value": spearman, "baseline": baseline,
            "exports": [str(p) for p in paths]}


if __name__ == "__main__":
    main()
