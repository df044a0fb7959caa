"""Text corpora for training static vectors: a Wikipedia excerpt and the Lee corpus.

Original formats: a MediaWiki XML dump (`.xml`, `.xml.bz2`), and plain text with one document a line.
"""

import html
import re
import xml.etree.ElementTree as ElementTree
from typing import NamedTuple

import numpy as np

from zoo.data.datasets import GENSIM, GENSIM_TEST_DATA, DataSet, require
from zoo.data.records import numbered_lines, open_binary, parse_number
from zoo.errors import ZooDataError

WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
LEE_FILES = {"background": "lee_background.cor", "test": "lee.cor", "similarities": "similarities0-1.txt"}
LEE_TEST_ENCODING = "latin-1"  # lee.cor writes the pound sign as byte 0xA3


class Article(NamedTuple):
    title: str
    text: str


def tokenize(text):
    """Lower-cased runs of letters: the word tokens the static trainers and benchmarks use."""
    return re.findall(r"[^\W\d_]+", text.lower())


NAMESPACE = r"(?:File|Image|Category|[a-z-]{2,12}):"  # files, categories, interlanguage links
NAMESPACE_LINK = r"\[\[" + NAMESPACE + r"[^\[\]]*\]\]"
PLAIN_LINK = r"\[\[(?!" + NAMESPACE + r")(?:[^\[\]|]*\|)?([^\[\]]*)\]\]"


def _remove_innermost(pattern, text):
    """Removes nested constructs ({{templates}}, {| tables |}) from the inside out."""
    while True:
        stripped = re.sub(pattern, " ", text, flags=re.S)
        if stripped == text:
            return text
        text = stripped


def strip_wiki_markup(text):
    """Plain prose from wikitext: templates, tables, references, files and categories removed, links as text."""
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    text = re.sub(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>", " ", text, flags=re.S)
    text = _remove_innermost(r"\{\{[^{}]*\}\}", text)
    text = _remove_innermost(r"\{\|(?:(?!\{\|).)*?\|\}", text)
    while True:  # links inside file captions: innermost first; a plain link becomes its label
        stripped = re.sub(PLAIN_LINK, r"\1", text)
        stripped = re.sub(NAMESPACE_LINK, " ", stripped)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"\[https?://\S+\s*([^\]]*)\]", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"'{2,}", "", text)
    text = re.sub(r"^=+\s*(.*?)\s*=+\s*$", r"\1", text, flags=re.M)
    return html.unescape(text)


def read_mediawiki_dump(path):
    """Articles (namespace 0, not redirects) of a MediaWiki XML dump, markup stripped."""
    articles = []
    try:
        with open_binary(path) as handle:
            for _, element in ElementTree.iterparse(handle):
                if not element.tag.endswith("}page"):
                    continue
                namespace = element.tag[: -len("page")]
                is_article = element.findtext(f"{namespace}ns") == "0" and element.find(f"{namespace}redirect") is None
                if is_article:
                    title = element.findtext(f"{namespace}title")
                    text = element.findtext(f"{namespace}revision/{namespace}text") or ""
                    articles.append(Article(title, strip_wiki_markup(text)))
                element.clear()
    except ElementTree.ParseError as error:
        raise ZooDataError(path, f"not a MediaWiki XML dump ({error})", line=error.position[0]) from None
    except (OSError, EOFError) as error:
        raise ZooDataError(path, f"cannot read ({error})") from None
    return articles


def read_documents(path, encoding="utf-8"):
    documents = [line for _, line in numbered_lines(path, encoding) if line.strip()]
    if not documents:
        raise ZooDataError(path, "no documents found")
    return documents


def read_similarity_matrix(path):
    numbered = [
        (lineno, [parse_number(path, lineno, value, f"column {column + 1}")
                  for column, value in enumerate(line.split())])
        for lineno, line in numbered_lines(path)
        if line.strip()
    ]
    if not numbered:
        raise ZooDataError(path, "no rows found")
    for lineno, row in numbered:
        if len(row) != len(numbered):
            raise ZooDataError(path, f"expected {len(numbered)} values (a square matrix of {len(numbered)} rows), "
                               f"found {len(row)}", line=lineno)
    return np.array([row for _, row in numbered], dtype=np.float32)


def load_wiki_excerpt(*, path=None):
    """106 English Wikipedia articles (about 450,000 words): gensim's test excerpt, or a dump of yours."""
    return read_mediawiki_dump(path or require("wiki-excerpt") / WIKI_FILE)


def load_lee(part="background", *, path=None):
    """Lee corpus: `background` (300 news documents), `test` (50), or `similarities` (50 x 50 human scores)."""
    if part not in LEE_FILES:
        raise ValueError(f"unknown Lee corpus part {part!r}; choose one of {', '.join(LEE_FILES)}")
    path = path or require("lee") / LEE_FILES[part]
    if part == "similarities":
        return read_similarity_matrix(path)
    return read_documents(path, LEE_TEST_ENCODING if part == "test" else "utf-8")


def count_wiki(folder):
    return {"articles": len(read_mediawiki_dump(folder / WIKI_FILE))}


def count_lee(folder):
    return {
        "background": len(read_documents(folder / LEE_FILES["background"])),
        "test": len(read_documents(folder / LEE_FILES["test"], LEE_TEST_ENCODING)),
        "similarities": len(read_similarity_matrix(folder / LEE_FILES["similarities"])),
    }


DATASETS = (
    DataSet("wiki-excerpt", "106 English Wikipedia articles (MediaWiki XML dump)", GENSIM,
            (GENSIM_TEST_DATA + WIKI_FILE,), {"articles": 106}, count_wiki),
    DataSet("lee", "Lee news corpus: 300 background documents, 50 test documents, their human similarities",
            GENSIM, tuple(GENSIM_TEST_DATA + f for f in LEE_FILES.values()),
            {"background": 300, "test": 50, "similarities": 50}, count_lee),
)
