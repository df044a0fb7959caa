"""Vectors: words and their float32 vectors, read from any pretrained format, queried, evaluated."""

import warnings
from numbers import Integral

import numpy as np

from zoo.data import vector_files
from zoo.errors import ZooInputError


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


class NotInVocabularyError(KeyError, ZooInputError):
    """A key with no vector: not in the vocabulary, and no subword n-grams to build one from. A KeyError (as
    gensim raises) and a ZooInputError (the CLI's bad input); its message names the key."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""  # KeyError would print the message in quotes


_KEY_TYPES = (str, int, np.integer)  # gensim's: a key, or an int that is a row index


def _query_items(value):
    """gensim's `_ensure_list`: a single key or 1-D vector becomes a list of one, a 2-D array its rows."""
    if value is None:
        return []
    if isinstance(value, _KEY_TYPES) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return [value]
    return list(value)  # a list (or tuple) of items, or the rows of a 2-D array


def _top(scores, topn, excluded=()):
    """The `topn` best (index, score) of a 1-D score array, best first (ties in index order), `excluded`
    indices left out."""
    excluded, topn = set(excluded), int(topn)
    take = min(topn + len(excluded), len(scores))
    if take <= 0:
        return []
    best = np.argpartition(-scores, take - 1)[:take] if take < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best if int(i) not in excluded][:topn]


