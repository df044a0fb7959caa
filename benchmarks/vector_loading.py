"""Loading pretrained vectors: zoo against gensim, in GloVe text and word2vec binary, same files, same run.

    .venv/bin/python benchmarks/vector_loading.py --words 400000 --dim 300 --repeats 3

What it does, top to bottom:

1. Writes two files into --folder (default: a fresh temporary folder, removed at the end unless --keep):
   `vectors.txt`, GloVe text (`word v1 ... vD` a line, no header, every value with 6 decimals as GloVe's
   writer prints them, e.g. `-0.082752`), and `vectors.bin`, word2vec binary (`count dim` header, then per word
   `word<space>` and D little-endian float32) holding the same words and the same float32 values. Values are
   normal(0, 0.4) rounded to 6 decimals; words are made up but shaped like a GloVe vocabulary (lower-case words
   of English-like letters, some capitalised, hyphenated, with digits or an apostrophe, punctuation tokens,
   about 3% with letters outside ASCII), all distinct. No network and nothing outside this repository is needed.
2. Loads each file --repeats times with `zoo.Vectors.load(path)` (format sniffed) and with gensim's
   `KeyedVectors.load_word2vec_format(path, binary=False, no_header=True)` for the text file and
   `(path, binary=True)` for the binary, taking turns (zoo, gensim, zoo, gensim, ...). Each load runs in a fresh
   Python process (this script with --child) that first imports numpy, zoo.static.vectors and gensim for both loaders
   alike, so neither pays for the other's imports and neither inherits the other's memory.
3. Time: wall time of the load call alone (time.perf_counter around it), the files being in the page cache
   (they were just written and the machine has memory to spare). The table shows the best and the median.
4. Memory: the child resets its peak resident set size just before the load (writing 5 to
   /proc/self/clear_refs, Linux), notes VmRSS, loads, then reads VmHWM (the peak since the reset). Peak memory of
   the load = VmHWM - that VmRSS: everything the load allocated and still held at its worst moment (the matrix,
   the words and their index, buffers), not the interpreter and its imported modules. It is shown in MB and as
   a multiple of the bare float32 matrix (words x dim x 4 bytes).
5. Checks that zoo and gensim load the same words in the same order and bit-identical matrices (SHA-256 of the
   keys and of the matrix bytes, computed in the child after the timing), and that the text and the binary
   file load to the same matrix.
6. Prints the table: per format and loader, the times, the ratio gensim time / zoo time (gensim is the anchor:
   "3.0x" means zoo takes a third of gensim's time) and the memory; then each goal, met or not.

Goals (the issue): zoo >= 3x gensim's speed on text, >= 1x on binary; zoo's peak <= 1.5x the float32 matrix.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)  # the zoo of this checkout

GOALS = {"text": 3.0, "binary": 1.0}  # zoo's speed as a multiple of gensim's, at least
MEMORY_GOAL = 1.5  # zoo's peak memory as a multiple of the float32 matrix, at most


# --- the child: one load, in a fresh process ---------------------------------------------------------------

def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(loader, path, binary):
    import gc
    import logging

    import gensim.models  # noqa: F401  (both loaders import the same modules)

    import zoo.static.vectors  # noqa: F401

    logging.disable(logging.WARNING)
    gc.collect()
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # resets VmHWM to the current VmRSS
    before = status_kb("VmRSS")
    start = time.perf_counter()
    if loader == "zoo":
        vectors = zoo.static.vectors.Vectors.load(path)
        keys, matrix = vectors.keys, vectors.matrix
    else:
        kv = gensim.models.KeyedVectors.load_word2vec_format(path, binary=binary, no_header=not binary)
        keys, matrix = kv.index_to_key, kv.vectors
    seconds = time.perf_counter() - start
    peak = (status_kb("VmHWM") - before) * 1024
    print(json.dumps({
        "seconds": seconds, "peak_bytes": peak, "shape": list(matrix.shape), "dtype": str(matrix.dtype),
        "keys_sha": hashlib.sha256("\n".join(keys).encode()).hexdigest(),
        "matrix_sha": hashlib.sha256(np.ascontiguousarray(matrix).data).hexdigest(),
    }))


# --- writing the files ------------------------------------------------------------------------------------

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
LETTER_WEIGHTS = np.array([12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0,
                           2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07])
FOREIGN = "éèàüöäçñßøåłšžčőíóúâêîôãõ" + "日本中国語의한국어ığşαβγδεжзийклмн"
PUNCTUATION = [",", ".", "the", "'s", "(", ")", "\"", ";", ":", "-", "--", "?", "!", "...", "'", "``", "''", "&",
               "%", "$", "#", "@", "/", "n't", "'re", "'ll", "'ve", "'m", "'d"]


def make_words(count, rng):
    words, seen = [], set()
    for word in PUNCTUATION[: min(count, len(PUNCTUATION))]:
        words.append(word)
        seen.add(word)
    lengths = np.clip(rng.poisson(7, count) + 1, 1, 20)
    kinds = rng.random(count)
    letters = rng.choice(list(LETTERS), size=int(lengths.sum()), p=LETTER_WEIGHTS / LETTER_WEIGHTS.sum())
    starts = np.r_[0, np.cumsum(lengths)]
    i = 0
    while len(words) < count:
        word = "".join(letters[starts[i % count] : starts[i % count + 1]])
        kind = kinds[i % count]
        if kind < 0.03:  # not ASCII
            word = word[:2] + "".join(rng.choice(list(FOREIGN), 2)) + word[2:]
        elif kind < 0.08:
            word = word.capitalize()
        elif kind < 0.11:
            word = word + "-" + word[::-1][:4]
        elif kind < 0.13:
            word = f"{word[:3]}{rng.integers(0, 2000)}"
        elif kind < 0.14:
            word = word + "'s"
        if word in seen:
            word = f"{word}{len(words)}"
        if word not in seen:
            words.append(word)
            seen.add(word)
        i += 1
    return words


def format_rows(scaled):
    """Rows of values in millionths as GloVe text with 6 decimals, in bulk: (rows, dim) int64 with |v| < 10^7 ->
    the rows' text (each `v1 v2 ... vD\\n`) and each row's length in bytes."""
    magnitude = np.abs(scaled)
    chars = np.empty(scaled.shape + (10,), dtype=np.uint8)
    chars[..., 0] = ord("-")
    chars[..., 1] = ord("0") + magnitude // 1_000_000
    chars[..., 2] = ord(".")
    for place in range(6):
        chars[..., 3 + place] = ord("0") + magnitude // 10 ** (5 - place) % 10
    chars[..., 9] = ord(" ")
    chars[:, -1, 9] = ord("\n")
    keep = np.ones(chars.shape, dtype=bool)
    keep[..., 0] = scaled < 0
    return chars[keep].tobytes(), keep.sum(axis=(1, 2))


def write_files(folder, count, dim, seed=0):
    rng = np.random.default_rng(seed)
    words = make_words(count, rng)
    text_path, binary_path = os.path.join(folder, "vectors.txt"), os.path.join(folder, "vectors.bin")
    with open(text_path, "wb") as text, open(binary_path, "wb") as binary:
        binary.write(f"{count} {dim}\n".encode())
        for block in range(0, count, 10_000):
            block_words = words[block : block + 10_000]
            scaled = np.rint(np.clip(rng.normal(0, 0.4, (len(block_words), dim)), -9.9, 9.9) * 1e6).astype(np.int64)
            # the text says q millionths; q / 1e6 in float64 is that decimal correctly rounded, as parsers read it,
            # and then rounded to float32 as both loaders do
            values = (scaled / 1e6).astype(np.float32)
            blob, lengths = format_rows(scaled)
            ends = np.cumsum(lengths)
            starts = ends - lengths
            raw = [word.encode() for word in block_words]
            text.write(b"".join(w + b" " + blob[s:e] for w, s, e in zip(raw, starts, ends)))
            little = values.astype("<f4")
            binary.write(b"".join(w + b" " + row.tobytes() for w, row in zip(raw, little)))
    return text_path, binary_path


# --- the run ----------------------------------------------------------------------------------------------

def load_in_child(loader, path, binary):
    command = [sys.executable, os.path.abspath(__file__), "--child", loader, path] + (["--binary"] if binary else [])
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY)
    if result.returncode:
        raise SystemExit(f"{loader} failed on {path}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=400_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--folder", help="where to write the two files (default: a temporary folder)")
    parser.add_argument("--repeats", type=int, default=3, help="loads per file and loader (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the files written")
    parser.add_argument("--child", nargs=2, metavar=("LOADER", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--binary", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child, binary=args.binary)

    folder = args.folder or tempfile.mkdtemp(prefix="zoo-vector-loading-")
    os.makedirs(folder, exist_ok=True)
    try:
        started = time.perf_counter()
        text_path, binary_path = write_files(folder, args.words, args.dim)
        matrix_bytes = args.words * args.dim * 4
        print(f"wrote {args.words:,} x {args.dim} vectors in {time.perf_counter() - started:.0f} s: "
              f"{text_path} ({os.path.getsize(text_path) / 1e6:,.0f} MB), "
              f"{binary_path} ({os.path.getsize(binary_path) / 1e6:,.0f} MB); "
              f"the float32 matrix is {matrix_bytes / 1e6:,.0f} MB", flush=True)

        results = {}
        for name, path, binary in [("text", text_path, False), ("binary", binary_path, True)]:
            for repeat in range(args.repeats):
                for loader in ("zoo", "gensim"):
                    run = load_in_child(loader, path, binary)
                    results.setdefault((name, loader), []).append(run)
                    print(f"  {name:6s} {loader:6s} run {repeat + 1}: {run['seconds']:7.2f} s, "
                          f"peak {run['peak_bytes'] / 1e6:,.0f} MB", flush=True)

        failures = check_agreement(results, args)
        print_table(results, matrix_bytes, args, failures)
        return 1 if failures else 0
    finally:
        if not args.keep and not args.folder:
            shutil.rmtree(folder, ignore_errors=True)


def check_agreement(results, args):
    failures = []
    for name in ("text", "binary"):
        runs = results[(name, "zoo")] + results[(name, "gensim")]
        for field in ("keys_sha", "matrix_sha"):
            if len({run[field] for run in runs}) != 1:
                failures.append(f"{name}: zoo and gensim differ ({field})")
        if any(run["shape"] != [args.words, args.dim] or run["dtype"] != "float32" for run in runs):
            failures.append(f"{name}: a load has the wrong shape or dtype")
    if results[("text", "zoo")][0]["matrix_sha"] != results[("binary", "zoo")][0]["matrix_sha"]:
        failures.append("the text and the binary file load to different matrices")
    return failures


def print_table(results, matrix_bytes, args, failures):
    print(f"\n{args.words:,} words x {args.dim}, {args.repeats} load(s) each, each in a fresh process; "
          f"time: best (median) of the loads; ratio: gensim's best / zoo's best; memory: peak of the load over "
          f"the float32 matrix ({matrix_bytes / 1e6:,.0f} MB)\n")
    print("| format | loader | seconds, best (median) | speed vs gensim | peak memory | x matrix |")
    print("|---|---|---|---|---|---|")
    verdicts = []
    for name in ("text", "binary"):
        best = {loader: min(run["seconds"] for run in results[(name, loader)]) for loader in ("zoo", "gensim")}
        for loader in ("zoo", "gensim"):
            runs = results[(name, loader)]
            median = statistics.median(run["seconds"] for run in runs)
            peak = max(run["peak_bytes"] for run in runs)
            ratio = best["gensim"] / best[loader]
            label = "GloVe text" if name == "text" else "word2vec binary"
            print(f"| {label} | {loader} | {best[loader]:.2f} ({median:.2f}) | {ratio:.2f}x | "
                  f"{peak / 1e6:,.0f} MB | {peak / matrix_bytes:.2f}x |")
        speed = best["gensim"] / best["zoo"]
        memory = max(run["peak_bytes"] for run in results[(name, "zoo")]) / matrix_bytes
        verdicts.append(f"{name}: zoo {speed:.2f}x gensim's speed (goal >= {GOALS[name]:g}x): "
                        f"{'met' if speed >= GOALS[name] else 'NOT met'}; zoo's peak {memory:.2f}x the matrix "
                        f"(goal <= {MEMORY_GOAL:g}x): {'met' if memory <= MEMORY_GOAL else 'NOT met'}")
    print()
    for line in verdicts + [f"agreement: {'zoo and gensim load identical words and matrices' if not failures else ''}"
                            + "; ".join(failures)]:
        print(line)


if __name__ == "__main__":
    sys.exit(main())
