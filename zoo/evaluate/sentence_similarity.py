"""Semantic textual similarity: Spearman's correlation (x100, as papers and MTEB report it) between the cosine of
two sentences' vectors and the human score, on STS-B or any list of (sentence1, sentence2, score) pairs."""

import numpy as np

from zoo.static.vectors import pearson, rank


def cosine_rows(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)


def sts_spearman(embed, pairs):
    """`embed(list of str) -> (n, dim) array`; `pairs` have .sentence1, .sentence2, .score. Returns Spearman x 100.

    Each distinct sentence is encoded once (STS-B repeats many)."""
    sentences = sorted({p.sentence1 for p in pairs} | {p.sentence2 for p in pairs})
    row = {s: i for i, s in enumerate(sentences)}
    vectors = embed(sentences)
    first = vectors[[row[p.sentence1] for p in pairs]]
    second = vectors[[row[p.sentence2] for p in pairs]]
    return 100 * pearson(rank(cosine_rows(first, second)), rank([p.score for p in pairs]))
