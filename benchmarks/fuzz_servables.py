"""Fuzzed servables: every export answers arbitrary Predict requests with finite vectors or a clean error.

    nice -n 19 .venv/bin/python benchmarks/fuzz_servables.py --cases 10000

What it does, top to bottom:

1. Takes the exports named on the command line, or by default the latest version of every export under --root
   (saved_models/, where `zoo tour` writes them).
2. Serves each as `zoo check` loads it: zoo.serving.served_session.ServedSession, a fresh process (`python -P`,
   only tensorflow and tensorflow_text imported) that loads the export with the C++ SavedModel loader into a
   TF1 session and runs `serving_default` through TF_SessionRun, one Predict request (a serialized
   PredictionLog) at a time. Exports whose signatures take the same inputs get the same requests.
3. Draws --cases requests per signature with hypothesis (tests/serving/fuzz_inputs.py, the strategies the CI
   test uses; seeded by --seed, generation phase only, no shrinking): arbitrary unicode (NUL, RTL and combining
   marks, emoji, lone surrogates as their invalid UTF-8), raw non-UTF-8 bytes, empty strings, 100,000-character
   strings, empty batches, batches of --big-batch (1,000), mostly batches of 1 to --max-batch (8); for numbers
   anything of the dtype (NaN, +-inf, out of range) and unseen ids; token ids of 0-16 or 600 positions.
   An export listed in --small-batches gets its own requests, with batches of 1 to 2 and big batches of 32:
   the same kinds of values, a tenth of the compute (by default the MiniLM and GPT text exports, whose cost is
   per text: with the batches of the others, MiniLM alone would take over an hour on two cores, by a 100-case run).
4. Judges each answer (tests/serving/fuzz_inputs.verdict): answered (every output's leading dimension is the
   batch, every float finite), a clean INVALID_ARGUMENT error, or a failure: NaN/inf in an output, a wrong
   shape, another error code, a timeout (--timeout), a crash (the serving process died) or a memory blow-up
   (the process holds more than --max-memory MB after the request); the process is then restarted and the run
   goes on. The first input of each kind of failure is printed.
5. Prints the table: per export, its signature's inputs, the cases, each outcome's count and the seconds spent
   serving it, and the peak memory (VmHWM) of its serving process (the generation of requests is shared and
   shown per signature).
"""

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPOSITORY)  # the zoo of this checkout, and its tests' strategies

OUTCOMES = ["answered", "invalid", "crash", "nan", "shape", "other error", "timeout", "memory"]
HEADERS = ["answered", "INVALID_ARGUMENT", "crashes", "NaN/inf outputs", "wrong shapes", "other errors",
           "timeouts", "over --max-memory"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="export folders (default: the latest version of each under --root)")
    parser.add_argument("--root", default=os.path.join(REPOSITORY, "saved_models"), help="where the exports are")
    parser.add_argument("--cases", type=int, default=10_000, help="requests per signature")
    parser.add_argument("--max-batch", type=int, default=8, help="most requests hold 1 to this many rows")
    parser.add_argument("--big-batch", type=int, default=1000, help="the size of the occasional big batch")
    parser.add_argument("--small-batches", nargs="*", default=["sentence_embeddings", "gpt_embeddings"],
                        help="export names (exactly) fuzzed with batches of 1-2 and big batches of 32")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one request may take")
    parser.add_argument("--max-memory", type=int, default=6000,
                        help="MB a serving process may hold after a request; past it, counted and restarted")
    return parser.parse_args(argv)


def latest_exports(root):
    from zoo.serving import versions

    paths = []
    for model_dir in sorted(Path(root).iterdir()):
        found = versions(model_dir) if model_dir.is_dir() else []
        if found:
            paths.append(model_dir / str(found[-1]))
    return paths


