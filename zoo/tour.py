"""`zoo tour`: the main job. Runs every recipe on its embedded default data, then prints one table that sets
the families side by side: what each learnt from, its headline metric (with its direction) against its
baseline, and its exports. Each recipe's name, family, data, metric and quick flags come from its `RECIPE`."""

import time

from zoo.recipes import CATALOGUE
from zoo.tables import print_table


def tour(quick=False, export_dir="saved_models"):
    """Runs every recipe (`quick`: with its `quick_flags`), exporting under `export_dir`; returns the table's
    rows, after printing them."""
    rows = []
    for recipe in CATALOGUE.values():
        flags = (list(recipe.quick_flags) if quick else []) + ["--export-dir", export_dir]
        print(f"\n=== {recipe.family}: {recipe.name} ({recipe.data}) ===")
        started = time.perf_counter()
        result = recipe.load().main(flags)
        seconds = time.perf_counter() - started
        rows.append((recipe.family, recipe.name, recipe.data, f"{recipe.metric} ({recipe.direction})",
                     f"{result['value']:.3f}", f"{result['baseline']:.3f}", f"{seconds:.0f} s",
                     ", ".join(result["exports"])))
    print("\n=== The zoo on its embedded defaults ===")
    print_table(("family", "recipe", "data", "metric", "value", "baseline", "time", "exports (all pass zoo check)"),
                rows)
    return rows
