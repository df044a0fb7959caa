"""The catalogue of corrupt inputs: every file of tests/corrupt_files/, handed to the public loader that users
give such a file to, must raise one clear error (the exception class, and a one-line message naming the file and,
where there is one, the line), return nothing half-loaded, and write nothing. The files are written by
tests/corrupt_files/make_corrupt_files.py; a huge line is made here, in a temporary folder."""

import importlib.util
import re
from pathlib import Path

import pytest

from zoo import data
from zoo.errors import ZooDataError, ZooInputError
from zoo.recipes import domain_adaptation
from zoo.static.corpus import Corpus
from zoo.static.vectors import Vectors

CORRUPT = Path(__file__).parent / "corrupt_files"
GENERATOR = "make_corrupt_files.py"


def vectors(path, support):
    return Vectors.load(path)


def stsb(path, support):
    return data.load_stsb("test", path=path)


def domain(*argv):
    return domain_adaptation.domain_texts(domain_adaptation.parse_args(list(map(str, argv))))


# (file in tests/corrupt_files, loader (path, folder of valid support files), exception, regex of the message)
CATALOGUE = [
    # pretrained vectors: GloVe text, word2vec text / fastText .vec, word2vec binary, fastText .bin
    ("glove_bad_number.txt", vectors, ZooDataError, r"glove_bad_number\.txt:2: value 'O\.5' is not a number$"),
    ("glove_wrong_dim.txt", vectors, ZooDataError, r"glove_wrong_dim\.txt:3: expected 3 values, found 2$"),
    ("glove_nan.txt", vectors, ZooDataError, r"glove_nan\.txt:2: value 'nan' is not a finite number$"),
    ("glove_blank_line.txt", vectors, ZooDataError, r"glove_blank_line\.txt:2: expected 3 values, found 0$"),
    ("glove_duplicate_word.txt", vectors, ZooDataError,
     r"glove_duplicate_word\.txt:3: duplicate word 'the' \(first on line 1\)$"),
    ("glove_empty.txt", vectors, ZooDataError, r"glove_empty\.txt: empty file$"),
    ("glove_latin1.txt", vectors, ZooDataError, r"glove_latin1\.txt:2: word is not valid UTF-8 \(pass unicode_e"),
    ("glove_utf16.txt", vectors, ZooDataError, r"glove_utf16\.txt: UTF-16 text .*: vector files are UTF-8$"),
    ("glove_truncated.txt.gz", vectors, ZooDataError,
     r"glove_truncated\.txt\.gz: cannot read \(Compressed file ended before the end-of-stream marker"),
    ("word2vec_count_too_high.txt", vectors, ZooDataError,
     r"word2vec_count_too_high\.txt:1: header says 4 words, the file has 2$"),
    ("word2vec_count_too_low.vec", vectors, ZooDataError,
     r"word2vec_count_too_low\.vec:1: header says 2 words, the file has 3$"),
    ("word2vec_wrong_dim.vec", vectors, ZooDataError, r"word2vec_wrong_dim\.vec:3: expected 3 values, found 4$"),
    ("word2vec_header_only.vec", vectors, ZooDataError, r"word2vec_header_only\.vec: header but no vectors$"),
    ("word2vec_truncated.vec", vectors, ZooDataError, r"word2vec_truncated\.vec:4: expected 3 values, found 1$"),
    ("word2vec_inf.vec", vectors, ZooDataError, r"word2vec_inf\.vec:4: value '-inf' is not a finite number$"),
    ("word2vec_binary_truncated.bin", vectors, ZooDataError,
     r"word2vec_binary_truncated\.bin: truncated: the header promises 3 vectors, the data ends in vector 3$"),
    ("word2vec_binary_count_too_low.bin", vectors, ZooDataError,
     r"word2vec_binary_count_too_low\.bin:1: header says 2 words, more data follows vector 2$"),
    ("word2vec_binary_bad_utf8.bin", vectors, ZooDataError,
     r"word2vec_binary_bad_utf8\.bin:vector 2: word is not valid UTF-8"),
    ("word2vec_binary_nan.bin", vectors, ZooDataError,
     r"word2vec_binary_nan\.bin:vector 2: value nan is not a finite number$"),
    ("fasttext_truncated.bin", vectors, ZooDataError,
     r"fasttext_truncated\.bin: truncated: the input matrix needs 8 x 4 floats, 93 bytes remain$"),
    ("fasttext_nan.bin", vectors, ZooDataError,
     r"fasttext_nan\.bin: input matrix row 4 \(bucket 0\): value nan is not a finite number$"),
    ("fasttext_dictionary_truncated.bin", vectors, ZooDataError,
     r"fasttext_dictionary_truncated\.bin: truncated: the file ends inside the dictionary entry 1 \(byte 96\)$"),
    ("fasttext_wrong_rows.bin", vectors, ZooDataError,
     r"fasttext_wrong_rows\.bin: input matrix is \(7, 4\), expected \(3 words \+ 5 buckets, 4\)$"),
    ("fasttext_bad_version.bin", vectors, ZooDataError,
     r"fasttext_bad_version\.bin: fastText file format version 99; this reader knows \(11, 12\)$"),
    ("a_directory", vectors, ZooDataError, r"a_directory: a directory, not a file$"),
    # STS-B pairs (original format)
    ("stsb_truncated.csv", stsb, ZooDataError, r"stsb_truncated\.csv:3: expected 7 fields \(.*\), found 4$"),
    ("stsb_bad_score.csv", stsb, ZooDataError, r"stsb_bad_score\.csv:2: field 'score' is not a number: '3,2'$"),
    ("stsb_nan_score.csv", stsb, ZooDataError,
     r"stsb_nan_score\.csv:1: field 'score' is not a finite number: 'nan'$"),
    ("stsb_latin1.csv", stsb, ZooDataError, r"stsb_latin1\.csv:2: not valid utf-8 \(invalid start byte\)$"),
    ("stsb_empty.csv", stsb, ZooDataError, r"stsb_empty\.csv: no sentence pairs found$"),
    ("a_directory", stsb, ZooDataError, r"a_directory: a directory, not a file$"),
    # tagged sentences, sentiment, word benchmarks
    ("tagged_missing_tag.txt", lambda p, s: data.load_wsj_pos(path=p), ZooDataError,
     r"tagged_missing_tag\.txt:3: token 3 'barked' is not word/TAG$"),
    ("tagged_blank.txt", lambda p, s: data.load_wsj_pos(path=p), ZooDataError,
     r"tagged_blank\.txt: no tagged sentences found$"),
    ("tagged_utf16.txt", lambda p, s: data.load_wsj_pos(path=p), ZooDataError,
     r"tagged_utf16\.txt:1: not valid utf-8 \(invalid start byte\)$"),
    ("sentiment_nan_score.txt", lambda p, s: data.load_vader_movie_reviews(path=p), ZooDataError,
     r"sentiment_nan_score\.txt:2: field 'score' is not a finite number: 'NaN'$"),
    ("sentiment_empty.txt", lambda p, s: data.load_vader_movie_reviews(path=p), ZooDataError,
     r"sentiment_empty\.txt: no scored texts found$"),
    ("word_pairs_inf_score.txt", lambda p, s: data.load_word_pairs(path=p), ZooDataError,
     r"word_pairs_inf_score\.txt:3: field 'score' is not a finite number: 'inf'$"),
    ("word_pairs_comments_only.txt", lambda p, s: data.load_word_pairs(path=p), ZooDataError,
     r"word_pairs_comments_only\.txt: no word pairs found$"),
    ("analogies_three_words.txt", lambda p, s: data.load_analogies(path=p), ZooDataError,
     r"analogies_three_words\.txt:3: expected 4 words, found 3$"),
    # MovieLens (GroupLens u.data and RecBole atomic files)
    ("movielens_truncated.data", lambda p, s: data.load_movielens("ratings", path=p), ZooDataError,
     r"movielens_truncated\.data:3: expected 4 fields, found 3$"),
    ("movielens_bad_rating.data", lambda p, s: data.load_movielens("ratings", path=p), ZooDataError,
     r"movielens_bad_rating\.data:2: field 'rating' is not a number: 'five'$"),
    ("movielens_empty.data", lambda p, s: data.load_movielens("ratings", path=p), ZooDataError,
     r"movielens_empty\.data: no ratings found$"),
    ("movielens_items_bad_year.item", lambda p, s: data.load_movielens("items", path=p), ZooDataError,
     r"movielens_items_bad_year\.item:3: field 'release_year' is not a number: '199S'$"),
    ("a_directory", lambda p, s: data.load_movielens("ratings", path=p), ZooDataError,
     r"a_directory: a directory, not a file$"),
    # the clothing reviews' Parquet reader (a row stands for the line)
    ("reviews_truncated.parquet", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,
     r"reviews_truncated\.parquet: not a readable Parquet file \(.*magic bytes not found"),
    ("reviews_empty.parquet", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,
     r"reviews_empty\.parquet: not a readable Parquet file \(.*size is 0 bytes\)$"),
    ("reviews_missing_column.parquet", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,
     r"reviews_missing_column\.parquet: missing column\(s\) 'Rating'$"),
    ("reviews_rating_out_of_range.parquet", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,
     r"reviews_rating_out_of_range\.parquet: row 2: field 'Rating' must be 1 to 5, found 0$"),
    ("reviews_rating_as_text.parquet", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,
     r"reviews_rating_as_text\.parquet: row 1: field 'Rating' must be 1 to 5, found '5'$"),
    ("a_directory", lambda p, s: data.load_clothing_reviews(path=p), ZooDataError,  # pyarrow reads folders
     r"a_directory: not a readable Parquet file \(.*a_directory/README\.txt"),
    # corpora: a MediaWiki dump, the Lee corpus, the static trainers' text files
    ("wiki_truncated.xml", lambda p, s: data.load_wiki_excerpt(path=p), ZooDataError,
     r"wiki_truncated\.xml:11: not a MediaWiki XML dump \(no element found: line 11, column 0\)$"),
    ("wiki_truncated.xml.bz2", lambda p, s: data.load_wiki_excerpt(path=p), ZooDataError,
     r"wiki_truncated\.xml\.bz2: cannot read \(Compressed file ended before the end-of-stream marker"),
    ("a_directory", lambda p, s: data.load_wiki_excerpt(path=p), ZooDataError,
     r"a_directory: a directory, not a file$"),
    ("lee_similarities_ragged.txt", lambda p, s: data.load_lee("similarities", path=p), ZooDataError,
     r"lee_similarities_ragged\.txt:3: expected 3 values \(a square matrix of 3 rows\), found 2$"),
    ("lee_similarities_bad_number.txt", lambda p, s: data.load_lee("similarities", path=p), ZooDataError,
     r"lee_similarities_bad_number\.txt:2: field 'column 2' is not a number: 'one'$"),
    ("lee_documents_blank.txt", lambda p, s: data.load_lee("background", path=p), ZooDataError,
     r"lee_documents_blank\.txt: no documents found$"),
    ("corpus_bad_utf8.txt", lambda p, s: Corpus.build(p, min_count=1, progress=False), ZooDataError,
     r"corpus_bad_utf8\.txt:3: not UTF-8 \(byte 8 of the line\)$"),
    ("corpus_blank.txt", lambda p, s: Corpus.build(p, min_count=1, progress=False), ZooDataError,
     r"corpus_blank\.txt: the corpus is empty: no tokens$"),
    ("a_directory", lambda p, s: Corpus.build(p, min_count=1, progress=False), ZooInputError,
     r"corpus '.*a_directory' is neither a file nor a data-layer corpus"),
    # recipes/domain_adaptation.py --corpus / --labels
    ("domain_corpus_bad_utf8.txt", lambda p, s: domain("--corpus", p), ZooDataError,
     r"domain_corpus_bad_utf8\.txt:25: not valid utf-8 \(invalid start byte\)$"),
    ("domain_labels_too_few.txt", lambda p, s: domain("--corpus", s / "corpus.txt", "--labels", p), ZooDataError,
     r"domain_labels_too_few\.txt: 3 labels for the 25 lines of .*corpus\.txt$"),
    ("a_directory", lambda p, s: domain("--corpus", p), ZooDataError, r"a_directory: a directory, not a file$"),
]


