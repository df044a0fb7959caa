"""Hypothesis strategies for Predict requests to any export signature, and the property every answer keeps.

`requests(inputs)` draws {input name: numpy array} for a signature's inputs ({name: {"dtype", "shape"}}, as
ServedSession.signatures gives them), one batch size for all inputs:
- strings: arbitrary unicode (NUL, RTL and combining marks, emoji, lone surrogates sent as their invalid UTF-8
  encoding, e.g. b"\\xed\\xa0\\x80"), raw bytes that are not UTF-8 (b"\\xff"), common words, empty strings and
  100,000-character strings;
- numbers: anything of the dtype (out of range, NaN, +-inf for floats), plus small values and ids an export is
  likely to know or just miss (unseen ids);
- batches: mostly 1-8 (`most`), sometimes empty, sometimes `big_batch` (1,000: a few drawn values repeated, so
  that a big batch costs hypothesis no more than a small one); a second open dimension (token ids) mostly 0-16,
  sometimes longer than any position table (600).

`verdict(answer, batch)`: "answered" (finite outputs whose leading dimension is the batch) or "invalid" (a clean
INVALID_ARGUMENT); anything else (NaN or inf, a wrong shape, another error code) raises AssertionError.
"""

import numpy as np
from hypothesis import strategies as st

INVALID_ARGUMENT = 3
HUGE_STRING = 100_000
LONG_SEQUENCE = 600  # longer than BERT's 512 positions
WORDS = ["the", "a", "movie", "good", "bad", "cat", "hello", "world", "fox", "1", "2", "Action", "Drama", "M", "F",
         "[UNK]", "[CLS]", "[SEP]", "[PAD]", "<|endoftext|>", "unseen-id-42"]
SPECIAL_CHARACTERS = ["\x00", "\u200f", "\u202e", "\u200b", "\u0301", "\u0308", "\ufeff", "\U0010ffff", "\U0001f642",
                      "\u200d", "\u0628", "\u05e9", "\ud800", "\udfff", "\t", "\n", " ", "\u3000"]
SPECIAL_SEQUENCES = ["e\u0301\u0308\u0308", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f1eb\U0001f1f7",
                     "a\x00b", "\u202e\u0627\u0644\u0641\u064a\u0644\u0645"]
INVALID_UTF8 = [b"\xff", b"\xfe\xff", b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\x80", b"\xf4\x90\x80\x80", b"\x80",
                b"\xe2\x82", b"caf\xe9"]

characters = st.one_of(st.characters(codec=None, exclude_categories=()),  # every code point, surrogates too
                       st.sampled_from(SPECIAL_CHARACTERS))
texts = st.one_of(st.text(characters, max_size=30),
                  st.lists(st.sampled_from(WORDS + SPECIAL_CHARACTERS + SPECIAL_SEQUENCES), max_size=8).map(" ".join))


def utf8(text):
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes invalid UTF-8, as a client may send


@st.composite
def strings(draw, huge=True):
    kind = draw(st.integers(0, 99 if huge else 94))
    if kind < 60:
        return utf8(draw(texts))
    if kind < 75:
        return draw(st.binary(max_size=30))
    if kind < 85:
        return draw(st.sampled_from(INVALID_UTF8 + [b""]))
    if kind < 95:
        return utf8(draw(st.sampled_from(WORDS)))
    seed = draw(st.text(characters, min_size=1, max_size=10))
    return utf8(seed * (HUGE_STRING // len(seed) + 1))[:HUGE_STRING]  # may end inside a character: on purpose


def integers(dtype):
    info = np.iinfo(dtype)
    return st.one_of(st.integers(int(info.min), int(info.max)), st.integers(-3, 40), st.sampled_from(
        [int(info.min), int(info.max), -1, 0, 1, 30521, 30522, 50257, 10**6]))


def floats(dtype):
    width = 32 if dtype == "float32" else 64 if dtype == "float64" else 16
    return st.one_of(st.floats(width=width), st.floats(-100, 100, width=width),
                     st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-45]))


def elements(dtype, huge=True):
    if dtype == "string":
        return strings(huge)
    if dtype == "bool":
        return st.booleans()
    if dtype.startswith(("int", "uint")):
        return integers(dtype)
    if dtype.startswith(("float", "bfloat", "half")):
        return floats(dtype)
    raise ValueError(f"no strategy for inputs of dtype {dtype}")


def sizes(big, most):
    """Mostly 1-`most`, sometimes 0, sometimes `big`."""
    return st.integers(0, 99).flatmap(lambda k: st.just(0) if k < 8 else st.just(big) if k < 14
                                      else st.integers(1, most))


def column(draw, dtype, shape):
    """A numpy array of `shape` (every entry fixed), its values from a few drawn ones, repeated."""
    count = int(np.prod(shape))
    huge = count <= 16  # no 100,000-character strings in a big batch: 100 MB a request
    drawn = draw(st.lists(elements(dtype, huge), min_size=1, max_size=min(count, 16) or 1))
    values = [drawn[i % len(drawn)] for i in range(count)]
    if count > len(drawn):  # a big batch: shuffle the repeats a little, so rows differ in order
        order = draw(st.permutations(range(len(drawn))))
        values = [drawn[order[i % len(drawn)]] for i in range(count)]
    numpy_dtype = object if dtype == "string" else dtype
    return np.array(values, dtype=numpy_dtype).reshape(shape)


@st.composite
def requests(draw, inputs, big_batch=1000, most=8, long_sequence=LONG_SEQUENCE):
    """{input name: numpy array} for a signature's `inputs`, batches mostly of 1-`most`; a (batch, n) input gets
    n from 0-16 or `long_sequence` (then the batch is at most 8, to bound the cost)."""
    batch = draw(sizes(big_batch, most))
    inner = {}
    for spec in inputs.values():
        for i, size in enumerate(spec["shape"][1:], 1):
            if size < 0 and i not in inner:
                long = batch <= 8 and draw(st.integers(0, 99)) < 10
                inner[i] = long_sequence if long else draw(st.integers(0, 16))
    request = {}
    for name, spec in sorted(inputs.items()):
        shape = [batch] + [inner[i] if size < 0 else size for i, size in enumerate(spec["shape"][1:], 1)]
        request[name] = column(draw, spec["dtype"], shape)
    return request


def batch_of(request):
    return len(next(iter(request.values())))


def verdict(answer, batch):
    """"answered" or "invalid"; AssertionError for an answer a served model must never give."""
    if not answer["ok"]:
        assert answer["code"] == INVALID_ARGUMENT, f"an error other than INVALID_ARGUMENT: {answer}"
        return "invalid"
    for name, output in answer["outputs"].items():
        assert output["finite"], f"output {name} holds NaN or inf: {answer}"
        assert output["shape"][:1] == [batch], f"output {name} has shape {output['shape']} for a batch of {batch}"
    return "answered"
