"""`import zoo`: every Keras class of zoo registered, in a fresh process; the command line without TensorFlow."""

import re
import subprocess
import sys
from pathlib import Path

import zoo

ROOT = Path(__file__).resolve().parents[1]
REGISTERED = re.compile(r"@keras\.saving\.register_keras_serializable\(package=\"zoo\"[^)]*\)\s*\nclass (\w+)")


def registered_classes():
    """{module: [class names]} of every class the sources register with keras.saving."""
    found = {}
    for path in sorted((ROOT / "zoo").rglob("*.py")):
        names = REGISTERED.findall(path.read_text("utf-8"))
        if names:
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[module.removesuffix(".__init__")] = names
    return found


def test_the_facade_imports_every_module_that_registers_a_keras_class():
    assert sorted(registered_classes()) == sorted(zoo.KERAS_MODULES)


def test_a_bare_import_registers_every_class_in_a_fresh_process():
    names = [f"zoo>{name}" for names in registered_classes().values() for name in names]
    script = ("import sys, zoo, keras\n"
              "missing = [n for n in sys.argv[1:] if keras.saving.get_registered_object(n) is None]\n"
              "print(missing)\n")
    result = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_command_line_answers_help_and_list_without_tensorflow():
    script = ("import sys\nsys.argv = ['zoo', 'list']\nfrom zoo.cli import main\nmain(['list'])\n"
              "main.__globals__['build_parser']().format_help()\n"
              "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "word2vec_skipgram" in result.stdout
