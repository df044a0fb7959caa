"""Every word benchmark of the data layer on one zoo.Vectors: one row each, printed as a table."""

from zoo.data import load_analogies, load_word_pairs
from zoo.evaluate.sentence_similarity import cosine_rows
from zoo.static.vectors import pearson, rank
from zoo.tables import print_table as table

WORD_PAIR_BENCHMARKS = ("wordsim353", "simlex999", "men", "rare-words", "mturk-287", "rg-65", "ws353-similarity",
                        "ws353-relatedness")
ANALOGY_BENCHMARKS = ("google-analogies", "msr-analogies")


def evaluate_word_vectors(vectors, restrict_vocab=300_000, print_table=True):
    """Rows (benchmark, measure, value, share with an unknown word): Spearman on the word pairs (known words,
    and, for vectors with subwords, every pair), 3CosAdd accuracy on the analogies."""
    rows = []
    for name in WORD_PAIR_BENCHMARKS:
        pairs = load_word_pairs(name)
        known = vectors.evaluate_word_pairs(pairs, restrict_vocab=restrict_vocab)
        rows.append((name, "spearman, known words", known["spearman"], known["oov_ratio"]))
        if vectors.subwords is not None:
            every = vectors.evaluate_word_pairs(pairs, restrict_vocab=restrict_vocab, unknown="subwords")
            rows.append((name, "spearman, every pair", every["spearman"], 0.0))
    for name in ANALOGY_BENCHMARKS:
        result = vectors.evaluate_analogies(load_analogies(name), restrict_vocab=restrict_vocab)
        rows.append((name, "3CosAdd accuracy", result["accuracy"], result["oov_ratio"]))
    if print_table:
        table(("benchmark", "measure", "value", "unknown"), [(b, m, f"{v:.3f}", f"{u:.0%}") for b, m, v, u in rows])
    return rows


def word_pair_spearman(vector_of, pairs):
    """Spearman's correlation of the cosine of each pair's two vectors (`vector_of`: word -> vector, holding
    both words of every pair) with the pair's human score."""
    cosines = cosine_rows([vector_of[p.word1] for p in pairs], [vector_of[p.word2] for p in pairs])
    return pearson(rank(cosines), rank([p.score for p in pairs]))
