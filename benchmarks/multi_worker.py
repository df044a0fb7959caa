"""Multi-worker training: a recipe in one process against the same recipe on 2 worker processes (loopback), and
on a parameter-server cluster (a chief, the workers, 2 parameter servers).

    .venv/bin/python benchmarks/multi_worker.py [--recipe two_tower_movielens] [--workers 2] [--parameter-servers 2]
        [-- RECIPE FLAGS...]

What it does, top to bottom:

1. Runs `python recipes/RECIPE.py FLAGS --verbose 0` once in one process (`--strategy default`), its exports and
   training state in a fresh temporary folder.
2. Runs the same command as --workers processes at once with `--strategy multi_worker`, each with its own
   TF_CONFIG (one cluster of `worker` tasks on 127.0.0.1, free ports), as one would on several machines; the chief
   (worker 0) exports. Both runs are bounded by --timeout.
3. With --parameter-servers N > 0: runs the same command with `--strategy parameter_server` as a chief, the
   --workers workers and N `ps` tasks (TF_CONFIG each); the chief trains, evaluates and exports, and the others,
   which serve until stopped, are stopped when it ends.
4. Prints, for each run: wall time (process start to the last process's end: imports, data, training, evaluation,
   exports and their checks), the recipe's metric as it printed it, and the ratio of the one-process time to the
   multi-worker time (the anchor is the one-process run: > 1 means the workers were faster).

On one 2-core machine the workers share the cores that one process uses alone, so no speed-up is expected: the
table says what the exchange of gradients costs and that the quality holds, not what several machines gain.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the zoo of this checkout

from zoo.distribute import loopback_cluster  # noqa: E402

METRICS = {"two_tower_movielens": r"two-tower\s+recall@10 \S+\s+recall@50 \S+\s+recall@100 (\S+)",
           "glove": r"wordsim353 spearman (\S+)"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=sorted(METRICS), default="two_tower_movielens")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the multi-worker run")
    parser.add_argument("--parameter-servers", type=int, default=2,
                        help="ps tasks of the parameter-server run (0: no such run)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds each run may take")
    parser.add_argument("flags", nargs="*", help="the recipe's own flags (after --)")
    return parser.parse_args()


def run(command, environments, folder, timeout, servers=()):
    """Starts one process per environment, and one per environment of `servers` (tasks that serve until stopped:
    stopped once the others end); returns (wall seconds, [stdout of each of the others])."""
    start = time.perf_counter()
    serving = [subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for env in servers]
    processes = [subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for env in environments]
    try:
        outputs = [process.communicate(timeout=timeout)[0] for process in processes]
    finally:
        for process in processes + serving:
            process.kill()
    for process, output in zip(processes, outputs):
        if process.returncode != 0:
            sys.exit(f"a run failed (exit {process.returncode}):\n{output[-3000:]}")
    return time.perf_counter() - start, outputs


def main():
    args = parse_args()
    base_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    base_env.pop("TF_CONFIG", None)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        command = [sys.executable, str(ROOT / "recipes" / f"{args.recipe}.py"), *args.flags, "--verbose", "0"]

        # 1. One process.
        one_time, (one_output,) = run([*command, "--export-dir", "one/saved_models", "--runs-dir", "one/runs"],
                                      [base_env], folder, args.timeout)

        # 2. --workers processes, a TF_CONFIG each.
        environments = [{**base_env, "TF_CONFIG": config} for config in loopback_cluster(args.workers)]
        multi_time, multi_outputs = run([*command, "--strategy", "multi_worker", "--export-dir", "multi/saved_models",
                                         "--runs-dir", "multi/runs"], environments, folder, args.timeout)

        # 3. A chief, the workers and --parameter-servers ps tasks.
        if args.parameter_servers:
            chief, *others = [{**base_env, "TF_CONFIG": config}
                              for config in loopback_cluster(args.workers, args.parameter_servers)]
            ps_time, (ps_output,) = run([*command, "--strategy", "parameter_server", "--export-dir", "ps/saved_models",
                                         "--runs-dir", "ps/runs"], [chief], folder, args.timeout, servers=others)

    # 4. The table.
    metric = lambda output: float(re.search(METRICS[args.recipe], output).group(1))
    print(f"{args.recipe} {' '.join(args.flags)} on {os.cpu_count()} cores")
    print("| run | wall time (s) | metric | one process / this |")
    print("|---|---|---|---|")
    print(f"| one process | {one_time:.1f} | {metric(one_output):.4f} | 1.00x |")
    print(f"| {args.workers} workers on loopback | {multi_time:.1f} | {metric(multi_outputs[0]):.4f} "
          f"| {one_time / multi_time:.2f}x |")
    if args.parameter_servers:
        print(f"| chief, {args.workers} workers, {args.parameter_servers} parameter servers on loopback | "
              f"{ps_time:.1f} | {metric(ps_output):.4f} | {one_time / ps_time:.2f}x |")


if __name__ == "__main__":
    main()
