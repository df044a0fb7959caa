"""`zoo tour`: the main job. Runs every recipe on its embedded default data, then prints one table that sets
the families side by side: what each learnt from, its headline figure against its baseline, and its exports.
"""

import time

from zoo.cli import print_table
from zoo.recipes import CATALOGUE

# Flags for a quick smoke run of each recipe (`zoo tour --quick`); the full tour runs the recipes' defaults.
QUICK_FLAGS = {
    "word2vec_skipgram": ["--epochs", "1"],
    "word2vec_cbow": ["--epochs", "1"],
    "fasttext": ["--epochs", "1", "--bucket", "50000"],
    "glove": ["--epochs", "4"],
    "sentence_embeddings": ["--limit", "300"],
    "gpt_embeddings": ["--quick", "--stsb-limit", "300"],
    "text_embedding_classifier": ["--limit", "1500", "--epochs", "2"],
    "two_tower_movielens": ["--epochs", "2"],
}


def tour(quick=False, export_dir="saved_models"):
    rows = []
    for recipe in CATALOGUE.values():
        flags = (QUICK_FLAGS.get(recipe.name, []) if quick else []) + ["--export-dir", export_dir]
        print(f"\n=== {recipe.family}: {recipe.name} ({recipe.data}) ===")
        started = time.perf_counter()
        result = recipe.load().main(flags)
        seconds = time.perf_counter() - started
        rows.append((recipe.family, recipe.name, recipe.data, result["metric"], f"{result['value']:.3f}",
                     f"{result['baseline']:.3f}", f"{seconds:.0f} s", ", ".join(result["exports"])))
    print("\n=== The zoo on its embedded defaults ===")
    print_table(("family", "recipe", "data", "metric", "value", "baseline", "time", "exports (all pass zoo check)"),
                rows)
    return rows