def signature_inputs(path):
    """{input name: {"dtype", "shape"}} of serving_default, from saved_model.pb (nothing loaded)."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    saved_model = saved_model_pb2.SavedModel.FromString((Path(path) / "saved_model.pb").read_bytes())
    signature = next(m for m in saved_model.meta_graphs if "serve" in m.meta_info_def.tags).signature_def
    return {name: {"dtype": tf.as_dtype(info.dtype).name, "shape": [d.size for d in info.tensor_shape.dim]}
            for name, info in signature["serving_default"].inputs.items()}


def describe(inputs):
    return ", ".join(f"{name} {spec['dtype']}{spec['shape']}".replace("-1", "?")
                     for name, spec in sorted(inputs.items())).replace("string", "str")


def fuzz_group(paths, inputs, cases, batch, big, args):
    """Sends the same `cases` requests to each export of `paths`; returns ({path: Counter}, {path: seconds},
    generation seconds, {(path, outcome): first input})."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    from tests.serving.fuzz_inputs import batch_of, requests, verdict
    from zoo.errors import CheckFailed
    from zoo.serving.served_session import ServedSession, describe_inputs

    counts, seconds, first, peak = {p: Counter() for p in paths}, Counter(), {}, Counter()
    sessions = {p: ServedSession(p, timeout=args.timeout).__enter__() for p in paths}  # one process each
    started = time.perf_counter()

    def restart(path):
        peak[path] = max(peak[path], memory_mb(sessions[path], "VmHWM"))
        sessions[path].close()
        sessions[path] = ServedSession(path, timeout=args.timeout).__enter__()

    @seed(args.seed)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(requests(inputs, big_batch=big, most=batch))
    def case(request):
        for path in paths:
            start = time.perf_counter()
            try:
                outcome = verdict(sessions[path].predict(request, path), batch_of(request))
                if memory_mb(sessions[path], "VmRSS") > args.max_memory:
                    outcome = "memory"
                    first.setdefault((path, outcome), f"{args.max_memory} MB passed on {describe_inputs(request)}")
                    restart(path)
            except CheckFailed as error:  # the process died or hung: count it, start a fresh one
                outcome = "timeout" if "took more than" in str(error) else "crash"
                first.setdefault((path, outcome), str(error)[:500])
                sessions[path] = ServedSession(path, timeout=args.timeout).__enter__()
            except AssertionError as error:
                message = str(error)
                outcome = ("other error" if message.startswith("an error other") else "nan" if "holds NaN" in message
                           else "shape")
                first.setdefault((path, outcome), f"{message[:300]} on {describe_inputs(request)}")
            seconds[path] += time.perf_counter() - start
            counts[path][outcome] += 1
        done = sum(counts[paths[0]].values())
        if done % 1000 == 0:
            print(f"  {done:,} requests, {time.perf_counter() - started:.0f} s", flush=True)

    try:
        case()
    finally:
        for path, session in sessions.items():
            peak[path] = max(peak[path], memory_mb(session, "VmHWM"))
            session.close()
    generation = time.perf_counter() - started - sum(seconds.values())
    return counts, seconds, generation, first, peak


def memory_mb(session, field):
    """The serving process's VmRSS or VmHWM (peak) in MB (Linux); 0 where it is gone."""
    try:
        with open(f"/proc/{session.process.pid}/status") as status:
            return next(int(line.split()[1]) // 1024 for line in status if line.startswith(field + ":"))
    except (AttributeError, OSError, StopIteration):
        return 0


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = [Path(p) for p in args.paths] or latest_exports(args.root)
    groups = {}  # (inputs, small batches?) -> paths
    for path in paths:
        inputs = signature_inputs(path)
        small = path.parent.name in args.small_batches
        groups.setdefault((repr(sorted(inputs.items())), small), (inputs, small, []))[2].append(path)
    rows, failures = [], {}
    for inputs, small, group in groups.values():
        batch, big = (2, 32) if small else (args.max_batch, args.big_batch)
        print(f"fuzzing {len(group)} export(s) taking {describe(inputs)}: {args.cases:,} requests, batches of "
              f"1-{batch} and {big}", flush=True)
        counts, seconds, generation, first, peak = fuzz_group(group, inputs, args.cases, batch, big, args)
        failures.update(first)
        print(f"  {generation:.0f} s drawing the requests", flush=True)
        for path in group:
            rows.append([f"{path.parent.name}/{path.name}", describe(inputs), f"1-{batch}, {big}",
                         f"{sum(counts[path].values()):,}", *[f"{counts[path][o]:,}" for o in OUTCOMES],
                         f"{peak[path]:,}", f"{seconds[path]:.0f}"])
    header = ["export", "inputs", "batches", "cases", *HEADERS, "peak MB", "serving s"]
    print("\n| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for (path, outcome), text in failures.items():
        print(f"first {outcome} of {path}: {text}")
    failed = sum(1 for row in rows if any(v != "0" for v in row[6:12]))
    print(f"\n{len(rows)} exports, {failed} with a crash, NaN, wrong shape, unclear error, timeout or memory blow-up")
    return failed


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
