"""fastText's subword vectors in core TF ops: char n-grams of `<word>`, FNV-1a hashed into the bucket table.

fastText (dictionary.cc, computeSubwords) works on UTF-8 bytes: an n-gram is n characters (a character is a
lead byte and its continuation bytes 10xxxxxx), taken from `<` + word + `>`, of every length from min_n to max_n;
single characters at the markers are left out. Each n-gram's bytes are hashed with 32-bit FNV-1a, where fastText
sign-extends each byte (it hashes `char`s) before the xor, and the hash modulo `bucket` picks the row.

Written in core TF ops (no tensorflow_text, no py_function) so that a served model computes the vector of a word
it has never seen, exactly as fastText and gensim do; the same function runs eagerly to build the in-vocabulary
vectors when a `.bin` is read.
"""

import numpy as np
import tensorflow as tf

FNV_OFFSET, FNV_PRIME, LOW_32_BITS = 2166136261, 16777619, 0xFFFFFFFF


def ngram_byte_spans(words, min_n, max_n):
    """For each word, the (begin, end) byte offsets of its char n-grams within `<word>`.

    words: string tensor (n,). Returns the bytes of `<word>` (n, None), and begins (n, None), ends (n, None):
    all int64 ragged, each word's n-grams by length, then by position.

    Written on flat values and row ids (the ragged results are built from them, so their `value_rowids` are
    kept, not computed): `tf.ragged.boolean_mask`, a ragged concat along axis 1 and `RaggedTensor.value_rowids`
    pad every row to the longest, so one 100,000-character word among 37,504 others asked for 30 GB (found by
    fuzzing the exports).
    """
    byte_values = _byte_values(tf.strings.join(["<", words, ">"]))
    lengths = byte_values.row_lengths()
    # Character boundaries, from 0 to each word's length included: every byte that is not a continuation byte,
    # and the end of the word. (Rows found by a search: RaggedTensor.value_rowids pads to the longest row too.)
    splits = tf.concat([[0], tf.cumsum(lengths + 1)], axis=0)
    rows = tf.searchsorted(splits[1:], tf.range(splits[-1]), side="right", out_type=tf.int64)
    offsets = tf.range(splits[-1]) - tf.gather(splits, rows)
    flat_bytes = byte_values.flat_values
    last = tf.maximum(tf.size(flat_bytes, tf.int64) - 1, 0)
    byte = tf.gather(flat_bytes, tf.minimum(tf.gather(byte_values.row_starts(), rows) + offsets, last))
    is_bound = (offsets == tf.gather(lengths, rows)) | (tf.bitwise.bitwise_and(byte, 0xC0) != 0x80)
    bounds, rows = tf.boolean_mask(offsets, is_bound), tf.boolean_mask(rows, is_bound)
    nrows = tf.shape(words, out_type=tf.int64)[0]
    ragged_bounds = tf.RaggedTensor.from_value_rowids(bounds, rows, nrows)
    index = tf.range(tf.size(bounds, tf.int64))
    within = index - tf.gather(ragged_bounds.row_starts(), rows)  # a boundary's place in its word
    count = tf.gather(ragged_bounds.row_lengths(), rows)  # characters + 1 in its word
    begin_values, end_values, row_ids = [], [], []
    for n in range(min_n, max_n + 1):
        # An n-gram begins at boundary j and ends at j + n. fastText leaves out `<` and `>` alone: for n = 1, the
        # first and the last character.
        first, stop = (1, count - 2) if n == 1 else (0, count - n)
        begins = tf.boolean_mask(index, (within >= first) & (within < stop))
        begin_values.append(tf.gather(bounds, begins))
        end_values.append(tf.gather(bounds, begins + n))
        row_ids.append(tf.gather(rows, begins))
    # Each word's n-grams together, in the order above (a stable sort by word keeps it).
    row_ids = tf.concat(row_ids, axis=0)
    order = tf.argsort(row_ids, stable=True)
    row_ids = tf.gather(row_ids, order)

    def ragged(values):
        return tf.RaggedTensor.from_value_rowids(tf.gather(tf.concat(values, axis=0), order), row_ids, nrows)

    return byte_values, ragged(begin_values), ragged(end_values)


def _byte_values(strings):
    """The bytes of each string as int64 values 0-255, ragged (n, None)."""
    single_bytes = tf.strings.bytes_split(strings)
    values = tf.reshape(tf.io.decode_raw(single_bytes.flat_values, tf.uint8), [-1])  # [:, 0] fails on no bytes
    return single_bytes.with_flat_values(tf.cast(values, tf.int64))


