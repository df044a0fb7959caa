"""Reduced precision on the CPU: which precisions are accepted, and bfloat16 only where the CPU runs it."""

import pytest

from zoo import precision
from zoo.errors import ZooInputError

WITH_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16 avx512_vnni\n"
WITHOUT = "processor\t: 0\nflags\t\t: fpu sse2 avx2\n"


@pytest.mark.parametrize("text, supported", [(WITH_BF16, True), (WITHOUT, False),
                                             (WITHOUT.replace("avx2", "avx2 amx_bf16"), True)])
def test_bfloat16_needs_avx512_bf16_or_amx(tmp_path, text, supported):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    if supported:
        precision.require_bfloat16_cpu(cpuinfo)
    else:
        with pytest.raises(ZooInputError, match=r"avx512_bf16 or amx_bf16 .*use precision 'float32'"):
            precision.require_bfloat16_cpu(cpuinfo)


def test_a_missing_cpuinfo_means_no_flags(tmp_path):
    assert precision.cpu_flags(tmp_path / "absent") == set()


def test_an_unknown_precision_is_refused_with_the_choices():
    with pytest.raises(ZooInputError, match="'float16': expected one of float32, bfloat16, int8"):
        precision.check_precision("float16")
    precision.check_precision("float32")
    with pytest.raises(ZooInputError, match="'int8': expected one of float32, bfloat16$"):  # training takes no int8
        precision.check_precision("int8", precision.TRAINING_PRECISIONS)


def test_the_rewrite_is_on_inside_the_block_only():
    assert not precision.onednn_bfloat16_enabled()
    with precision.onednn_bfloat16():
        assert precision.onednn_bfloat16_enabled()
        with precision.onednn_bfloat16(False):
            assert not precision.onednn_bfloat16_enabled()
        assert precision.onednn_bfloat16_enabled()
    assert not precision.onednn_bfloat16_enabled()
