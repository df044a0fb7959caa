"""A training corpus for the static trainers: the vocabulary, and the text as one int32 array of word ids.

`Corpus.build(source, min_count)` takes an iterable of token lists, a text file (one sentence or document a line,
tokens split on whitespace, as gensim's LineSentence), or data-layer corpus names ("wiki-excerpt", "lee",
"wiki-excerpt+lee"). Words below `min_count` are dropped before windows are formed, as gensim does, and sentences
longer than MAX_SENTENCE words are cut into pieces of that length (gensim trains on the first 10,000 words of a
longer sentence only; we keep every piece, and the benchmark gives gensim the same pieces).
"""

from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from zoo.errors import ZooDataError, ZooInputError

MAX_SENTENCE = 10_000
DATA_LAYER_CORPORA = ("wiki-excerpt", "lee")


def data_layer_sentences(names):
    """The token lists of data-layer corpora, document by document.

    Args:
        names: corpus names: "wiki-excerpt" (Wikipedia articles) or "lee" (Lee's background news documents).

    Yields:
        Each document's tokens (zoo.data.tokenize), a list of strings.

    Raises:
        ZooInputError: an unknown name.
    """
    from zoo.data import load_lee, load_wiki_excerpt, tokenize

    for name in names:
        if name not in DATA_LAYER_CORPORA:
            raise ZooInputError(f"unknown corpus {name!r}; the data layer has {', '.join(DATA_LAYER_CORPORA)}, "
                                "or give a text file or token lists")
        documents = load_wiki_excerpt() if name == "wiki-excerpt" else load_lee("background")
        for document in documents:
            yield tokenize(document if isinstance(document, str) else document.text)


