"""Distilled static vectors: all-MiniLM-L6-v2 turned into a table of word-piece vectors (model2vec's method, in
Keras), then fitted to the teacher's sentence vectors on the shipped text (model2vec's tokenlearn step).

What: `zoo.static.distill` runs each of the teacher's 30,522 word pieces alone through it ([CLS] piece [SEP],
      outputs averaged), reduces to 256 dimensions by PCA and weights each piece by SIF over Zipf's law: the
      vectors model2vec's `distill` makes. Then `zoo.static.distillation.fit_to_teacher` trains the table so that
      the mean of a sentence's piece vectors, through a linear map folded in afterwards, points where the
      teacher's sentence vector points. A sentence's vector is the mean of its pieces' rows: no transformer.
Data: the teacher `all-minilm-l6-v2`; sentences of `wiki-excerpt`, `lee`, `clothing-reviews` and STS-B train
      (the sentences only, no scores) to fit on (`--sentences-file FILE`: yours, one a line); STS-B test and dev,
      WordSim-353 to evaluate.
Expected: STS-B test Spearman x 100: teacher 82.03; distilled 66.08 (model2vec 0.10's distill of the same
      teacher: 66.08); after the fit 74-77 (40,000 sentences: 76); encoding ~100x the teacher's sentences a
      second on 2 cores; the export (float16 table, 18 MB against the teacher's 90 MB) passes `zoo check`.

    zoo run distilled_vectors [--dim 256] [--sentences 40000] [--epochs 6] [--sentences-file FILE]
"""

import argparse
import re
import time
from pathlib import Path

import numpy as np

from zoo import distribute
from zoo.contextual import TextEncoder
from zoo.contextual.presets import DEFAULT_PRESET
from zoo.data import load_clothing_reviews, load_lee, load_stsb, load_wiki_excerpt, load_word_pairs
from zoo.data.records import numbered_lines
from zoo.errors import ZooDataError
from zoo.evaluate.sentence_similarity import sts_spearman
from zoo.evaluate.word_benchmarks import word_pair_spearman
from zoo.files import remove
from zoo.recipes import HelpFormatter, Recipe, add_output_flags, checkpoint_dir
from zoo.serving import check, export
from zoo.static import distill
from zoo.static.distillation import fit_to_teacher
from zoo.tables import print_table

RECIPE = Recipe(
    name="distilled_vectors", family="static", data="all-minilm-l6-v2, wiki-excerpt+lee, clothing-reviews, stsb",
    exports="distilled_vectors: text -> embedding (MiniLM's word pieces, the mean of their distilled vectors)",
    summary="static word-piece vectors distilled from all-MiniLM-L6-v2 (model2vec's method) and fitted to it",
    metric="STS-B test Spearman x100 (baseline: model2vec's method, no fit)", higher_is_better=True,
    quick_flags=("--sentences", "300", "--epochs", "1"), tour_flags=("--sentences", "12000", "--epochs", "4"),
)

WARMUP = {"text": ["A man is playing a guitar.", "", "Le café est très bon 😀", "bank " * 300]}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="zoo run distilled_vectors", description=__doc__,
                                     formatter_class=HelpFormatter)
    parser.add_argument("--preset", default=DEFAULT_PRESET, help="the teacher: a sentence encoder preset or folder")
    parser.add_argument("--dim", type=int, default=256, help="PCA to this many dimensions")
    parser.add_argument("--sif-coefficient", type=float, default=1e-4, help="a of the SIF weight a / (a + p)")
    parser.add_argument("--sentences-file", help="your sentences to fit on, one a line (default: the shipped text)")
    parser.add_argument("--sentences", type=int, default=40_000, help="at most this many sentences, a seeded sample")
    parser.add_argument("--epochs", type=int, default=6, help="passes of the fit over the sentences (0: no fit)")
    parser.add_argument("--batch-size", type=int, default=256, help="sentences a step of the fit")
    parser.add_argument("--learning-rate", type=float, default=2e-3, help="Adam's learning rate in the fit")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample and the fit")
    add_output_flags(parser)
    distribute.add_strategy_flag(parser, supported=("default",), why=distribute.NOT_WIRED)
    parser.add_argument("--name", default="distilled_vectors", help="export name")
    parser.add_argument("--verbose", type=int, default=1, help="Keras verbosity: 0 silent, 1 progress bars")
    return parser.parse_args(argv)


def split_sentences(text):
    """Sentences of 4 to 64 words, split after . ! or ? and a space."""
    sentences = re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text).strip())
    return [s for s in sentences if 4 <= len(s.split()) <= 64]