@pytest.fixture(scope="module")
def support(tmp_path_factory):
    """Valid files a case needs beside its corrupt one (a domain corpus for the labels)."""
    folder = tmp_path_factory.mktemp("support")
    (folder / "corpus.txt").write_text("".join(f"Runs small, order a size up {i}.\n" for i in range(25)))
    return folder


def listing(folder):
    """What a folder holds, recursively, with sizes and modification times (Python's byte-code cache aside)."""
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in Path(folder).rglob("*") if "__pycache__" not in p.parts)


def assert_one_clear_error(load, path, support, folder, exception, pattern):
    """`load(path, support)` raises `exception` with a one-line message naming `path` and matching `pattern`,
    and neither `folder` (the input's), the working folder nor the support folder changes."""
    watched = [folder, Path.cwd(), support]
    before = [listing(f) for f in watched]
    result = "nothing"
    with pytest.raises(exception) as error:
        result = load(path, support)
    message = str(error.value)
    assert result == "nothing"  # the loader raised: no half-loaded object came back
    assert type(error.value) is exception
    assert str(path) in message and re.search(pattern, message), message
    assert "\n" not in message and len(message.replace(str(path), "")) < 400, message[:400]
    if isinstance(error.value, ZooDataError):
        assert error.value.path == str(path)
    assert [listing(f) for f in watched] == before, "the loader wrote a file or a folder"


