"""Sentence-BERT fine-tuning: all-MiniLM-L6-v2 fine-tuned on STS-B train, selected on dev, scored on test.

What: `zoo.contextual.fine_tune`: the `TextEncoder` as a bi-encoder (`SentencePairModel`) trained with one of
      the losses people use: cosine-similarity regression on the gold score (`cosine`), CoSENT (`cosent`),
      AnglE (`angle`), or multiple-negatives ranking over in-batch negatives (`mnrl`, on the pairs scored 4 or
      more); AdamW with 10% warm-up and linear decay, gradients clipped to norm 1, dev Spearman after each
      epoch, the best epoch kept; an interrupted run resumes.
Data: the STS Benchmark (5,749 train, 1,500 dev, 1,379 test pairs, gold similarity 0-5); `--train-file`,
      `--dev-file`, `--test-file` take pairs of yours in the same tab-separated format.
Expected: test Spearman x 100 from 82.03 before to about 86 after, with the default CoSENT loss and 4 epochs
      (sentence-transformers: 85.64 with cosine regression at the same settings; see BENCHMARKS.md); the export
      (text -> embedding) passes `zoo check`.

    zoo run sbert_finetune_stsb [--loss cosent|angle|cosine|mnrl] [--epochs 4] [--batch-size 16] [--limit N]
"""

import argparse

import numpy as np

from zoo import distribute
from zoo.contextual import TextEncoder, fine_tune
from zoo.contextual.encoder_exports import export_text_encoder
from zoo.contextual.presets import DEFAULT_PRESET
from zoo.contextual.sentence_finetuning import LOSSES
from zoo.data import load_stsb
from zoo.data.stsb import read_stsb_file
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.precision import TRAINING_PRECISIONS, check_precision
from zoo.recipes import HelpFormatter, Recipe, add_output_flags, checkpoint_dir
from zoo.serving import check
from zoo.tables import print_table

RECIPE = Recipe(
    name="sbert_finetune_stsb", family="contextual", data="stsb, all-minilm-l6-v2",
    exports="sbert_stsb: text -> embedding",
    summary="Sentence-BERT fine-tuning (cosine, CoSENT, AnglE or in-batch negatives) of MiniLM on STS-B train",
    metric="STS-B test Spearman x100 (baseline: before fine-tuning)", higher_is_better=True,
    quick_flags=("--limit", "192", "--dev-limit", "150", "--test-limit", "300", "--epochs", "1"), tour_flags=None,
)

MNRL_MIN_SCORE = 4.0  # pairs this similar count as (anchor, positive) for in-batch negatives
WARMUP = ["A man is playing a guitar.", "", "A woman is slicing an onion.", "a sentence " * 200]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run sbert_finetune_stsb", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--preset", default=DEFAULT_PRESET,
                        help="zoo preset name, KerasHub preset folder or name, or Hugging Face-format folder")
    parser.add_argument("--loss", choices=sorted(LOSSES), default="cosent",
                        help="cosine regression, CoSENT, AnglE, or multiple negatives ranking (in-batch)")
    parser.add_argument("--epochs", type=int, default=4, help="passes over the training pairs")
    parser.add_argument("--batch-size", type=int, default=16, help="pairs a batch")
    parser.add_argument("--learning-rate", type=float, default=2e-5, help="AdamW's peak learning rate")
    parser.add_argument("--warmup-ratio", type=float, default=0.1, help="share of the steps that warm up")
    parser.add_argument("--seed", type=int, default=42, help="shuffle and dropout seed")
    parser.add_argument("--precision", choices=TRAINING_PRECISIONS, default="float32",
                        help="the training steps' precision: bfloat16 needs a CPU with AVX-512 BF16 or AMX "
                             "(about 1.3x the pairs a second; evaluation and export stay float32)")
    for split in ("train", "dev", "test"):
        parser.add_argument(f"--{split}-file", help=f"STS-B format {split} pairs of yours (default: the shipped ones)")
    parser.add_argument("--limit", type=int, help="train on the first N pairs only (a quick run)")
    parser.add_argument("--dev-limit", type=int, help="select on the first N dev pairs only")
    parser.add_argument("--test-limit", type=int, help="score on the first N test pairs only")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="sbert_stsb", help="export name")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    return parser.parse_args(argv)