def ngram_buckets(words, min_n, max_n, bucket):
    """The bucket row of each char n-gram of each word: int64 ragged (n, None); empty rows where max_n is 0."""
    words = tf.convert_to_tensor(words, tf.string)
    if max_n == 0 or bucket == 0:
        return tf.RaggedTensor.from_row_lengths(tf.zeros([0], tf.int64), tf.zeros_like(words, tf.int64))
    byte_values, begins, ends = ngram_byte_spans(words, min_n, max_n)
    # Offsets into the flat byte array of all words.
    word_offsets = tf.gather(byte_values.row_starts(), begins.value_rowids())
    first = word_offsets + begins.flat_values
    lengths = ends.flat_values - begins.flat_values
    flat_bytes = byte_values.flat_values
    # fastText hashes signed chars: bytes 128-255 become 0xFFFFFF80-0xFFFFFFFF before the xor.
    signed = tf.where(flat_bytes >= 128, flat_bytes + 0xFFFFFF00, flat_bytes)

    def step(k, hashes):
        byte = tf.gather(signed, tf.minimum(first + k, tf.maximum(tf.size(signed, tf.int64) - 1, 0)))
        updated = tf.bitwise.bitwise_and(tf.bitwise.bitwise_xor(hashes, byte) * FNV_PRIME, LOW_32_BITS)
        return k + 1, tf.where(k < lengths, updated, hashes)

    longest = tf.reduce_max(tf.concat([lengths, [0]], axis=0))
    _, hashes = tf.while_loop(lambda k, _: k < longest, step,
                              (tf.constant(0, tf.int64), tf.fill(tf.shape(first), tf.constant(FNV_OFFSET, tf.int64))))
    return begins.with_flat_values(hashes % bucket)


def mean_of_rows(table, rows, extra=None):
    """Mean of `table` rows per word (ragged `rows`), plus `extra` (n, dim) counted as one more row; zeros
    where a word has no rows at all."""
    # A segment sum reads each row where it lies: tf.gather(table, rows) would first copy one row per n-gram, so
    # that a request of 1,000 words of 10,000 characters (10 MB) took 16 GB of memory (found by fuzzing).
    total = tf.sparse.segment_sum(table, rows.flat_values, rows.value_rowids(), num_segments=rows.nrows(),
                                  sparse_gradient=True)
    count = tf.cast(rows.row_lengths(), table.dtype)
    if extra is not None:
        total, count = total + extra, count + 1
    return total / tf.maximum(count, 1.0)[:, None]


class Subwords:
    """A fastText model's char n-gram buckets: vectors for words outside the vocabulary, and the composition of
    in-vocabulary vectors (word row and n-gram rows averaged) that fastText's `.vec` files and gensim hold."""

    def __init__(self, buckets, min_n, max_n):
        self.buckets = buckets
        self.min_n, self.max_n = min_n, max_n

    @property
    def bucket(self):
        return len(self.buckets)

    def rows(self, words):
        """Ragged (n, None) bucket rows of the words' n-grams (str or bytes)."""
        return ngram_buckets(tf.constant(list(words), tf.string), self.min_n, self.max_n, self.bucket)

    def word_vectors(self, words, word_rows=None, batch_size=65_536):
        """fastText's vector of each word: the mean of its n-gram rows, and of its own row where `word_rows`
        (n, dim) gives it (in-vocabulary words); zeros for a word without n-grams. The hashing runs in TF (the
        code the served encoder runs), the mean in numpy: handing TF the table copied it whole (800 MB twice at
        2,000,000 buckets, 5 s, for every lookup of an unseen word)."""
        dim = self.buckets.shape[1]
        out = []
        for start in range(0, len(words), batch_size):
            rows = self.rows(words[start:start + batch_size])
            lengths = rows.row_lengths().numpy()
            # One zero row past the end: a last word without n-grams starts there.
            gathered = np.concatenate([self.buckets[rows.flat_values.numpy()], np.zeros((1, dim), self.buckets.dtype)])
            total = np.add.reduceat(gathered, np.r_[0, np.cumsum(lengths)[:-1]], axis=0)  # never empty: start < len
            total[lengths == 0] = 0  # reduceat gives an empty segment the row at its start
            count = lengths.astype(np.float32)
            if word_rows is not None:
                total, count = total + word_rows[start:start + batch_size], count + 1
            out.append((total / np.maximum(count, 1)[:, None]).astype(np.float32))
        return np.concatenate(out) if out else np.zeros((0, dim), np.float32)
