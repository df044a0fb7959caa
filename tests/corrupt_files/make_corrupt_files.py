"""Writes the corrupt files of this folder, which tests/test_corrupt_files.py loads one by one.

Each is a small, valid file broken in one way (truncated, a wrong count, a bad number, a bad encoding, empty, a
directory in place of a file). The text files are written here too, byte for byte, so that the folder is all
this script's: after a change, run it and check the files in.

    python tests/corrupt_files/make_corrupt_files.py
"""

import bz2
import gzip
import io
import struct
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORDS = ["the", "of", "and"]
MATRIX = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [-0.7, 0.8, -0.9]], dtype=np.float32)


def vector_lines(words=WORDS, matrix=MATRIX):
    return [f"{word} {' '.join(f'{v:g}' for v in row)}\n" for word, row in zip(words, matrix)]


def word2vec_binary(words, matrix, count=None):
    """word2vec binary: a `count dim` header, then per word `word<space>` and dim little-endian float32."""
    words = [w if isinstance(w, bytes) else w.encode() for w in words]
    body = b"".join(w + b" " + row.astype("<f4").tobytes() + b"\n" for w, row in zip(words, matrix))
    return f"{len(words) if count is None else count} {matrix.shape[1]}\n".encode() + body


def fasttext_bin(words=WORDS, dim=4, bucket=5, version=12, matrix_rows=None, nan_at=None):
    """A tiny fastText .bin (format 12: magic, version, arguments, dictionary, input and output matrices), as
    zoo/data/fasttext_bin.py reads it; `matrix_rows` gives the input matrix another row count than the header,
    `nan_at` puts a NaN at that index of the input matrix's values."""
    rows = len(words) + bucket if matrix_rows is None else matrix_rows
    head = struct.pack("<2i", 793712314, version)
    # dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn, lr_update_rate; then t
    head += struct.pack("<12i", dim, 5, 1, 1, 5, 1, 1, 2, bucket, 3, 6, 100) + struct.pack("<d", 1e-4)
    head += struct.pack("<3i", len(words), len(words), 0) + struct.pack("<2q", 100, -1)  # ntokens, prune_size
    entries = b"".join(w.encode() + b"\0" + struct.pack("<qb", 10, 0) for w in words)
    values = np.linspace(-1, 1, rows * dim, dtype=np.float32)
    if nan_at is not None:
        values[nan_at] = np.nan
    input_matrix = struct.pack("<?2q", False, rows, dim) + values.astype("<f4").tobytes()
    output_matrix = struct.pack("<?2q", False, len(words), dim) + np.zeros(len(words) * dim, "<f4").tobytes()
    return head + entries + input_matrix + output_matrix


def parquet_bytes(columns):
    import pyarrow
    import pyarrow.parquet

    out = io.BytesIO()
    pyarrow.parquet.write_table(pyarrow.table(columns), out, compression="none")
    return out.getvalue()


def reviews(rating):
    return {"Title": ["Love it", None], "Review Text": ["Fits well.", "Runs small."], "Rating": rating,
            "Department Name": ["Tops", "Dresses"]}


STSB = ["main-captions\tMSRvid\t2012test\t0001\t5.000\tA man is playing a flute.\tA man plays a flute.\n",
        "main-news\theadlines\t2013\t0002\t3.200\tStocks rise.\tShares go up.\n",
        "main-forums\tdeft-forum\t2014\t0003\t1.000\tI agree.\tIt is raining.\n"]
WIKI = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/">
  <page>
    <title>Anarchism</title>
    <ns>0</ns>
    <revision><text>'''Anarchism''' is a political philosophy.</text></revision>
  </page>
  <page>
    <title>Autism</title>
    <ns>0</ns>
    <revision><text>Autism is a developmental disorder
