"""The recipes: one short script each, runnable as `zoo run NAME`, `python recipes/NAME.py` or
`python -m zoo.recipes.NAME` (this folder installs as the package `zoo.recipes`).

Each recipe module has a docstring (what, data, expected result), `RECIPE = Recipe(...)` (what the catalogue,
`zoo list` and the tour know of it) and `main(argv) -> dict` that trains, evaluates, exports and checks,
returning the value of its metric, the baseline it is set against, and its export paths.

The catalogue reads each module's `RECIPE` from the source (`ast`), without running the module, so that
`zoo list` does not import TensorFlow; its values must therefore be literals.
"""

import argparse
import ast
import hashlib
import importlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from zoo.errors import ZooInputError

FAMILIES = ("static", "contextual", "custom")


@dataclass(frozen=True)
class Recipe:
    """What the catalogue knows of a recipe.

    Args:
        name: the module's name, `zoo run NAME`.
        family: "static", "contextual" or "custom".
        data: the named data sets it runs on by default.
        exports: what each export takes and returns.
        summary: one line.
        metric: what `main` returns as "value" (and "baseline"), e.g. "STS-B test Spearman x100".
        higher_is_better: the metric's direction.
        quick_flags: flags for a quick smoke run (`zoo tour --quick`).
        tour_flags: flags for `zoo tour` (() runs the defaults; fewer epochs where the defaults would not fit the
            tour's 10 minutes); None: the tour does not run it (too long), and compares its exports when an
            earlier `zoo run` made them.
    """

    name: str
    family: str
    data: str
    exports: str
    summary: str
    metric: str
    higher_is_better: bool = True
    quick_flags: tuple = ()
    tour_flags: tuple | None = ()

    @property
    def direction(self):
        return "higher is better" if self.higher_is_better else "lower is better"

    def load(self):
        """The recipe's module (imports TensorFlow and whatever else the recipe needs)."""
        return importlib.import_module(f"{__name__}.{self.name}")


def declared_recipe(path):
    """The `RECIPE = Recipe(...)` of a recipe file, read without running it; None for a helper module."""
    for node in ast.parse(Path(path).read_text("utf-8"), str(path)).body:
        if (isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["RECIPE"]
                and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "Recipe"):
            fields = {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
            return Recipe(**fields)
    return None


def _catalogue():
    recipes = [declared_recipe(path) for path in sorted(Path(__file__).parent.glob("*.py"))]
    recipes = sorted((r for r in recipes if r is not None), key=lambda r: (FAMILIES.index(r.family), r.name))
    return {recipe.name: recipe for recipe in recipes}


CATALOGUE = _catalogue()


def get(name):
    if name not in CATALOGUE:
        raise ZooInputError(f"unknown recipe {name!r}; known recipes: {', '.join(CATALOGUE)}")
    return CATALOGUE[name]


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The recipes' --help: the module docstring as written, and each flag's default after its help."""


class RenamedFlag(argparse.Action):
    """A flag whose first spelling is its name and whose others are deprecated (`"--output-dim", "--dim"`): the
    old ones still work, and say so on stderr in zoo's deprecation format."""

    def __call__(self, parser, namespace, values, option_string=None):
        if option_string != self.option_strings[0]:
            print(f"zoo: {option_string} is deprecated and will be removed in the next release: use "
                  f"{self.option_strings[0]} instead", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_output_flags(parser, training=True):
    """--export-dir (where exports go), and for recipes that train, --runs-dir and --checkpoint-dir."""
    parser.add_argument("--export-dir", default="saved_models",
                        help="where the versioned exports go (TF Serving's model base path)")
    if training:
        parser.add_argument("--runs-dir", default="runs",
                            help="training state: what an interrupted run resumes from, trained presets")
        parser.add_argument("--checkpoint-dir", help="where an interrupted run resumes from "
                            "(default: RUNS_DIR/<recipe>-<hash of the flags>)")


def run_flags(args):
    """The flags that name a run: all of them but --verbose, which changes what it prints, not what it does."""
    return {name: value for name, value in vars(args).items() if name != "verbose"}


def run_key(args):
    """12 hex digits that name one run's flags (`run_flags`): the folders an interrupted run resumes from carry
    them."""
    return _flags_key(run_flags(args))


def _flags_key(flags):
    return hashlib.sha1(json.dumps(flags, sort_keys=True).encode()).hexdigest()[:12]


RUN_FLAGS = "run-flags.json"  # in a --checkpoint-dir: the flags of the run whose state it holds


def checkpoint_dir(args, recipe):
    """--checkpoint-dir, else runs/<recipe>-<run key>: the same flags resume the same run, and a run never resumes
    the state of other flags. Training state lives under runs/, never under the export folder that TF Serving is
    pointed at.

    Runs of the recipe with other flags under --runs-dir are left as they are, and named on stderr. A
    --checkpoint-dir holding another run's state (its `run-flags.json` differs) is moved aside to
    `<folder>.other-flags-<its run key>`, said on stderr, and this run starts fresh there."""
    key = run_key(args)
    if not args.checkpoint_dir:
        folder = Path(args.runs_dir) / f"{recipe}-{key}"
        others = sorted(p.name for p in Path(args.runs_dir).glob(f"{recipe}-*")
                        if re.fullmatch(rf"{re.escape(recipe)}-[0-9a-f]{{12}}", p.name) and p.name != folder.name)
        if others:
            print(f"zoo: {recipe}: not resuming {', '.join(others)} in {args.runs_dir} (other flags); this run's "
                  f"state is {folder}", file=sys.stderr)
        return str(folder)
    folder = Path(args.checkpoint_dir)
    stamp = folder / RUN_FLAGS
    stamped = _flags_key(json.loads(stamp.read_text("utf-8"))) if stamp.is_file() else None
    if stamped not in (None, key):
        aside = folder.with_name(f"{folder.name}.other-flags-{stamped}")
        folder.rename(aside)
        print(f"zoo: {recipe}: {folder} held a run with other flags, moved to {aside}; starting fresh",
              file=sys.stderr)
    elif stamped is None and folder.exists() and any(folder.iterdir()):
        return str(folder)  # a folder of yours from before the stamps: resumed as it is
    folder.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(run_flags(args), sort_keys=True), "utf-8")
    return str(folder)
