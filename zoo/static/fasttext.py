"""FastText in Keras: Word2Vec whose input side is a word's row plus its character n-gram rows."""

import numpy as np

from zoo.static.negative_sampling_model import NegativeSamplingModel
from zoo.static.word2vec import Word2Vec


class FastText(Word2Vec):
    """FastText (Bojanowski et al. 2017): skip-gram or CBOW where a word's input vector is the mean of its own
    row and the rows of its character n-grams (`minn`..`maxn` characters of `<word>`, hashed into `bucket`
    rows with fastText's FNV-1a hash), so that words never seen get vectors from their n-grams.

    Example:
    ```python
    ft = zoo.static.FastText(dim=100, minn=3, maxn=6, bucket=2_000_000).fit("wiki-excerpt+lee")
    ft.vectors["unseenword"]               # subword vector; ft.vectors.text_encoder() computes it when served
    ```

    As fastText and gensim, every row of the input mean receives the whole update. The n-gram hashing is the
    same code (zoo/static/fasttext_subwords.py) that reads fastText's .bin files and that the exported encoder
    runs, so trained, loaded and served vectors agree.
    """

    def __init__(self, mode="skipgram", dim=100, minn=3, maxn=6, bucket=2_000_000, **kwargs):
        super().__init__(mode=mode, dim=dim, **kwargs)
        self.settings.update(minn=minn, maxn=maxn, bucket=bucket)
        if not 0 < minn <= maxn:
            raise ValueError(f"need 0 < minn <= maxn, not minn={minn}, maxn={maxn}")
        self.minn, self.maxn, self.bucket = minn, maxn, bucket
        self.row_starts = self.rows = self.table_rows = None

    def build_model(self):
        from zoo.static.fasttext_subwords import Subwords

        vocabulary = len(self.corpus)
        ngram_rows = Subwords(np.zeros((self.bucket, 1), np.float32), self.minn, self.maxn).rows(self.corpus.words)
        lengths = 1 + ngram_rows.row_lengths().numpy()
        self.row_starts = np.r_[0, np.cumsum(lengths)]  # word i's rows: rows[row_starts[i]:row_starts[i + 1]]
        full_rows = np.empty(self.row_starts[-1], np.int64)  # in fastText's table: words, then the buckets
        full_rows[self.row_starts[:-1]] = np.arange(vocabulary)
        others = np.ones(len(full_rows), bool)
        others[self.row_starts[:-1]] = False
        full_rows[others] = vocabulary + ngram_rows.flat_values.numpy()
        # The model trains only the rows the vocabulary uses, most used first (`table_rows`: each one's row in
        # fastText's table). The buckets are hashed all over the table: 63,000 of 209,000 rows used here, the
        # most used 20,000 taking 90% of the updates. Packed that way, the hot rows stay in cache: the step's
        # gathers of n-gram rows ran 2.3x faster (0.42-0.54 against 1.00-1.32 ms a batch), and a 2,000,000-row
        # bucket needs a table of the used rows only, not 800 MB.
        usage = np.bincount(full_rows, np.repeat(np.asarray(self.corpus.counts, np.float64), lengths),
                            minlength=vocabulary + self.bucket)
        self.table_rows = np.argsort(-usage, kind="stable")[:np.count_nonzero(usage)]
        compact = np.empty(vocabulary + self.bucket, np.int32)
        compact[self.table_rows] = np.arange(len(self.table_rows))
        self.rows = compact[full_rows]
        return NegativeSamplingModel(len(self.table_rows), vocabulary, self.dim, seed=self.seed,
                                     reports_loss=self.compute_loss, name=f"fasttext_{self.mode}")

    def input_table(self):
        """fastText's input table, (vocabulary + bucket, dim): word rows, then bucket rows; the rows no word uses
        keep their initial values (uniform in +-0.5/dim, as the trained ones started), which unseen words'
        n-grams may hash to."""
        dim, rows = self.dim, len(self.corpus) + self.bucket
        table = np.random.default_rng([self.seed, rows]).random((rows, dim), np.float32)  # float32: 2M buckets
        table -= np.float32(0.5)
        table /= np.float32(dim)  # uniform in +-0.5/dim, in place
        table[self.table_rows] = self.model.input_vectors.numpy()
        return table

    def padded_sizes(self, epochs, steps):
        """The size `stack_batches` pads the packed input rows to (see Word2Vec.padded_sizes): the run's most a
        batch, counted ahead from the epochs' text (0.05-0.13 s here; a word's rows, 1 + its n-grams, grow with
        its length, so no bound from the windows alone holds them), rounded up to 64."""
        rows_of_word = np.diff(self.row_starts)
        most = max(self.most_batch_rows(epoch, steps, rows_of_word) for epoch in epochs)
        return {"input": -(-max(most, 1) // 64) * 64}

    def expand(self, words, examples):
        """The input rows of `words` (word row, then n-gram rows), and the example each row belongs to."""
        lengths = self.row_starts[words + 1] - self.row_starts[words]
        first = np.repeat(self.row_starts[words] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        return self.rows[first + np.arange(lengths.sum())], np.repeat(examples, lengths), lengths

    def examples(self, centre, window_ids, pairs, noise_ids, rate):
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
        """A zoo.Vectors with the subword buckets: fastText's word vectors, and vectors for unseen words."""
        from zoo.static.fasttext_subwords import Subwords
        from zoo.static.vectors import Vectors

        table = self.input_table()
        vocabulary = len(self.corpus)
        subwords = Subwords(table[vocabulary:], self.minn, self.maxn)
        return Vectors(self.corpus.words, subwords.word_vectors(self.corpus.words, table[:vocabulary]), subwords)