def fitting_sentences(args):
    """--sentences-file's lines, or the shipped text's sentences (STS-B train's without scores); a seeded sample."""
    if args.sentences_file:
        sentences = [line.strip() for _, line in numbered_lines(args.sentences_file) if line.strip()]
        if not sentences:
            raise ZooDataError(args.sentences_file, "no sentences: the fit needs one a line")
    else:
        texts = [a.text for a in load_wiki_excerpt()] + load_lee()
        texts += [r.text for r in load_clothing_reviews() if r.text]
        sentences = [s for text in texts for s in split_sentences(text)]
        sentences += [s for p in load_stsb("train") for s in (p.sentence1, p.sentence2)]
    sentences = list(dict.fromkeys(sentences))
    chosen = np.random.default_rng(args.seed).permutation(len(sentences))[: args.sentences]
    return [sentences[i] for i in chosen]


def word_similarity(embed, pairs):
    """Spearman of the cosine of each word's vector alone (through the sentence encoding) with the human score."""
    words = sorted({w for p in pairs for w in (p.word1, p.word2)})
    return word_pair_spearman(dict(zip(words, embed(words))), pairs)


def timed_sts(embed, pairs):
    """(STS-B Spearman x 100, sentences a second of the one timed pass over the pairs' distinct sentences), the
    graphs traced before on a few sentences. One pass: benchmarks/distillation.py times it properly."""
    sentences = sorted({s for p in pairs for s in (p.sentence1, p.sentence2)})
    embed(sentences[:64])
    started = time.perf_counter()
    score = sts_spearman(embed, pairs)
    return score, len(sentences) / (time.perf_counter() - started)


def main(argv=None):
    args = parse_args(argv)
    distribute.require_strategy(args.strategy, ("default",), "distilled_vectors", distribute.NOT_WIRED)
    run = Path(checkpoint_dir(args, RECIPE.name))

    # 1. The teacher, and the text to fit on.
    sentences = fitting_sentences(args) if args.epochs else []
    teacher = TextEncoder.from_preset(args.preset)
    print(f"1. teacher {args.preset} ({teacher.count_params():,} weights); {len(sentences):,} sentences to fit on")

    # 2. model2vec's method: each word piece through the teacher, PCA, SIF weights.
    started = time.perf_counter()
    distilled = distill(teacher, dim=args.dim, sif_coefficient=args.sif_coefficient, verbose=args.verbose)
    print(f"2. distilled {len(distilled):,} word pieces to {distilled.vector_size} dimensions "
          f"in {time.perf_counter() - started:.0f} s")

    # 3. The fit to the teacher's sentence vectors (resumable: the teacher's vectors and the epochs are kept).
    fitted = distilled
    if args.epochs:
        fitted = fit_to_teacher(distilled, teacher, sentences, epochs=args.epochs, learning_rate=args.learning_rate,
                                batch_size=args.batch_size, checkpoint_dir=run, seed=args.seed, verbose=args.verbose)
        print(f"3. fitted to the teacher's vectors of {len(sentences):,} sentences, {args.epochs} epochs")
        remove(run)  # finished: nothing left to resume

    # 4. Evaluate teacher, distilled and fitted on the same sentences and words.
    test, dev, wordsim = load_stsb("test"), load_stsb("dev"), load_word_pairs("wordsim353")
    models = {"teacher (MiniLM)": lambda s: teacher.encode(list(s), batch_size=32),
              "distilled (model2vec's method)": distilled.encode}
    if fitted is not distilled:
        models["distilled + fit to teacher"] = fitted.encode
    rows, scores = [], {}
    for name, embed in models.items():
        scores[name], speed = timed_sts(embed, test)
        rows.append((name, f"{scores[name]:.2f}", f"{sts_spearman(embed, dev):.2f}",
                     f"{word_similarity(embed, wordsim):.3f}", f"{speed:,.0f}"))
    print("4. on the same sentences and words:")
    print_table(("model", "STS-B test x100", "STS-B dev x100", "WordSim-353", "sentences/s (STS-B test)"), rows)

    # 5. Export the fitted table (float16), text -> embedding, and check it.
    path = export(fitted.text_encoder(table_dtype="float16", name=args.name), args.name, WARMUP,
                  root=args.export_dir)
    report = check(path)
    print(report.summary())
    export_mb, teacher_mb = report.size_bytes / 1e6, teacher.count_params() * 4 / 1e6
    print(f"5. export {export_mb:.1f} MB, {export_mb / teacher_mb:.2f} of the teacher's {teacher_mb:.0f} MB of "
          f"float32 weights")
    names = list(models)
    return {"value": scores[names[-1]], "baseline": scores[names[1]], "teacher": scores[names[0]],
            "export_mb": export_mb, "exports": [str(path)]}


if __name__ == "__main__":
    main()
