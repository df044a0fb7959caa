"""Vectors: words and their float32 vectors, read from any pretrained format, queried, evaluated."""

import warnings

import numpy as np

from zoo.data import vector_files


def rank(values):
    """Ranks with ties given their average rank (as scipy.stats.rankdata), for Spearman's correlation."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], len(values)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + end + 1) / 2
    return ranks


def pearson(x, y):
    """Pearson's correlation; NaN where it is undefined (fewer than two values, or one side constant)."""
    if len(x) < 2:
        return float("nan")
    x, y = np.asarray(x, np.float64) - np.mean(x), np.asarray(y, np.float64) - np.mean(y)
    scale = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / scale) if scale > 0 else float("nan")


def _normalized(rows):
    """Rows scaled to unit length (zero rows stay zero)."""
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


ANALOGY_METHODS = ("3cosadd", "3cosmul")


def analogy_scores(unit, a, b, c, method="3cosadd"):
    """Scores of every row of `unit` as the answer to a : b :: c : ?, for n questions at once (a, b, c: (n, dim)
    unit vectors). 3CosAdd: the cosine with the normalised b - a + c (gensim's most_similar); 3CosMul:
    cos'(x, b) cos'(x, c) / (cos'(x, a) + 1e-6) where cos' = (1 + cos) / 2 (Levy and Goldberg 2014; gensim's
    most_similar_cosmul). Returns (n, rows)."""
    if method == "3cosadd":
        targets = b + c - a
        targets /= np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
        return targets @ unit.T
    if method == "3cosmul":
        shifted = [(1 + x @ unit.T) / 2 for x in (a, b, c)]
        return shifted[1] * shifted[2] / (shifted[0] + 1e-6)
    raise ValueError(f"method must be one of {ANALOGY_METHODS}, not {method!r}")


