"""Word tasks measured on every text -> embedding export, each word sent alone: Spearman x 100 on WordSim-353, MEN
and SimLex-999 over the pairs the model knows both words of, and the share of each benchmark's words it does not
know (out of vocabulary)."""

import numpy as np

from zoo.data import load_word_pairs
from zoo.evaluate.word_benchmarks import word_pair_spearman
from zoo.tour.table import Table

BENCHMARKS = {"wordsim353": "WordSim-353", "men": "MEN", "simlex999": "SimLex-999"}
MIN_PAIRS = 10  # fewer known pairs than this: no Spearman worth printing


def word_tables(encoders):
    """(word similarity table, out-of-vocabulary table) and {export name: {word: vector}} of the words each knows."""
    benchmarks = {name: load_word_pairs(name) for name in BENCHMARKS}
    words = sorted({w for pairs in benchmarks.values() for p in pairs for w in (p.word1, p.word2)})
    similarity = Table(
        "words", "Word similarity: each model's vector of the word alone",
        "Spearman x 100 between the cosine of two words' vectors (each word sent alone through the export) and the "
        "human score, over the pairs whose both words the model knows; \"known pairs\" is their share. A model "
        "knows a word when it gives it a non-zero vector of its own, unlike strings no vocabulary holds "
        "(a subword or WordPiece model knows every word). A dash: fewer than "
        f"{MIN_PAIRS} known pairs.",
        tuple(c for title in BENCHMARKS.values() for c in (title, f"{title} known pairs %")),
        chart=tuple(BENCHMARKS.values()), axis="Spearman x 100")
    oov = Table("oov", "Out of vocabulary: each benchmark's words a model cannot embed",
                "Share (%) of each benchmark's distinct words that the model does not know (zeros, or the same "
                "vector as a string no vocabulary holds).",
                tuple(BENCHMARKS.values()), chart=tuple(BENCHMARKS.values()), axis="% of the words unknown")
    known_vectors = {}
    for encoder in encoders:
        known, vectors = encoder.known(words)
        lookup = {w: v for w, k, v in zip(words, known, vectors) if k}
        known_vectors[encoder.name] = lookup
        cells, unknown = [], []
        for name, pairs in benchmarks.items():
            distinct = {w for p in pairs for w in (p.word1, p.word2)}
            unknown.append(100.0 * len(distinct - set(lookup)) / len(distinct))
            covered = [p for p in pairs if p.word1 in lookup and p.word2 in lookup]
            spearman = np.nan
            if len(covered) >= MIN_PAIRS:
                spearman = 100 * word_pair_spearman(lookup, covered)
            cells += [float(spearman) if np.isfinite(spearman) else "-", 100.0 * len(covered) / len(pairs)]
        oov.rows.append((encoder.family, encoder.name, *unknown))
        if all(isinstance(c, str) for c in cells[::2]):
            similarity.absent[encoder.name] = f"knows both words of fewer than {MIN_PAIRS} pairs of each benchmark"
        else:
            similarity.rows.append((encoder.family, encoder.name, *cells))
    similarity.rows.sort(key=lambda row: -row[2] if isinstance(row[2], float) else np.inf)
    oov.rows.sort(key=lambda row: sum(row[2:]))
    return similarity, oov, known_vectors
