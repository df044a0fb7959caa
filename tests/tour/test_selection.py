"""Which recipes the tour runs: those whose RECIPE declares tour_flags (None: left to `zoo run`), each with flags
its own parser takes."""

from zoo.recipes import CATALOGUE, Recipe
from zoo.tour import tour_recipes


def test_the_tour_selection_follows_tour_flags_and_each_parses():
    run, skipped = tour_recipes()
    assert {r.name for r in skipped} == {r.name for r in CATALOGUE.values() if r.tour_flags is None}
    assert run and all(isinstance(r, Recipe) for r in run)
    for recipe in run:
        recipe.load().parse_args(list(recipe.tour_flags))  # a mistyped flag fails here, not 5 minutes into a tour