def file_sentences(path):
    """The lines of a UTF-8 text file, split on whitespace.

    Args:
        path: the file (str or Path).

    Yields:
        Each line's tokens, a list of strings (empty for a blank line).

    Raises:
        ZooDataError: a line that is not UTF-8, naming the file and the line.
    """
    with open(path, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                yield line.decode("utf-8").split()
            except UnicodeDecodeError as error:
                raise ZooDataError(path, f"not UTF-8 (byte {error.start + 1} of the line)", line=number) from None


def sentences_of(source):
    """The token lists of any corpus source (see the module docstring).

    Args:
        source: a text file's path, data-layer corpus names joined with "+", or an iterable of token lists.

    Returns:
        An iterator of token lists.

    Raises:
        ZooInputError: a string that is neither a file nor data-layer corpus names; (when iterated) an item of
            token lists that is not a list of strings.
    """
    if isinstance(source, (str, Path)):
        if Path(source).is_file():
            return file_sentences(source)
        names = str(source).split("+")
        if all(name in DATA_LAYER_CORPORA for name in names):
            return data_layer_sentences(names)
        raise ZooInputError(f"corpus {str(source)!r} is neither a file nor a data-layer corpus "
                            f"({', '.join(DATA_LAYER_CORPORA)}, joined with '+')")
    return _checked_token_lists(source)


def _checked_token_lists(sentences):
    for number, sentence in enumerate(sentences, start=1):
        if isinstance(sentence, str) or not all(isinstance(token, str) for token in sentence):
            raise ZooInputError(f"corpus item {number} is not a list of string tokens: {str(sentence)[:60]!r}")
        yield sentence


class Corpus:
    """A training corpus: its vocabulary, and its text as one array of word ids.

    Made by `Corpus.build(source, min_count)`; the trainers' `fit` builds one from any source, or takes one built
    ahead (to share it among several trainers).

    Args:
        words: the vocabulary, most frequent first (ties in order of first appearance, as gensim sorts them).
        counts: each word's count in the text.
        ids: int32 (total_words,) the kept words of the text, in order, as indices into `words`.
        starts: int64 (sentences,) where each sentence begins in `ids`.

    Example:
    ```python
    corpus = Corpus.build("wiki-excerpt+lee", min_count=5)
    len(corpus), corpus.total_words              # vocabulary, kept words of the text
    zoo.static.Word2Vec().fit(corpus); zoo.static.GloVe().fit(corpus)
    ```
    """

    def __init__(self, words, counts, ids, starts):
        self.words, self.counts, self.ids, self.starts = list(words), np.asarray(counts, np.int64), ids, starts
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def build(cls, source, min_count=5, progress=True):
        """Reads a corpus source, drops the words below `min_count`, and numbers the rest.

        Sentences longer than MAX_SENTENCE words are cut into pieces of that length; pieces of fewer than two
        kept words are dropped (nothing to learn from).

        Args:
            source: a text file (one sentence or document a line, tokens split on whitespace), data-layer corpus
                names joined with "+" ("wiki-excerpt+lee"), or an iterable of token lists.
            min_count: the fewest occurrences a word needs to be kept. Default 5.
            progress: show a progress bar while reading. Default True.

        Returns:
            The Corpus.

        Raises:
            ZooInputError: an empty corpus, fewer than 2 words reaching `min_count`, or no sentence of two kept
                words; ZooDataError: a file line that is not UTF-8.
        """
        counts, sentences = Counter(), []
        for sentence in tqdm(sentences_of(source), desc="reading corpus", unit=" sentences", disable=not progress):
            counts.update(sentence)
            sentences.append(sentence)
        if not counts:
            if isinstance(source, (str, Path)) and Path(source).is_file():
                raise ZooDataError(source, "the corpus is empty: no tokens")
            raise ZooInputError("the corpus is empty: no tokens")
        kept = [(word, count) for word, count in counts.items() if count >= min_count]  # Counter keeps first-seen order
        if len(kept) < 2:
            most = counts.most_common(2)
            raise ZooInputError(f"the corpus has {len(kept)} word(s) occurring min_count={min_count} times or more "
                                f"(its most frequent: {most}); training needs at least 2: lower min_count or give "
                                "more text")
        kept.sort(key=lambda item: -item[1])  # stable: ties keep their first-seen order
        words, word_counts = zip(*kept)
        index = {word: i for i, word in enumerate(words)}
        pieces, starts, position = [], [], 0
        for sentence in sentences:
            ids = np.fromiter((index[t] for t in sentence if t in index), dtype=np.int32)
            for begin in range(0, len(ids), MAX_SENTENCE):
                piece = ids[begin:begin + MAX_SENTENCE]
                if len(piece) > 1:  # a one-word sentence has no context to learn from
                    pieces.append(piece)
                    starts.append(position)
                    position += len(piece)
        if not pieces:
            raise ZooInputError("no sentence of the corpus has two kept words: nothing to learn from")
        return cls(words, word_counts, np.concatenate(pieces), np.array(starts, np.int64))

    def __len__(self):
        """The vocabulary size."""
        return len(self.words)

    @property
    def total_words(self):
        """The kept words of the text (the length of `ids`)."""
        return len(self.ids)

    def sentences(self):
        """The kept text as token lists, sentence by sentence (to give gensim the same input).

        Returns:
            A list of lists of strings.
        """
        ends = np.r_[self.starts[1:], len(self.ids)]
        return [[self.words[i] for i in self.ids[s:e]] for s, e in zip(self.starts, ends)]

    def sentence_ids(self):
        """The sentence number of each position of `ids`: int32 (total_words,)."""
        lengths = np.diff(np.r_[self.starts, len(self.ids)])
        return np.repeat(np.arange(len(self.starts), dtype=np.int32), lengths)

    def keep_probabilities(self, sample):
        """word2vec's subsampling: the chance that each occurrence of a word is kept (gensim's formula).

        Args:
            sample: the threshold, a fraction of the total count when below 1, else a count; 0 or None keeps all.

        Returns:
            float64 (vocabulary,) probabilities in (0, 1].
        """
        if not sample:
            return np.ones(len(self.words))
        threshold = sample * self.counts.sum() if sample < 1.0 else sample
        return np.minimum((np.sqrt(self.counts / threshold) + 1) * (threshold / self.counts), 1.0)

    def noise_distribution(self, exponent=0.75):
        """Negative sampling's distribution over the words: counts ** exponent, normalised.

        Args:
            exponent: word2vec's 0.75 by default.

        Returns:
            float64 (vocabulary,) probabilities summing to 1.
        """
        weights = self.counts.astype(np.float64) ** exponent
        return weights / weights.sum()