class Vectors:
    """Keys in order and a float32 matrix, one row a key, read from any vector file, a fastText `.bin` (with its
    subword n-gram buckets), zoo's trainers or gensim; queried with gensim's `KeyedVectors` names and semantics.

    Where a name is also gensim's (`most_similar`, `similarity`, `get_vector`, `key_to_index`, `index_to_key`,
    `vectors`, `vector_size`, `save_word2vec_format`, `vectors[key]`), it behaves as gensim's does; vectors read
    from a fastText `.bin` give words outside the vocabulary their subword vector, as gensim's
    `FastTextKeyedVectors`. Elsewhere a key without a vector raises `NotInVocabularyError` (a KeyError).

    Args:
        keys: the keys (words), in row order; unique.
        matrix: (len(keys), dim) vectors, stored as float32.
        subwords: a fastText model's n-gram buckets (`zoo.static.fasttext_subwords.Subwords`), or None.
        tokenizer: for vectors whose keys are a subword tokenizer's vocabulary in id order (`zoo.static.distill`):
            that KerasHub tokenizer, which their `text_encoder()` then tokenises with; or None.

    Example:
    ```python
    vectors = zoo.Vectors.load("cc.en.300.bin")   # format sniffed: GloVe, word2vec text or binary, fastText .bin
    vectors["king"], vectors.similarity("king", "queen")
    vectors.most_similar(positive=["king", "woman"], negative=["man"], topn=5)   # gensim's most_similar
    vectors.most_similar_each(["king", "queen"], topn=5)                        # one answer list per query
    vectors.evaluate_word_pairs(zoo.data.load_word_pairs("simlex999"))
    kv = vectors.to_gensim(); zoo.Vectors.from_gensim(kv)                       # with gensim installed
    ```
    """

    def __init__(self, keys, matrix, subwords=None, tokenizer=None):
        self.index_to_key = list(keys)
        self.key_to_index = {key: i for i, key in enumerate(self.index_to_key)}
        self.vectors = matrix
        if self._vectors.ndim != 2 or len(self.index_to_key) != len(self._vectors):
            raise ValueError(f"{len(self.index_to_key)} keys for a matrix of shape {self._vectors.shape}")
        self.subwords = subwords  # a fastText model's n-gram buckets (Subwords), or None
        self.tokenizer = tokenizer  # the subword tokenizer whose ids the rows are, or None

    @property
    def vectors(self):
        """The (len, vector_size) float32 matrix, one row a key (gensim's name; `.matrix` is the same array)."""
        return self._vectors

    @vectors.setter
    def vectors(self, matrix):
        self._vectors = np.ascontiguousarray(matrix, dtype=np.float32)
        self._unit = None
        self._encode_fn = None  # encode()'s compiled text encoder, built from these rows

    matrix = vectors

    @property
    def keys(self):
        """The keys in row order: the same list as gensim's name `index_to_key`."""
        return self.index_to_key

    @property
    def index(self):
        """key -> row: the same dict as gensim's name `key_to_index`."""
        return self.key_to_index

    @classmethod
    def load(cls, path, format=None, limit=None, unicode_errors="strict"):  # noqa: A002
        """Reads a vector file or a fastText model.

        Args:
            path: GloVe text, word2vec text / fastText .vec, word2vec binary or a fastText .bin model (also
                .gz/.bz2).
            format: None (sniffed) or one of "glove", "word2vec", "word2vec-binary", "fasttext-bin".
            limit: read the first N words only.
            unicode_errors: "strict", or gensim's lenient "replace" / "ignore" for words that are not UTF-8.

        Returns:
            Vectors; from a fastText .bin, with its subword buckets: words outside the vocabulary get their
            subword vectors.
        """
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

    @classmethod
    def from_gensim(cls, keyed_vectors):
        """Vectors from gensim's KeyedVectors, copied (gensim itself is not imported).

        Args:
            keyed_vectors: a `KeyedVectors`, a `FastTextKeyedVectors` (a FastText model's `.wv`), or a model with
                a `.wv` (Word2Vec, FastText). A FastTextKeyedVectors keeps its n-gram buckets (`vectors_ngrams`,
                `min_n`, `max_n`, `bucket`), so words outside the vocabulary get gensim's subword vectors.

        Returns:
            Vectors with gensim's keys in gensim's order and its (composed, for fastText) word vectors.
        """
        keyed_vectors = getattr(keyed_vectors, "wv", keyed_vectors)
        subwords = None
        ngrams = getattr(keyed_vectors, "vectors_ngrams", None)
        has_ngrams = getattr(keyed_vectors, "bucket", 0) and keyed_vectors.max_n >= keyed_vectors.min_n
        if ngrams is not None and has_ngrams:  # as gensim: no buckets (max_n < min_n: bucket 0), no subwords
            from zoo.static.fasttext_subwords import Subwords

            subwords = Subwords(np.array(ngrams, np.float32), keyed_vectors.min_n, keyed_vectors.max_n)
        return cls(keyed_vectors.index_to_key, np.array(keyed_vectors.vectors, np.float32), subwords)

    def to_gensim(self):
        """These vectors as gensim's KeyedVectors (copied; needs gensim).

        Returns:
            A `gensim.models.KeyedVectors`; for vectors with subword buckets a `FastTextKeyedVectors`, whose
            `vectors_ngrams` are the buckets and whose `vectors_vocab` (each word's own row) is recovered from the
            composed vectors, so gensim gives the same vectors for unseen words and recomposes the same
            vectors after its own save and load.
        """
        try:
            from gensim.models import KeyedVectors
            from gensim.models.fasttext import FastTextKeyedVectors
        except ImportError:
            raise ImportError("Vectors.to_gensim needs gensim: pip install gensim") from None
        if self.subwords is None:
            keyed_vectors = KeyedVectors(self.vector_size, count=0, dtype=np.float32)
            keyed_vectors.add_vectors(list(self.index_to_key), self._vectors)  # copies the rows
            return keyed_vectors
        subwords = self.subwords
        keyed_vectors = FastTextKeyedVectors(self.vector_size, subwords.min_n, subwords.max_n, subwords.bucket,
                                             count=0, dtype=np.float32)
        keyed_vectors.add_vectors(list(self.index_to_key), self._vectors)
        keyed_vectors.vectors_ngrams = np.array(subwords.buckets, np.float32)
        keyed_vectors.vectors_vocab_lockf = np.ones(1, np.float32)
        keyed_vectors.vectors_ngrams_lockf = np.ones(1, np.float32)
        keyed_vectors.recalc_char_ngram_buckets()
        # fastText's word vector is (own row + its n-gram rows) / (n + 1): the own row, back from the composed one.
        lengths = np.array([len(b) for b in keyed_vectors.buckets_word], np.int64)
        flat = np.concatenate([*keyed_vectors.buckets_word, np.zeros(0, np.uint32)]).astype(np.int64)
        gathered = np.concatenate([keyed_vectors.vectors_ngrams[flat].astype(np.float64),
                                   np.zeros((1, self.vector_size))])
        starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
        sums = np.add.reduceat(gathered, starts, axis=0) if len(lengths) else gathered[:0]
        sums[lengths == 0] = 0
        keyed_vectors.vectors_vocab = (self._vectors * (lengths[:, None] + 1.0) - sums).astype(np.float32)
        return keyed_vectors

    def save(self, path, format="word2vec"):  # noqa: A002
        """Writes the vectors: "glove", "word2vec" (text, with a header) or "word2vec-binary"."""
        vector_files.write_vectors(path, self.index_to_key, self._vectors, format)

    def save_word2vec_format(self, path, *, binary=False):
        """Writes word2vec text (a `count dim` header, then `word v1 ... vd` a line) or binary, as gensim's
        `save_word2vec_format`; `KeyedVectors.load_word2vec_format(path, binary=binary)` reads it back.

        Args:
            path: the file to write (through a temporary file renamed into place).
            binary: word2vec binary (float32 bytes) instead of text (9 significant digits: exact float32).
        """
        self.save(path, "word2vec-binary" if binary else "word2vec")

    @property
    def vector_size(self):
        """The number of values a vector (gensim's name; `dim` is the same)."""
        return self._vectors.shape[1]

    dim = vector_size

    def __len__(self):
        return len(self.index_to_key)

    def __contains__(self, key):
        """In the vocabulary (`key_to_index`), as gensim's KeyedVectors; a fastText model still gives vectors for
        words outside it (`vectors[word]`), which gensim's FastTextKeyedVectors counts as `in`."""
        return key in self.key_to_index

    def get_index(self, key, default=None):
        """The row of `key`, as gensim's get_index: its row in `key_to_index`, else an int key taken as a row
        number (for vectors with subwords too, where gensim's FastTextKeyedVectors would hash `str(key)`); else
        `default`, or, where that is None, NotInVocabularyError."""
        index = self.key_to_index.get(key, -1)
        if index >= 0:
            return index
        if isinstance(key, (int, np.integer)) and 0 <= key < len(self.index_to_key):
            return int(key)
        if default is not None:
            return default
        raise self._unknown(key)

    def has_index_for(self, key):
        """Whether `key` has a row of its own (gensim's name): in the vocabulary, or a row number."""
        return self.get_index(key, -1) >= 0

    def _unknown(self, key):
        if self.subwords is None:
            return NotInVocabularyError(f"{key!r} is not in the vocabulary of these {len(self):,} vectors, and "
                                        "they have no subword n-grams to build it from (a fastText .bin has them)")
        return NotInVocabularyError(f"{key!r} is not in the vocabulary, nor a word to build a subword vector for")

    def _rows_and_unseen(self, keys):
        """For each key its row (or -1), and the words outside the vocabulary (once each) that get subword vectors."""
        rows = [self.get_index(key, -1) for key in keys]
        unseen = [key for key, row in zip(keys, rows) if row < 0]
        for key in unseen:
            if self.subwords is None or not isinstance(key, str):
                raise self._unknown(key)
        return rows, list(dict.fromkeys(unseen))

    def _key_vectors(self, keys, norm=False):
        """(n, dim) vectors of `keys` (unit length where `norm`): vocabulary rows, and for a fastText model the
        subword vectors of words outside it, computed in one batch; NotInVocabularyError otherwise."""
        keys = list(keys)
        rows, unseen = self._rows_and_unseen(keys)
        if not keys:
            return np.zeros((0, self.vector_size), np.float32)
        table = self.unit if norm else self._vectors
        if not unseen:
            return table[rows]
        built = self.subwords.word_vectors(unseen)
        of_unseen = dict(zip(unseen, _normalized(built) if norm else built))
        return np.stack([table[row] if row >= 0 else of_unseen[key] for key, row in zip(keys, rows)])

    def get_vector(self, key, norm=False):
        """The vector of one key, as gensim's get_vector.

        Args:
            key: a word (for a fastText model also one outside the vocabulary: its subword vector), or an int row.
            norm: scaled to unit length.

        Returns:
            A (vector_size,) float32 array: the matrix row itself where `norm` is False and the key is known, as
            gensim.
        """
        row = self.get_index(key, -1)
        if row >= 0:
            return (self.unit if norm else self._vectors)[row]
        return self._key_vectors([key], norm)[0]

    def __getitem__(self, key_or_keys):
        """`get_vector(key)` for one key; a (n, vector_size) array for a list of keys, as gensim."""
        if isinstance(key_or_keys, _KEY_TYPES):
            return self.get_vector(key_or_keys)
        return self._key_vectors(key_or_keys)

    @property
    def unit(self):
        """Rows scaled to unit length (zero rows stay zero); computed once."""
        if self._unit is None:
            self._unit = _normalized(self._vectors)
        return self._unit

    def get_normed_vectors(self):
        """gensim's name for `unit`: every row scaled to unit length."""
        return self.unit

    def _unit_vectors(self, words):
        """(n, dim) unit vectors of `words` (see _key_vectors)."""
        return self._key_vectors(words, norm=True)

    def similarity(self, w1, w2):
        """Cosine similarity of two keys, as gensim's similarity.

        Args:
            w1, w2: words (for a fastText model, words outside the vocabulary too: their subword vectors).

        Returns:
            float. NotInVocabularyError (a KeyError) naming a word without a vector.
        """
        first, second = self._unit_vectors([w1, w2])
        return float(first @ second)

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """The keys nearest by cosine to the weighted mean of the query, exactly as gensim 4's
        `KeyedVectors.most_similar` (for many separate queries at once: `most_similar_each`).

        The query is the mean of the positive items (weight +1) and the negative ones (weight -1), keys taken as
        unit vectors, vectors as given, each times its weight, over the sum of the weights' magnitudes; the mean
        scaled to unit length is compared with every unit vector. Keys of the query are left out of the answer.

        Args:
            positive: a key, a vector, or a list of them; an item may be a (key or vector, weight) tuple. A word
                outside the vocabulary of a fastText model counts with its subword vector.
            negative: the same, counted against (a tuple's weight is used as given, as gensim does).
            topn: the number of (key, similarity) to return; None: the similarities of all keys, as an array.
            restrict_vocab: compare with the first N keys only.

        Returns:
            A list of (key, similarity), best first; or, for `topn=None`, a float32 array of the cosine of every
            (of the first `restrict_vocab`) key with the query, the query's own keys included.
        """
        if isinstance(topn, Integral) and topn < 1:
            return []
        positive, negative = _query_items(positive), _query_items(negative)
        items = positive + negative
        if not items:
            raise ValueError("most_similar needs at least one positive or negative key or vector")
        weights = np.r_[np.ones(len(positive)), -np.ones(len(negative))]  # a (item, weight) pair's weight replaces
        keys = []
        for i, item in enumerate(items):
            if isinstance(item, (*_KEY_TYPES, np.ndarray)):
                keys.append(item)
            elif isinstance(item, (tuple, list)) and len(item) == 2:
                keys.append(item[0])
                weights[i] = item[1]
            else:
                raise TypeError(f"a query item is a key, a vector or a (key or vector, weight) pair, not {item!r}")
        words = [key for key in keys if not isinstance(key, np.ndarray)]
        of_word = dict(zip(words, self._unit_vectors(words)))
        mean = np.zeros(self.vector_size)
        for key, weight in zip(keys, weights):
            vector = key if isinstance(key, np.ndarray) else of_word[key]
            if np.shape(vector) != (self.vector_size,):
                raise ValueError(f"a query vector of shape {np.shape(vector)}, for vectors of {self.vector_size}")
            mean += weight * np.asarray(vector, np.float64)
        mean /= max(np.abs(weights).sum(), 1e-300)
        mean = _normalized(mean[None])[0].astype(np.float32)
        end = restrict_vocab or len(self)
        scores = self.unit[:end] @ mean
        if not topn:
            return scores
        excluded = [self.get_index(key, -1) for key in words]
        return [(self.index_to_key[i], score) for i, score in _top(scores, topn, [i for i in excluded if i >= 0])]

    def most_similar_each(self, queries, topn=10):
        """For each of many queries separately, the keys nearest by cosine, in a few matrix products.

        Args:
            queries: a list of words and vectors (or a 2-D array of vectors); a word outside the vocabulary of a
                fastText model counts with its subword vector.
            topn: answers per query.

        Returns:
            One list of (key, similarity), best first, per query; a query word itself is left out of its list.
        """
        if isinstance(queries, _KEY_TYPES) or (isinstance(queries, np.ndarray) and queries.ndim == 1):
            raise TypeError("most_similar_each takes a list of queries; for one, most_similar(query)")
        queries = list(queries)
        words = [q for q in queries if isinstance(q, _KEY_TYPES)]
        of_word = dict(zip(words, self._unit_vectors(words)))
        results = []
        per_product = max(1, (1 << 26) // max(len(self), 1))  # queries per matrix product: a bounded score block
        for start in range(0, len(queries), per_product):
            chunk = queries[start:start + per_product]
            vectors = np.stack([of_word[q] if isinstance(q, _KEY_TYPES)
                                else _normalized(np.asarray(q, np.float32)[None])[0] for q in chunk])
            for query, row in zip(chunk, vectors @ self.unit.T):
                own = [self.get_index(query, -1)] if isinstance(query, _KEY_TYPES) else []
                results.append([(self.index_to_key[i], s) for i, s in _top(row, topn, [i for i in own if i >= 0])])
        return results

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

    def encode(self, sentences, batch_size=4096):
        """Sentence vectors, (len(sentences), vector_size) float32 numpy: `text_encoder()` (its defaults) run on
        batches of `batch_size` in one compiled graph (model2vec's and sentence-transformers' name)."""
        import tensorflow as tf

        if isinstance(sentences, str):
            raise ZooInputError("encode() takes a list of sentences; wrap a single sentence in a list")
        if self._encode_fn is None:
            model = self.text_encoder()
            self._encode_fn = tf.function(lambda text: model(text)["embedding"],
                                          input_signature=[tf.TensorSpec([None], tf.string)])
        parts = [np.zeros((0, self.vector_size), np.float32)]
        for start in range(0, len(sentences), batch_size):
            parts.append(self._encode_fn(tf.constant(list(sentences[start:start + batch_size]))).numpy())
        return np.concatenate(parts)

    def embedding_layer(self, trainable=False, oov=None):
        """A string-in Keras layer, words -> their vectors; unknown words as `oov` says (see _unknown_words)."""
        from zoo.static.vectors_embedding import VectorsEmbedding

        oov_buckets, subwords = self._unknown_words(oov)
        return VectorsEmbedding(self.keys, self.matrix, oov_buckets, subwords, trainable=trainable)

    def text_encoder(self, combiner="sqrtn", lowercase=True, oov=None, name="static_text_encoder",
                     table_dtype="float32"):
        """A Keras model, text -> {"embedding"}, with TF-Hub text-embedding semantics (StaticTextEncoder);
        unknown words as `oov` says: fastText subword vectors by default for a .bin model, else zeros.

        Vectors with a `tokenizer` (distilled ones) give a `SubwordTextEncoder` instead: the text split into the
        tokenizer's pieces, the mean of their rows (model2vec's encoding; `combiner`, `lowercase` and `oov` do
        not apply: the tokenizer decides), the table stored as `table_dtype` ("float16": half the export)."""
        import keras

        from zoo.static.static_text_encoder import StaticTextEncoder
        from zoo.static.subword_text_encoder import SubwordTextEncoder
        from zoo.static.vectors_embedding import VectorsEmbedding

        text = keras.Input(shape=(), dtype="string", name="text")
        if self.tokenizer is not None:
            unknown = getattr(self.tokenizer, "oov_token", None)
            encoder = SubwordTextEncoder(self.tokenizer, len(self), self.vector_size,
                                         unknown_id=self.key_to_index.get(unknown), table_dtype=table_dtype,
                                         table=self.matrix, name="subword_text_encoder")
            return keras.Model(text, {"embedding": encoder(text)}, name=name)
        oov_buckets, subwords = self._unknown_words(oov)
        word_vectors = VectorsEmbedding(self.keys, self.matrix, oov_buckets, subwords, name="word_vectors")
        encoder = StaticTextEncoder(word_vectors, combiner, lowercase)
        return keras.Model(text, {"embedding": encoder(text)}, name=name)
