"""Reduced precision on the CPU: TensorFlow's oneDNN bfloat16 rewrite, and whether this CPU runs bfloat16 or int8
natively (the int8 products themselves: zoo/contextual/int8_products.py).

The rewrite (grappler's `auto_mixed_precision_onednn_bfloat16`) turns a graph's matmuls, convolutions and the ops
between them to bfloat16 when the graph is optimised, that is when a `tf.function` is first run for an input
shape; a function already run keeps the precision it was optimised at. Variables stay float32. oneDNN runs
bfloat16 natively on CPUs with AVX-512 BF16 or AMX; elsewhere it emulates it, slower than float32, so
`require_bfloat16_cpu` refuses there.
"""

import contextlib
import os

import tensorflow as tf

from zoo.errors import ZooInputError

PRECISIONS = ("float32", "bfloat16", "int8")  # of inference; int8 quantises a trained model
TRAINING_PRECISIONS = ("float32", "bfloat16")
BFLOAT16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # as /proc/cpuinfo names them
INT8_CPU_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8")  # int8 products that oneDNN runs without saturating
REWRITE = "auto_mixed_precision_onednn_bfloat16"


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The first processor's feature flags (Linux); an empty set where /proc/cpuinfo is absent."""
    if not os.path.exists(cpuinfo):
        return set()
    with open(cpuinfo) as handle:
        for line in handle:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def require_bfloat16_cpu(cpuinfo="/proc/cpuinfo"):
    """Raises ZooInputError unless this CPU has AVX-512 BF16 or AMX."""
    if not cpu_flags(cpuinfo) & set(BFLOAT16_CPU_FLAGS):
        raise ZooInputError(f"precision 'bfloat16' needs a CPU with {' or '.join(BFLOAT16_CPU_FLAGS)} "
                            f"({cpuinfo} lists neither): use precision 'float32'")


def require_int8_cpu(cpuinfo="/proc/cpuinfo"):
    """Raises ZooInputError unless this CPU has VNNI (AVX-512 or AVX) or AMX int8, and TensorFlow has its oneDNN
    kernels on. Without VNNI oneDNN's uint8 x int8 products go through 16-bit sums that saturate."""
    if not cpu_flags(cpuinfo) & set(INT8_CPU_FLAGS):
        raise ZooInputError(f"precision 'int8' needs a CPU with {' or '.join(INT8_CPU_FLAGS)} "
                            f"({cpuinfo} lists none): use precision 'float32' or 'bfloat16'")
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").strip().lower() in ("0", "false"):
        raise ZooInputError("precision 'int8' runs on TensorFlow's oneDNN kernels, which TF_ENABLE_ONEDNN_OPTS=0 "
                            "turns off: unset it")


def check_precision(precision, choices=PRECISIONS):
    if precision not in choices:
        raise ZooInputError(f"precision {precision!r}: expected one of {', '.join(choices)}")
    if precision == "bfloat16":
        require_bfloat16_cpu()
    if precision == "int8":
        require_int8_cpu()


def onednn_bfloat16_enabled():
    return bool(tf.config.optimizer.get_experimental_options().get(REWRITE, False))


def set_onednn_bfloat16(enabled):
    """Turns the rewrite on or off for the functions optimised from now on; returns whether it was on."""
    was = onednn_bfloat16_enabled()
    tf.config.optimizer.set_experimental_options({REWRITE: bool(enabled)})
    return was


@contextlib.contextmanager
def onednn_bfloat16(enabled=True):
    """The rewrite on (or off) inside the block, as it was after it."""
    was = set_onednn_bfloat16(enabled)
    try:
        yield
    finally:
        set_onednn_bfloat16(was)
