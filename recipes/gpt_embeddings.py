"""GPT embeddings: a small GPT-2 trained here with KerasHub, its sentence vectors evaluated and served.

What: no GPT-2 weights can be had offline, so a byte-level BPE vocabulary and a small `GPT2CausalLM` are trained
      from scratch (`zoo.contextual.GPT2Trainer`), saved as a KerasHub preset folder, and loaded back as
      `TextEncoder.from_preset(folder)`, mean-pooled (`--pooling last` takes the last token, GPT's usual summary,
      the only one that has read the whole text: a model this small puts little there). `--preset FOLDER`
      skips training and takes your GPT-2 preset (KerasHub or Hugging Face format).
Data: the `wiki-excerpt` corpus (106 Wikipedia articles, about 450,000 words); 5% of the articles are held out
      for perplexity. Sentence vectors are scored on STS-B test like the Sentence-BERT recipe.
Expected: held-out perplexity about 610 after a few minutes on 2 CPU cores, from about 8,000 (the vocabulary size)
      untrained and 1,456 for token frequencies alone (a bigram count model reaches about 334: minutes of CPU
      do not make a good language model, the path is what this shows). The headline: STS-B test Spearman x 100
      about 20-22 with mean pooling (varying a little from run to run), 1-7 with the last token, against about 23
      for the same model without context (the mean of its input token embeddings): a language model trained on
      0.5M words is no sentence encoder, and its context does not help here; the export `text -> embedding`
      passes `zoo check`.

    zoo run gpt_embeddings [--epochs 1] [--layers 2] [--hidden-dim 128] [--quick] [--preset FOLDER]
"""

import argparse
import json
from pathlib import Path

from zoo import distribute
from zoo.contextual import TextEncoder
from zoo.contextual.encoder_exports import export_text_encoder
from zoo.contextual.gpt_training import QUICK, GPT2Trainer
from zoo.data import load_stsb
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.recipes import HelpFormatter, Recipe, add_output_flags, checkpoint_dir, run_key
from zoo.serving import check

RECIPE = Recipe(
    name="gpt_embeddings", family="contextual", data="wiki-excerpt, stsb",
    exports="gpt_embeddings: text -> embedding (mean of the token vectors; --pooling last)",
    summary="a small GPT-2 trained here with KerasHub (BPE vocabulary, causal LM), its sentence vectors served",
    metric="STS-B Spearman x100", higher_is_better=True, quick_flags=("--quick", "--stsb-limit", "300"),
    tour_flags=("--train-sequences", "3000"),
)

WARMUP = ["The war ended in 1945.", "", "Le café est très bon 😀", "history " * 200]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run gpt_embeddings", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--preset", help="a GPT-2 preset folder of yours: no training, straight to evaluation")
    parser.add_argument("--vocabulary-size", type=int, default=8000, help="BPE vocabulary size")
    parser.add_argument("--layers", type=int, default=2, help="transformer layers")
    parser.add_argument("--hidden-dim", type=int, default=128, help="hidden size (the width of the token vectors)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads")
    parser.add_argument("--sequence-length", type=int, default=128, help="tokens a training sequence")
    parser.add_argument("--epochs", type=int, default=1, help="passes over the training text")
    parser.add_argument("--train-sequences", type=int, help="train on this many sequences (default: all)")
    parser.add_argument("--quick", action="store_true", help="a run of seconds: " + json.dumps(QUICK))
    parser.add_argument("--pooling", choices=("last", "mean"), default="mean",
                        help="how token vectors become a sentence vector (the other pooling is scored beside it)")
    parser.add_argument("--stsb-limit", type=int, help="score the first N STS-B test pairs only")
    parser.add_argument("--seed", type=int, default=1, help="random seed (vocabulary, weights, held-out split)")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="gpt_embeddings", help="export name")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    return parser.parse_args(argv)


def train_preset(args):
    """Steps 1-2: train, report perplexity, save the preset folder; returns (folder, perplexity)."""
    settings = dict(vocabulary_size=args.vocabulary_size, num_layers=args.layers, hidden_dim=args.hidden_dim,
                    num_heads=args.heads, sequence_length=args.sequence_length, epochs=args.epochs,
                    train_sequences=args.train_sequences, seed=args.seed)
    if args.quick:
        settings.update(QUICK)
    trainer = GPT2Trainer(**settings)
    trainer.fit(checkpoint_dir=checkpoint_dir(args, "gpt_embeddings"), verbose=args.verbose)
    print(f"1. trained: {trainer.causal_lm.backbone.count_params():,} parameters, vocabulary "
          f"{trainer.tokenizer.vocabulary_size():,}; held-out perplexity {trainer.perplexity['before']:.0f} "
          f"untrained -> {trainer.perplexity['after']:.1f} (token frequencies alone: "
          f"{trainer.perplexity['unigram']:.0f})")
    folder = Path(args.runs_dir) / f"gpt_embeddings-{run_key(args)}" / "preset"
    trainer.save_preset(folder)
    print(f"2. saved the KerasHub preset: {folder}")
    return folder, trainer.perplexity


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "gpt_embeddings", distribute.NOT_WIRED)
    folder, perplexity = (Path(args.preset), {}) if args.preset else train_preset(args)

    # 3. The sentence encoder: the preset's backbone and tokenizer, mean (or last-token) pooling.
    encoder = TextEncoder.from_preset(str(folder), pooling=args.pooling)
    print(f"3. encoder: {encoder.pooling} pooling, {encoder.output_dim}-d, at most {encoder.sequence_length} tokens")

    # 4. STS-B test, with this pooling and with the other one (mean against last token).
    pairs = load_stsb("test")[: args.stsb_limit]
    spearman = sts_spearman(encoder.encode, pairs)
    other = "mean" if encoder.pooling != "mean" else "last"
    other_spearman = sts_spearman(TextEncoder(encoder.backbone, encoder.tokenizer, pooling=other,
                                              sequence_length=encoder.sequence_length).encode, pairs)
    baseline = sts_spearman(encoder.encode_without_context, pairs)
    print(f"4. STS-B test Spearman x 100 on {len(pairs):,} pairs: {spearman:.2f} with {encoder.pooling} pooling, "
          f"{other_spearman:.2f} with {other} pooling, {baseline:.2f} without context (the mean of the input "
          "token embeddings)")

    # 5. Export text -> embedding and check it.
    path = export_text_encoder(encoder, args.name, WARMUP, root=args.export_dir)
    print(check(path).summary())
    return {"value": spearman, "baseline": baseline, "other_pooling": other_spearman, "perplexity": perplexity,
            "exports": [str(path)]}


if __name__ == "__main__":
    main()
