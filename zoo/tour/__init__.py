"""`zoo tour`: the main job. Runs the recipes on their embedded default data (each recipe's `tour_flags`: the
defaults, or less where a recipe would not fit the tour's 10 minutes; those declared `tour_flags=None` are left
to `zoo run`), prints one table of each recipe's own metric, then measures every family on the same tasks
(zoo/tour/comparison.py) and writes `reports/comparison.md`, the charts and `reports/index.html`.

The comparison measures every export under the export folder that takes text, so the exports of recipes the
tour does not run (fine-tuning MiniLM, say) are compared too once `zoo run` has made them."""

import time
import traceback

from zoo.recipes import CATALOGUE
from zoo.tables import print_table
from zoo.tour.comparison import FULL, QUICK, Comparison, Sizes, compare
from zoo.tour.report import write_report

__all__ = ["Comparison", "RecipeFailed", "Sizes", "compare", "tour", "tour_recipes", "write_report"]


def tour_recipes(catalogue=None):
    """(run, skipped): the recipes the tour runs, those it leaves to `zoo run` (tour_flags None)."""
    recipes = list((catalogue or CATALOGUE).values())
    return [r for r in recipes if r.tour_flags is not None], [r for r in recipes if r.tour_flags is None]


def tour(quick=False, export_dir="saved_models", report_dir="reports"):
    """Runs the tour's recipes (`quick`: with their `quick_flags`, and the comparison on slices of the data),
    exporting under `export_dir`, then writes the comparison under `report_dir`; returns the recipes' table rows,
    after printing them."""
    started = time.perf_counter()
    run, skipped = tour_recipes()
    rows, runs, failed = [], {}, {}
    for recipe in run:
        flags = list(recipe.quick_flags if quick else recipe.tour_flags) + ["--export-dir", export_dir]
        print(f"\n=== {recipe.family}: {recipe.name} ({recipe.data}) {' '.join(flags[:-2])} ===", flush=True)
        recipe_started = time.perf_counter()
        try:
            result = recipe.load().main(flags)
        except Exception as error:  # one recipe's failure: said, and the rest of the tour still runs
            traceback.print_exc()
            failed[recipe.name] = f"{type(error).__name__}: {error}".splitlines()[0][:200]
            continue
        seconds = time.perf_counter() - recipe_started
        runs[recipe.name] = (recipe.family, seconds, result["exports"])
        rows.append((recipe.family, recipe.name, recipe.data, f"{recipe.metric} ({recipe.direction})",
                     f"{result['value']:.3f}", f"{result['baseline']:.3f}", f"{seconds:.0f} s",
                     ", ".join(result["exports"])))
    recipes_seconds = time.perf_counter() - started
    print("\n=== The zoo on its embedded defaults ===")
    print_table(("family", "recipe", "data", "metric", "value", "baseline", "time", "exports (all pass zoo check)"),
                rows)
    if skipped:
        print(f"\nNot run by the tour (each takes long; their exports under {export_dir} are compared when "
              "present):")
        for recipe in skipped:
            print(f"  zoo run {recipe.name} --export-dir {export_dir}    # {recipe.summary}")
    print("\n=== The comparison: every family on the same tasks ===", flush=True)
    comparison_started = time.perf_counter()
    comparison = compare(export_dir, runs, QUICK if quick else FULL)
    compared = time.perf_counter() - comparison_started
    intro = [f"Recipes run by this tour: {', '.join(runs) or 'none'} ({recipes_seconds:.0f} s"
             + (", quick mode: slices of the data" if quick else "") + f"); the comparison took {compared:.0f} s."]
    if failed:
        intro.append("FAILED in this tour (their exports, if any, are from earlier runs): "
                     + "; ".join(f"{name} ({why})" for name, why in failed.items()))
    if skipped:
        intro.append("Not run by the tour (`zoo run NAME` makes their exports, compared here when present): "
                     + ", ".join(r.name for r in skipped) + ".")
    written = write_report(comparison, report_dir, export_dir, intro)
    total = time.perf_counter() - started
    print(f"\nrecipes {recipes_seconds:.0f} s, comparison {compared:.0f} s, report "
          f"{total - recipes_seconds - compared:.0f} s: {total:.0f} s in all")
    print(f"The comparison: {report_dir}/comparison.md, {report_dir}/index.html ({len(written)} files)")
    if failed:
        raise RecipeFailed("recipes that failed in this tour (tracebacks above): " + "; ".join(
            f"{name} ({why})" for name, why in failed.items()))
    return rows


class RecipeFailed(RuntimeError):
    """A recipe raised during the tour; the others ran and the report was written."""
