"""FastText in Keras: Word2Vec whose input side is a word's row plus its character n-gram rows."""

import numpy as np

from zoo.deprecation import renamed_arguments, renamed_attribute
from zoo.static.negative_sampling_model import NegativeSamplingModel
from zoo.static.word2vec import Word2Vec


class FastText(Word2Vec):
    """FastText (Bojanowski et al. 2017): Word2Vec whose input is the mean of a word's row and its n-gram rows.

    Words never seen get vectors too, from their character n-grams: those of `min_n`..`max_n` characters of
    `<word>`, hashed into `bucket` rows with fastText's FNV-1a hash. The hashing is the same code
    (zoo/static/fasttext_subwords.py) that reads fastText's .bin files and that the exported encoder runs, so
    trained, loaded and served vectors agree. As in fastText and gensim, every row of the input mean receives the
    whole update; in skip-gram above an initial learning rate of 0.05, each row's summed update in a batch is
    scaled as sequential SGD would move it (see Word2Vec), which keeps the n-gram rows many words share stable at
    high learning rates. Only the rows the
    vocabulary uses are trained, most used first (see `build_model`);
    `input_table()` gives fastText's whole table.

    Args:
        mode: "skipgram" or "cbow", as Word2Vec's. Default "skipgram".
        output_dim: the width of the word vectors. Default 100. (`dim=` is its deprecated alias.)
        min_n: the fewest characters of an n-gram, `<` and `>` included. Default 3. (`minn=` is its deprecated
            alias.)
        max_n: the most characters of an n-gram, at least `min_n`. Default 6. (`maxn=` is its deprecated alias.)
        bucket: the rows that n-grams are hashed into. Default 2,000,000 (fastText's and gensim's).
        **kwargs: Word2Vec's other arguments (window, negative, min_count, sample, epochs, alpha, min_alpha,
            batch_words, group, shared_negatives, compute_loss, seed), with Word2Vec's defaults.

    Input/Output: `fit(corpus)` as Word2Vec's; then `vectors` is a zoo.Vectors of the kept words (fastText's
    word vectors, `output_dim` floats each) that also gives vectors of unseen words from their n-grams.

    Raises:
        ValueError: unless 0 < min_n <= max_n; and as Word2Vec.

    Example:
    ```python
    ft = zoo.static.FastText(output_dim=100, min_n=3, max_n=6, bucket=2_000_000).fit("wiki-excerpt+lee")
    ft.vectors["unseenword"]               # subword vector; ft.vectors.text_encoder() computes it when served
    ft.save("ft/"); zoo.static.FastText.load("ft/").vectors
    ```
    """

    RENAMED_ARGUMENTS = {**Word2Vec.RENAMED_ARGUMENTS, "minn": "min_n", "maxn": "max_n"}
    minn, maxn = renamed_attribute("minn", "min_n"), renamed_attribute("maxn", "max_n")

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, mode="skipgram", output_dim=100, min_n=3, max_n=6, bucket=2_000_000, **kwargs):
        super().__init__(mode=mode, output_dim=output_dim, **kwargs)
        self.settings.update(min_n=min_n, max_n=max_n, bucket=bucket)
        if not 0 < min_n <= max_n:
            raise ValueError(f"need 0 < min_n <= max_n, not min_n={min_n}, max_n={max_n}")
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket
        self.row_starts = self.rows = self.table_rows = None

    def build_model(self):
        """The NegativeSamplingModel for `self.corpus`, untrained.

        It has an input row for each used word and n-gram row and an output row for each word. Also sets
        `row_starts`, `rows` and `table_rows` (see the comment below).
        """
        from zoo.static.fasttext_subwords import Subwords

        vocabulary = len(self.corpus)
        ngram_rows = Subwords(np.zeros((self.bucket, 1), np.float32), self.min_n, self.max_n).rows(self.corpus.words)
        lengths = 1 + ngram_rows.row_lengths().numpy()
        self.row_starts = np.r_[0, np.cumsum(lengths)]  # word i's rows: rows[row_starts[i]:row_starts[i + 1]]
        full_rows = np.empty(self.row_starts[-1], np.int64)  # in fastText's table: words, then the buckets
        full_rows[self.row_starts[:-1]] = np.arange(vocabulary)
        others = np.ones(len(full_rows), bool)
        others[self.row_starts[:-1]] = False
        full_rows[others] = vocabulary + ngram_rows.flat_values.numpy()
        # The model trains only the rows the vocabulary uses, most used first (`table_rows`: each one's row in
        # fastText's table). The used buckets are hashed all over the table, and a few of them take most of the
        # updates: packed that way, the hot rows stay in cache for the step's gathers, and a large `bucket` needs a
        # table of the used rows only, not all of them.
        usage = np.bincount(full_rows, np.repeat(np.asarray(self.corpus.counts, np.float64), lengths),
                            minlength=vocabulary + self.bucket)
        self.table_rows = np.argsort(-usage, kind="stable")[:np.count_nonzero(usage)]
        compact = np.empty(vocabulary + self.bucket, np.int32)
        compact[self.table_rows] = np.arange(len(self.table_rows))
        self.rows = compact[full_rows]
        return NegativeSamplingModel(len(self.table_rows), vocabulary, self.output_dim, seed=self.seed,
                                     reports_loss=self.compute_loss, sequential_scaling=self.sequential_scaling(),
                                     name=f"fasttext_{self.mode}")

    def input_table(self):
        """fastText's whole input table, trained rows and untrained ones.

        Returns:
            float32 (vocabulary + bucket, output_dim): the word rows, then the bucket rows. The rows no word uses
            keep their initial values (uniform in +-0.5/output_dim, as the trained ones started), which unseen
            words' n-grams may hash to.
        """
        rows = len(self.corpus) + self.bucket
        table = np.random.default_rng([self.seed, rows]).random((rows, self.output_dim), np.float32)  # float32: 2M rows
        table -= np.float32(0.5)
        table /= np.float32(self.output_dim)  # uniform in +-0.5/output_dim, in place
        table[self.table_rows] = self.model.input_vectors.numpy()
        return table

    def padded_sizes(self, epochs, steps):
        """The size `stack_batches` pads the packed input rows to (see Word2Vec.padded_sizes).

        A word's rows (1 + its n-grams) grow with its length, so no bound from the windows alone holds them: the
        run's most rows in a batch are counted ahead from the epochs' text.

        Args:
            epochs: the epoch numbers of the run (an iterable).
            steps: batches an epoch.

        Returns:
            {"input": size}: the most input rows of any batch of the run, rounded up to a multiple of 64.
        """
        rows_of_word = np.diff(self.row_starts)
        most = max(self.most_batch_rows(epoch, steps, rows_of_word) for epoch in epochs)
        return {"input": -(-max(most, 1) // 64) * 64}

    def expand(self, words, examples):
        """The input rows of words, each word's row and then its n-gram rows.

        Args:
            words: int (N,) word ids.
            examples: int (N,) the example each word belongs to.

        Returns:
            (the rows in the model's table; the example of each row; each word's number of rows, (N,)).
        """
        lengths = self.row_starts[words + 1] - self.row_starts[words]
        first = np.repeat(self.row_starts[words] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        return self.rows[first + np.arange(lengths.sum())], np.repeat(examples, lengths), lengths

    def examples(self, centre, window_ids, pairs, noise_ids, rate):
        """One batch in NegativeSamplingModel's terms, its input rows packed.

        The input rows are the word and n-gram rows of the distinct centre words (skip-gram) or of the context
        words (CBOW). Arguments and result as Word2Vec.examples.
        """
        batch = super().examples(centre, window_ids, pairs, noise_ids, rate)
        if self.mode == "skipgram":  # the input words: the batch's distinct centre words, one slot each
            words, slots = np.unique(centre, return_inverse=True)
            examples = np.arange(len(words))
            batch["input_slots"] = slots.astype(np.int32)
        else:
            del batch["input_cells"], batch["input_cell_weights"]  # the input rows are packed, not a grid
            examples, slot = np.nonzero(pairs)
            words = window_ids[examples, slot]
        rows, row_examples, lengths = self.expand(words, examples)
        if self.mode == "skipgram":  # the mean of the centre word's rows (see NegativeSamplingModel: slots)
            weights = np.repeat(1 / lengths, lengths)
        else:  # CBOW: the mean of all rows of all context words (as gensim pools them)
            per_example = np.bincount(row_examples, minlength=len(centre))
            weights = 1 / np.maximum(per_example, 1)[row_examples]
        batch.update(input_ids=rows, input_examples=row_examples.astype(np.int32),
                     input_weights=weights.astype(np.float32), input_update_weights=np.ones(len(rows), np.float32))
        return batch

    @property
    def vectors(self):
        """The trained vectors as a zoo.Vectors with the subword buckets.

        Returns:
            A zoo.Vectors of fastText's word vectors of the corpus' words (most frequent first), which also gives
            vectors of unseen words from their n-grams.
        """
        from zoo.static.fasttext_subwords import Subwords
        from zoo.static.vectors import Vectors

        table = self.input_table()
        vocabulary = len(self.corpus)
        subwords = Subwords(table[vocabulary:], self.min_n, self.max_n)
        return Vectors(self.corpus.words, subwords.word_vectors(self.corpus.words, table[:vocabulary]), subwords)