class Vectors:
    """Keys in order and a float32 matrix, one row a key; `Vectors.load(path)` reads any supported file.

    Example:
    ```python
    vectors = zoo.Vectors.load("glove.6B.100d.txt")       # format sniffed: GloVe, word2vec text or binary
    vectors["king"], vectors.most_similar("king", topn=5)
    vectors.evaluate_word_pairs(zoo.data.load_word_pairs("simlex999"))
    ```
    """

    def __init__(self, keys, matrix, subwords=None):
        self.keys = list(keys)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        if self.matrix.ndim != 2 or len(self.keys) != len(self.matrix):
            raise ValueError(f"{len(self.keys)} keys for a matrix of shape {self.matrix.shape}")
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.subwords = subwords  # a fastText model's n-gram buckets (Subwords), or None
        self._unit = None

    @classmethod
    def load(cls, path, format=None, limit=None, unicode_errors="strict"):  # noqa: A002
        """Reads GloVe text, word2vec text / fastText .vec, word2vec binary or a fastText .bin model (also
        .gz/.bz2); format sniffed, or one of "glove", "word2vec", "word2vec-binary", "fasttext-bin"; `limit`:
        the first N words only. From a fastText .bin, words outside the vocabulary get their subword vectors."""
        format = format or vector_files.sniff_format(path)
        if format == "fasttext-bin":
            from zoo.data.fasttext_bin import read_fasttext_bin

            return cls.from_fasttext(read_fasttext_bin(path, limit, unicode_errors))
        return cls(*vector_files.read_vectors(path, format, limit, unicode_errors))

    @classmethod
    def from_fasttext(cls, model):
        """Vectors from a FastTextModel: each word's vector is fastText's (its own row and its n-gram rows
        averaged), as in the model's .vec file and gensim's `load_facebook_model(...).wv`."""
        from zoo.static.fasttext_subwords import Subwords

        subwords = Subwords(model.buckets, model.min_n, model.max_n)
        matrix = subwords.word_vectors(model.raw_words, model.word_rows)
        return cls(model.words, matrix, subwords if subwords.bucket else None)  # no buckets: as gensim, KeyError

    def save(self, path, format="word2vec"):  # noqa: A002
        vector_files.write_vectors(path, self.keys, self.matrix, format)

    @property
    def dim(self):
        return self.matrix.shape[1]

    def __len__(self):
        return len(self.keys)

    def __contains__(self, key):
        """In the vocabulary (a fastText model still gives vectors for words outside it: `vectors[word]`)."""
        return key in self.index

    def __getitem__(self, key):
        if key in self.index:
            return self.matrix[self.index[key]]
        if self.subwords is not None:
            return self.subwords.word_vectors([key])[0]
        raise KeyError(f"{key!r} is not in the vocabulary")

    @property
    def unit(self):
        """Rows scaled to unit length (zero rows stay zero)."""
        if self._unit is None:
            self._unit = _normalized(self.matrix)
        return self._unit

    def _unit_vectors(self, words):
        """(n, dim) unit vectors of `words`: vocabulary rows, and for a fastText model the subword vectors of the
        others, computed in one batch; KeyError for an unknown word without subwords."""
        unknown = [w for w in words if w not in self.index]
        if unknown and self.subwords is None:
            raise KeyError(f"{unknown[0]!r} is not in the vocabulary")
        of_unknown = dict(zip(unknown, _normalized(self.subwords.word_vectors(unknown)))) if unknown else {}
        if not words:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.unit[self.index[w]] if w in self.index else of_unknown[w] for w in words])

    def similarity(self, word1, word2):
        return float(self.unit[self.index[word1]] @ self.unit[self.index[word2]])

    def most_similar(self, queries, topn=10):
        """Nearest keys by cosine for one word or vector, or many at once (one matrix product); the query
        words themselves are left out, as gensim does."""
        single = isinstance(queries, str) or (not isinstance(queries, list) and np.ndim(queries) == 1)
        queries = [queries] if single else list(queries)
        words = [q for q in queries if isinstance(q, str)]
        of_word = dict(zip(words, self._unit_vectors(words)))
        vectors = np.stack([of_word[q] if isinstance(q, str) else _normalized(np.asarray(q, np.float32)[None])[0]
                            for q in queries])
        scores = vectors @ self.unit.T
        results = []
        for query, row in zip(queries, scores):
            if isinstance(query, str) and query in self.index:
                row[self.index[query]] = -np.inf
            best = np.argpartition(-row, min(topn, len(row) - 1))[:topn]
            best = best[np.argsort(-row[best], kind="stable")]
            results.append([(self.keys[i], float(row[i])) for i in best])
        return results[0] if single else results

    def analogy(self, a, b, c, topn=10, method="3cosadd"):
        """a is to b as c is to ?: the best `topn` (word, score), a, b and c left out; "3cosadd" or "3cosmul"."""
        scores = analogy_scores(self.unit, *self._unit_vectors([a, b, c])[:, None], method=method)[0]
        for word in (a, b, c):
            if word in self.index:
                scores[self.index[word]] = -np.inf
        best = np.argsort(-scores, kind="stable")[:topn]
        return [(self.keys[i], float(scores[i])) for i in best]

    def doesnt_match(self, words):
        """The word furthest from the mean of the (unit) vectors of `words`, as gensim's doesnt_match; words
        without a vector are left out with a warning."""
        known = [w for w in words if w in self.index or self.subwords is not None]
        if len(known) != len(words):
            warnings.warn(f"no vectors for {sorted(set(words) - set(known))}: left out")
        if not known:
            raise ValueError("doesnt_match needs at least one word with a vector")
        vectors = self._unit_vectors(known)
        mean = vectors.mean(axis=0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        return min(zip(vectors @ mean, known))[1]

    def evaluate_word_pairs(self, pairs, restrict_vocab=300_000, case_insensitive=True, unknown="skip"):
        """Spearman and Pearson correlation of cosine similarity with the human scores, and the share of pairs
        with an unknown word: gensim's `evaluate_word_pairs`, on the data layer's WordPair records. Pairs with an
        unknown word are left out (`unknown="skip"`, as gensim), or, for a fastText model, scored with the
        unknown words' subword vectors (`unknown="subwords"`: every pair counts)."""
        if unknown not in ("skip", "subwords") or (unknown == "subwords" and self.subwords is None):
            raise ValueError(f"unknown must be 'skip' or, for vectors with subwords, 'subwords'; not {unknown!r}")
        lookup = self._case_folded_index(restrict_vocab, case_insensitive)
        normal = str.upper if case_insensitive else (lambda word: word)
        unit = {}  # word -> unit vector, for the words of pairs that count
        missing = sorted({w for p in pairs for w in (p.word1, p.word2) if normal(w) not in lookup})
        unknown_words = set(missing)
        if unknown == "subwords" and missing:  # one batch through the n-gram graph
            unit = dict(zip(missing, _normalized(self.subwords.word_vectors(missing))))
        gold, predicted, oov = [], [], 0
        for pair in pairs:
            a, b = (self.unit[lookup[normal(w)]] if normal(w) in lookup else unit.get(w)
                    for w in (pair.word1, pair.word2))
            oov += pair.word1 in unknown_words or pair.word2 in unknown_words
            if a is None or b is None:
                continue
            gold.append(pair.score)
            predicted.append(float(a @ b))
        return {
            "spearman": pearson(rank(gold), rank(predicted)),
            "pearson": pearson(gold, predicted),
            "oov_ratio": oov / len(pairs),
            "pairs": len(gold),
        }

    def _case_folded_index(self, restrict_vocab, case_insensitive):
        """word -> row over the first `restrict_vocab` keys; case-insensitive: upper-cased, the most frequent
        spelling standing for all, as gensim's evaluations do."""
        vocabulary = self.keys[:restrict_vocab]
        if not case_insensitive:
            return {key: i for i, key in enumerate(vocabulary)}
        return {key.upper(): i for i, key in reversed(list(enumerate(vocabulary)))}

    def evaluate_analogies(self, analogies, restrict_vocab=300_000, case_insensitive=True, method="3cosadd",
                           batch_size=1024):
        """Accuracy on a : b :: c : expected by 3CosAdd or 3CosMul (`analogy_scores`; a, b and c excluded), scored
        as gensim's `evaluate_word_analogies`, with the queries batched into matrix products. Questions with a
        word outside the first `restrict_vocab` keys are skipped and counted in oov_ratio."""
        lookup = self._case_folded_index(restrict_vocab, case_insensitive)
        normal = str.upper if case_insensitive else (lambda word: word)
        questions = [tuple(normal(w) for w in (q.a, q.b, q.c, q.expected)) + (q.section,) for q in analogies]
        known = [q for q in questions if all(w in lookup for w in q[:4])]
        unit = self.unit[:restrict_vocab]
        correct_by_section, total_by_section = {}, {}
        for start in range(0, len(known), batch_size):
            batch = known[start : start + batch_size]
            rows = np.array([[lookup[a], lookup[b], lookup[c]] for a, b, c, _, _ in batch])
            scores = analogy_scores(unit, unit[rows[:, 0]], unit[rows[:, 1]], unit[rows[:, 2]], method)
            np.put_along_axis(scores, rows, -np.inf, axis=1)
            top = np.argsort(-scores, axis=1, kind="stable")[:, :5]
            for (a, b, c, expected, section), candidates in zip(batch, top):
                predicted = None
                for index in candidates:  # the first of the top 5 that is not a question word
                    predicted = normal(self.keys[index])
                    if predicted not in (a, b, c):
                        break
                correct_by_section[section] = correct_by_section.get(section, 0) + (predicted == expected)
                total_by_section[section] = total_by_section.get(section, 0) + 1
        correct, total = sum(correct_by_section.values()), sum(total_by_section.values())
        return {
            "accuracy": correct / total if total else 0.0,
            "correct": correct,
            "questions": total,
            "oov_ratio": 1 - len(known) / len(questions),
            "sections": {s: correct_by_section[s] / total_by_section[s] for s in total_by_section},
        }

    # === To look at ===
    def write_projector(self, folder, limit=None):
        """A TensorBoard projector export (checkpoint, tensors.tsv, metadata.tsv, projector config) of the first
        `limit` words: `tensorboard --logdir folder`, or load the TSVs at projector.tensorflow.org."""
        from zoo.views import write_projector

        return write_projector(self, folder, limit=limit)

    def plot(self, words, path, title=None):
        """A PNG of the words' vectors projected to 2-D (PCA); `words`: a list, or {group: [words]} to colour."""
        from zoo.views import plot_words

        return plot_words(self, words, path, title=title)

    # === To Keras ===
    def _unknown_words(self, oov):
        """(oov_buckets, subwords) for `oov`: "subwords" (fastText's n-gram vectors; the default for a .bin),
        "zeros" (the default otherwise) or an int, that many hashed rows (trainable with the layer)."""
        if oov is None:
            oov = "subwords" if self.subwords is not None else "zeros"
        if oov == "subwords":
            if self.subwords is None:
                raise ValueError("oov='subwords' needs a fastText .bin model; these vectors have no n-gram buckets")
            return 0, self.subwords
        if oov == "zeros":
            return 0, None
        if isinstance(oov, int) and oov > 0:
            return oov, None
        raise ValueError(f"oov must be 'subwords', 'zeros' or a positive number of buckets, not {oov!r}")

    def embedding_layer(self, trainable=False, oov=None):
        """A string-in Keras layer, words -> their vectors; unknown words as `oov` says (see _unknown_words)."""
        from zoo.static.vectors_embedding import VectorsEmbedding

        oov_buckets, subwords = self._unknown_words(oov)
        return VectorsEmbedding(self.keys, self.matrix, oov_buckets, subwords, trainable=trainable)

    def text_encoder(self, combiner="sqrtn", lowercase=True, oov=None, name="static_text_encoder"):
        """A Keras model, text -> {"embedding"}, with TF-Hub text-embedding semantics (StaticTextEncoder);
        unknown words as `oov` says: fastText subword vectors by default for a .bin model, else zeros."""
        import keras

        from zoo.static.static_text_encoder import StaticTextEncoder
        from zoo.static.vectors_embedding import VectorsEmbedding

        oov_buckets, subwords = self._unknown_words(oov)
        text = keras.Input(shape=(), dtype="string", name="text")
        word_vectors = VectorsEmbedding(self.keys, self.matrix, oov_buckets, subwords, name="word_vectors")
        encoder = StaticTextEncoder(word_vectors, combiner, lowercase)
        return keras.Model(text, {"embedding": encoder(text)}, name=name)
