"""README's "Composing embeddings in Keras" block runs as written, in a fresh process, in an empty folder."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def composing_block():
    section = README.read_text("utf-8").split("## Composing embeddings in Keras", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_the_composing_block_runs(tmp_path):
    script = composing_block() + "\nprint('composed')\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("composed")
    assert (tmp_path / "classifier.keras").is_file() and (tmp_path / "saved_models" / "classifier" / "1").is_dir()
