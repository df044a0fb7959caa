"""The MiniLM forward pass five ways, over the same batches, interleaved in one run: what fused_bert gains.

    .venv/bin/python benchmarks/minilm_forward_variants.py [--rounds 5]

The 2,000 STS-B sentences of benchmarks/sentence_encoding.py, sorted by length, in batches of 32, each padded to
its own longest (packed once, before timing), go through:
- keras: the TextEncoder's KerasHub model (`token_id_encoder`) in a tf.function;
- keras, XLA: the same, jit_compile=True, at the exact lengths;
- fused: `TextEncoder.embed_features`, the fused BERT pass of zoo/contextual/fused_bert.py (what encode() and
  the exports run), in a tf.function;
- fused, XLA: the same, jit_compile=True;
- fused, 2 at a time: the fused tf.function with two batches running at once, from two threads (what encode()
  does by default).
One untimed pass each (tracing, XLA compilation: its seconds are printed), then --rounds rounds that time each
once, in turn, so that a drift of the machine's speed touches all alike. Prints best and median sentences/s,
the ratio of medians to keras, and the smallest cosine to keras' embeddings.
"""

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)
sys.path.insert(0, os.path.join(REPOSITORY, "benchmarks"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    # 1. The batches, packed as encode() packs them.
    from sentence_encoding import real_sentences

    from zoo.contextual import TextEncoder

    sentences = real_sentences(2000)
    encoder = TextEncoder.from_preset("all-minilm-l6-v2")
    ids = encoder.token_ids(tf.constant(sentences))
    order = np.argsort(-ids.row_lengths().numpy(), kind="stable")
    batches = [encoder.pack(tf.gather(ids, order[s:s + 32])) for s in range(0, len(order), 32)]

    # 2. The five forward passes (the last is the third, two batches at a time).
    keras_model = lambda features: encoder.token_id_encoder(features, training=False)  # noqa: E731
    variants = {"keras": tf.function(keras_model, reduce_retracing=True),
                "keras, XLA": tf.function(keras_model, jit_compile=True),
                "fused": tf.function(encoder.embed_features, reduce_retracing=True),
                "fused, XLA": tf.function(encoder.embed_features, jit_compile=True)}
    concurrency = {name: 1 for name in variants}
    variants["fused, 2 at a time"], concurrency["fused, 2 at a time"] = variants["fused"], 2

    def run(function, concurrent=1):
        with ThreadPoolExecutor(concurrent) as pool:
            return np.concatenate(list(pool.map(lambda batch: function(batch).numpy(), batches)))

    # 3. Warm-up, then interleaved rounds.
    outputs, seconds = {}, {name: [] for name in variants}
    for name, function in variants.items():
        started = time.perf_counter()
        outputs[name] = run(function, concurrency[name])
        print(f"{name}: first pass {time.perf_counter() - started:.1f} s (tracing, compilation)")
    for _ in range(args.rounds):
        for name, function in variants.items():
            started = time.perf_counter()
            run(function, concurrency[name])
            seconds[name].append(time.perf_counter() - started)

    # 4. The table.
    median = {name: float(np.median(times)) for name, times in seconds.items()}
    print(f"\n{'forward pass':<20}{'best':>8}{'median':>8}{'x keras':>9}{'min cosine':>12}")
    for name, times in seconds.items():
        cosine = (outputs[name] * outputs["keras"]).sum(1).min()
        print(f"{name:<20}{len(sentences) / min(times):>8.0f}{len(sentences) / median[name]:>8.0f}"
              f"{median['keras'] / median[name]:>8.2f}x{cosine:>12.7f}")


if __name__ == "__main__":
    main()
