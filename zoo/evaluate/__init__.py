"""Evaluations shared by the recipes: word benchmarks for any zoo.Vectors."""

from zoo.evaluate.word_benchmarks import ANALOGY_BENCHMARKS, WORD_PAIR_BENCHMARKS, evaluate_word_vectors

__all__ = ["ANALOGY_BENCHMARKS", "WORD_PAIR_BENCHMARKS", "evaluate_word_vectors"]