"""  # ends inside the second page: the closing tags are missing
TEXT_FILES = {
    # pretrained vectors: GloVe text (no header), word2vec text / fastText .vec (a `count dim` header)
    "glove_bad_number.txt": "the 0.1 0.2 0.3\nof 0.4 O.5 0.6\n",
    "glove_wrong_dim.txt": "the 0.1 0.2 0.3\nof 0.4 0.5 0.6\nand 0.7 0.8\n",
    "glove_nan.txt": "the 0.1 0.2 0.3\nof 0.4 nan 0.6\n",
    "glove_blank_line.txt": "the 0.1 0.2 0.3\n\nof 0.4 0.5 0.6\n",
    "glove_duplicate_word.txt": "the 0.1 0.2 0.3\nof 0.4 0.5 0.6\nthe 0.7 0.8 0.9\n",
    "glove_empty.txt": "",
    "word2vec_count_too_high.txt": "4 3\n" + "".join(vector_lines()[:2]),
    "word2vec_count_too_low.vec": "2 3\n" + "".join(vector_lines()),
    "word2vec_wrong_dim.vec": "2 3\nthe 0.1 0.2 0.3\nof 0.4 0.5 0.6 0.7\n",
    "word2vec_header_only.vec": "3 4\n",
    "word2vec_truncated.vec": "3 3\n" + "".join(vector_lines()[:2]) + "and 0.7",
    "word2vec_inf.vec": "3 3\nthe 0.1 0.2 0.3\nof 0.4 0.5 0.6\nand -inf 0.8 0.9\n",
    # STS-B original format: genre, source, year, id, score, sentence 1, sentence 2 (tab-separated)
    "stsb_truncated.csv": STSB[0] + STSB[1] + STSB[2][:30],
    "stsb_bad_score.csv": STSB[0] + STSB[1].replace("3.200", "3,2"),
    "stsb_nan_score.csv": STSB[0].replace("5.000", "nan"),
    "stsb_empty.csv": "",
    # tagged sentences: word/TAG tokens
    "tagged_missing_tag.txt": "The/DT cat/NN sat/VBD ./.\nA/DT dog/NN ran/VBD\nThe/DT dog/NN barked ./.\n",
    "tagged_blank.txt": "\n   \n\n",
    # sentiment ground truth: id, score, text (tab-separated)
    "sentiment_nan_score.txt": "1\t2.5\ta fine film\n2\tNaN\ta film\n",
    "sentiment_empty.txt": "",
    # word benchmarks: `word1 word2 score`, and `a b c d` analogies under `: section` lines
    "word_pairs_inf_score.txt": "# word1 word2 score\ncat dog 7.5\nsun moon inf\n",
    "word_pairs_comments_only.txt": "# word1 word2 score\n# (the pairs were lost)\n",
    "analogies_three_words.txt": ": capital-common-countries\nAthens Greece Baghdad Iraq\nAthens Greece Bangkok\n",
    # MovieLens: GroupLens u.data (user, item, rating, timestamp) and RecBole atomic files
    "movielens_truncated.data": "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1",
    "movielens_bad_rating.data": "196\t242\t3\t881250949\n186\t302\tfive\t891717742\n",
    "movielens_empty.data": "",
    "movielens_items_bad_year.item": ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
                                      "1\tToy Story\t1995\tAnimation Children's Comedy\n"
                                      "2\tGoldenEye\t199S\tAction Adventure Thriller\n"),
    # corpora: a MediaWiki XML dump, Lee's similarity matrix, plain text one document a line
    "wiki_truncated.xml": WIKI,
    "lee_similarities_ragged.txt": "1 0.5 0.2\n0.5 1 0.3\n0.2 0.3\n",
    "lee_similarities_bad_number.txt": "1 0.5\n0.5 one\n",
    "lee_documents_blank.txt": "\n \n\t\n",
    # the domain corpus of recipes/domain_adaptation.py (--corpus, --labels): one text / label a line
    "domain_labels_too_few.txt": "Tops\nDresses\nBottoms\n",
}
BINARY_FILES = {
    "glove_latin1.txt": b"the 0.1 0.2 0.3\ncaf\xe9 0.4 0.5 0.6\n",  # not UTF-8: a latin-1 word
    "glove_utf16.txt": "the 0.1 0.2 0.3\nof 0.4 0.5 0.6\n".encode("utf-16"),  # with its byte-order mark
    "glove_truncated.txt.gz": gzip.compress("".join(vector_lines() * 20).encode(), mtime=0)[:60],
    "stsb_latin1.csv": STSB[0].encode() + STSB[1].replace("Stocks", "Stocks \xa3").encode("latin-1"),
    "tagged_utf16.txt": "The/DT cat/NN\n".encode("utf-16"),
    "corpus_bad_utf8.txt": b"the cat sat on the mat\na dog ran\nthe caf\xe9 was closed\n",
    "corpus_blank.txt": b"\n  \n\t\n",
    "domain_corpus_bad_utf8.txt": b"".join(b"Runs small, order a size up %d.\n" % i for i in range(24))
    + b"Fits \xff well.\n",
    "word2vec_binary_truncated.bin": word2vec_binary(WORDS, MATRIX)[:-7],
    "word2vec_binary_count_too_low.bin": word2vec_binary(WORDS, MATRIX, count=2),
    "word2vec_binary_bad_utf8.bin": word2vec_binary([b"the", b"caf\xe9", b"and"], MATRIX),
    "word2vec_binary_nan.bin": word2vec_binary(WORDS, np.array([[0.1, 0.2, 0.3], [0.4, np.nan, 0.6],
                                                                [0.7, 0.8, 0.9]], np.float32)),
    "fasttext_truncated.bin": fasttext_bin()[:-100],  # inside the input matrix's values
    "fasttext_nan.bin": fasttext_bin(nan_at=3 * 4 + 1),  # in the first bucket's row (3 words of 4 values before it)
    "fasttext_dictionary_truncated.bin": fasttext_bin()[:96],
    "fasttext_wrong_rows.bin": fasttext_bin(matrix_rows=7),
    "fasttext_bad_version.bin": fasttext_bin(version=99),
    "wiki_truncated.xml.bz2": bz2.compress(WIKI.encode() + b"</text></revision></page></mediawiki>\n")[:-30],
}


def parquet_files():
    whole = parquet_bytes(reviews([5, 2]))
    return {
        "reviews_truncated.parquet": whole[: len(whole) // 2],
        "reviews_empty.parquet": b"",
        "reviews_missing_column.parquet": parquet_bytes({k: v for k, v in reviews([5, 2]).items() if k != "Rating"}),
        "reviews_rating_out_of_range.parquet": parquet_bytes(reviews([5, 0])),
        "reviews_rating_as_text.parquet": parquet_bytes(reviews(["5", "2"])),
    }


def main(folder=HERE):
    folder = Path(folder)
    for name, text in TEXT_FILES.items():
        (folder / name).write_bytes(text.encode())
    for name, data in {**BINARY_FILES, **parquet_files()}.items():
        (folder / name).write_bytes(data)
    directory = folder / "a_directory"  # a folder where a file is expected (git keeps it for the file inside)
    directory.mkdir(exist_ok=True)
    (directory / "README.txt").write_bytes(b"A folder that stands where the loaders expect a file.\n")


if __name__ == "__main__":
    main()