@pytest.mark.parametrize("name, load, exception, pattern", CATALOGUE,
                         ids=[f"{row[0]}-{i}" for i, row in enumerate(CATALOGUE)])
def test_a_corrupt_file_gives_one_clear_error(name, load, exception, pattern, support, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where a loader would write with a relative path
    assert_one_clear_error(load, CORRUPT / name, support, CORRUPT, exception, pattern)


def test_every_corrupt_file_is_in_the_catalogue():
    files = {p.name for p in CORRUPT.iterdir()} - {GENERATOR, "__pycache__"}
    covered = {row[0] for row in CATALOGUE}
    assert files - covered == set(), "corrupt files that no row of CATALOGUE loads"
    assert covered - files == set(), "rows of CATALOGUE whose file is missing"
    assert len(files) >= 20 and sum(p.stat().st_size for p in CORRUPT.rglob("*") if p.is_file()) < 100_000


def test_the_generator_writes_these_files(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corrupt_files", CORRUPT / GENERATOR)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.main(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in CORRUPT.iterdir()} - {GENERATOR, "__pycache__"}
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix != ".parquet":  # Parquet files hold the pyarrow version that wrote them
            assert path.read_bytes() == (CORRUPT / path.relative_to(tmp_path)).read_bytes(), path.name


HUGE = 10 << 20  # longer than the vector readers' 8 MB chunk


@pytest.mark.parametrize("name, content, load, pattern", [
    ("huge_line.txt", lambda: b"the 0.1 0.2 0.3\nof " + b"0.5 " * (HUGE // 4) + b"\nand 0.7 0.8 0.9\n", vectors,
     rf"huge_line\.txt:2: expected 3 values, found {HUGE // 4}$"),
    ("huge_header.vec", lambda: b"3 " * (HUGE // 2) + b"\nthe 0.1 0.2 0.3\n",
     lambda p, s: Vectors.load(p, format="word2vec"), r"huge_header\.vec:1: expected a 'count dim' header, found"),
    ("huge_line.csv", lambda: b"g\ts\t2012\t1\t3\ta\tb\n" + b"x" * HUGE + b"\n", stsb,
     r"huge_line\.csv:2: expected 7 fields \(.*\), found 1$"),
], ids=["glove", "word2vec-header", "stsb"])
def test_a_huge_line_gives_one_short_error(name, content, load, pattern, support, tmp_path, monkeypatch):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / name).write_bytes(content())
    monkeypatch.chdir(tmp_path)
    assert_one_clear_error(load, folder / name, support, folder, ZooDataError, pattern)