def load_pairs(split, path, limit):
    return (read_stsb_file(path) if path else load_stsb(split))[:limit]


def training_rows(pairs, loss):
    """(columns, labels) on the loss's scale: cosine in [0, 1]; CoSENT and AnglE the gold order; MNRL the pairs
    scored MNRL_MIN_SCORE or more, both ways round (each sentence an anchor once)."""
    if loss == "mnrl":
        positives = [p for p in pairs if p.score >= MNRL_MIN_SCORE]
        first = [p.sentence1 for p in positives] + [p.sentence2 for p in positives]
        second = [p.sentence2 for p in positives] + [p.sentence1 for p in positives]
        return [first, second], np.zeros(len(first), np.float32)
    scores = np.array([p.score for p in pairs], np.float32)
    return [[p.sentence1 for p in pairs], [p.sentence2 for p in pairs]], scores / 5.0 if loss == "cosine" else scores


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "sbert_finetune_stsb", distribute.NOT_WIRED)
    check_precision(args.precision, TRAINING_PRECISIONS)  # before minutes of work: refuses bfloat16 on CPUs without it

    # 1. Data: train, dev and test pairs (a score outside 0-5 or a missing column names its file and line).
    train, dev, test = (load_pairs(split, getattr(args, f"{split}_file"), limit)
                        for split, limit in (("train", args.limit), ("dev", args.dev_limit),
                                             ("test", args.test_limit)))
    columns, labels = training_rows(train, args.loss)
    print(f"1. STS-B: {len(train):,} train pairs ({len(labels):,} training rows for {args.loss}), "
          f"{len(dev):,} dev, {len(test):,} test")

    # 2. The encoder, scored before fine-tuning.
    encoder = TextEncoder.from_preset(args.preset)
    before = {"dev": sts_spearman(encoder.encode, dev), "test": sts_spearman(encoder.encode, test)}
    print(f"2. {args.preset} before: Spearman x 100 dev {before['dev']:.2f}, test {before['test']:.2f}")

    # 3. Fine-tune; after each epoch, dev Spearman; the best epoch's weights are kept.
    result = fine_tune(encoder, columns, labels, args.loss, epochs=args.epochs, batch_size=args.batch_size,
                       learning_rate=args.learning_rate, warmup_ratio=args.warmup_ratio,
                       dev_score=lambda: sts_spearman(encoder.encode, dev),
                       checkpoint_dir=checkpoint_dir(args, RECIPE.name), seed=args.seed,
                       precision=args.precision, verbose=args.verbose)
    print(f"3. fine-tuned with {args.loss}: {result['pairs_per_second']:.1f} training rows/s; dev Spearman by "
          f"epoch: {', '.join(f'{e + 1}: {s:.2f}' for e, s in sorted(result['dev_scores'].items()))}; "
          f"kept epoch {result['best_epoch'] + 1}")

    # 4. Score the kept encoder on test.
    after = {"dev": result["dev_scores"][result["best_epoch"]], "test": sts_spearman(encoder.encode, test)}
    print_table(("STS-B Spearman x 100", "dev", "test"),
                [("before", f"{before['dev']:.2f}", f"{before['test']:.2f}"),
                 (f"after ({args.loss}, epoch {result['best_epoch'] + 1})", f"{after['dev']:.2f}",
                  f"{after['test']:.2f}")])

    # 5. Export text -> embedding and check it as TF Serving would load it.
    path = export_text_encoder(encoder, args.name, WARMUP, root=args.export_dir)
    print(check(path).summary())
    return {"value": after["test"], "baseline": before["test"], "dev": after["dev"],
            "pairs_per_second": result["pairs_per_second"], "exports": [str(path)]}


if __name__ == "__main__":
    main()
