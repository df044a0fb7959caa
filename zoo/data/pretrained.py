"""Pretrained vector files in every format, as gensim ships them for its own tests: small, but real models
(fastText trained on the Lee news corpus, a supervised fastText sentiment model, GloVe and word2vec samples)."""

from zoo.data.datasets import GENSIM, GENSIM_TEST_DATA, DataSet, require
from zoo.data.fasttext_bin import read_fasttext_bin
from zoo.data.vector_files import read_vectors
from zoo.errors import ZooInputError

FILES = {  # file: (format, what it is)
    "lee_fasttext_new.bin": ("fasttext-bin", "fastText full model (subword buckets), Lee corpus, 1,763 words x 10"),
    "lee_fasttext.bin": ("fasttext-bin", "the same model in fastText's file format before 2017"),
    "lee_fasttext.vec": ("word2vec", "its word vectors as fastText .vec text"),
    "pang_lee_polarity_fasttext.bin": ("fasttext-bin", "supervised fastText sentiment model, no n-grams"),
    "pang_lee_polarity_fasttext.vec": ("word2vec", "its word vectors as .vec text"),
    "toy-model.bin": ("fasttext-bin", "a tiny fastText model, 22 words x 5"),
    "toy-model.vec": ("word2vec", "its word vectors as .vec text"),
    "test_glove.txt": ("glove", "GloVe text format (no header)"),
    "euclidean_vectors.bin": ("word2vec-binary", "word2vec binary format"),
}
DEFAULT = "lee_fasttext_new.bin"


def pretrained_vectors_path(file=DEFAULT):
    """The path of one of the prepared files (`zoo data prepare pretrained-vectors`)."""
    if file not in FILES:
        raise ZooInputError(f"unknown pretrained vector file {file!r}; known: {', '.join(FILES)}")
    return require("pretrained-vectors") / file


def count_words(folder):
    """Files present, and the words they hold together (read with zoo's own readers, which check each file)."""
    words = 0
    for file, (format, _) in FILES.items():  # noqa: A001
        if format == "fasttext-bin":
            words += len(read_fasttext_bin(folder / file, unicode_errors="replace").words)
        else:
            words += len(read_vectors(folder / file, format, unicode_errors="replace")[0])
    return {"files": sum((folder / f).is_file() for f in FILES), "words": words}


DATASETS = (
    DataSet("pretrained-vectors", "Pretrained vector files in every format: fastText .bin/.vec, GloVe, word2vec",
            GENSIM, tuple(GENSIM_TEST_DATA + f for f in FILES), {"files": 9, "words": 11542}, count_words),
)
