"""The tour in a reduced mode: two fake recipes (one run, one left to `zoo run`) over small exports of each family
built here (random static vectors, a TextEmbedding, a tiny BERT, the two-tower item tower untrained), the
comparison on slices of the real data, the report's structure, and its page opened in headless Chromium."""

import math
import re
import shutil
import subprocess
import time
import types
from argparse import Namespace
from pathlib import Path

import keras
import keras_hub
import numpy as np
import pytest

import zoo.tour
from zoo.data import load_movielens, load_word_pairs
from zoo.data.movielens_split import ITEM_COLUMNS, USER_COLUMNS, feature_table
from zoo.recipes import CATALOGUE
from zoo.serving import export
from zoo.tour.charts import GROUPS
from zoo.tour.comparison import Sizes, compare
from zoo.tour.context import POLYSEMOUS

pytestmark = pytest.mark.slow  # a tour, reduced: exports built, the comparison on slices of the real data

SIZES = Sizes(sts_pairs=80, sentiment_sentences=300, tagged_lines=60, polysemous_words=2, sentences_per_word=5)
FAMILIES = ("static", "contextual", "custom")
WARMUP = {"text": ["a bank of the river", "the dog plays", ""]}


def words():
    """The words the small models know: WordSim-353's and the picture's groups, a few polysemous ones."""
    pairs = load_word_pairs("wordsim353")
    known = {w.lower() for p in pairs for w in (p.word1, p.word2)} | {w for g in GROUPS.values() for w in g}
    return sorted(known | set(POLYSEMOUS) | {"the", "a", "of", "river", "dog", "plays"})


def tiny_bert(vocabulary):
    from zoo.contextual.hugging_face_bert_tokenizer import HuggingFaceBertTokenizer
    from zoo.contextual.text_encoder import TextEncoder

    keras.utils.set_random_seed(3)
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *vocabulary]
    backbone = keras_hub.models.BertBackbone(vocabulary_size=len(tokens), num_layers=1, num_heads=2, hidden_dim=8,
                                             intermediate_dim=16, max_sequence_length=128)
    return TextEncoder(backbone, HuggingFaceBertTokenizer(tokens), sequence_length=128)


def build_exports(root):
    """Exports under names of catalogue recipes: glove (static), text_embedding (custom), sentence_embeddings
    (contextual, a tiny BERT), two_tower_movielens_item (untrained towers)."""
    from zoo.contextual.encoder_exports import export_text_encoder
    from zoo.custom import TextEmbedding
    from zoo.recipes import two_tower_movielens as recipe
    from zoo.static.vectors import Vectors

    vocabulary = words()
    vectors = Vectors(vocabulary, np.random.default_rng(0).standard_normal((len(vocabulary), 12)).astype("float32"))
    export(vectors.text_encoder(name="glove"), "glove", WARMUP, root=root)
    keras.utils.set_random_seed(4)
    embedding = TextEmbedding(max_tokens=500, output_dim=8, sequence_length=16)
    embedding.adapt(vocabulary[:300])
    text = keras.Input(shape=(), dtype="string", name="text")
    export(keras.Model(text, {"embedding": embedding(text)}), "text_embedding", WARMUP, root=root)
    encoder = tiny_bert(vocabulary)
    export_text_encoder(encoder, "sentence_embeddings", WARMUP["text"], root=root)
    users = feature_table(load_movielens("users")[:20], USER_COLUMNS)
    items = feature_table(load_movielens("items"), ITEM_COLUMNS)
    args = Namespace(title_encoder="words", oov_rate=0.1, seed=1, output_dim=8, temperature=0.05, logq=True,
                     hard_negatives=None)
    towers = recipe.build_towers(args, users, items, np.array([[0, 0], [1, 1], [2, 2]]))
    towers.item_embedding({k: v[:2] for k, v in items.items()})
    export(towers.candidate_tower, "two_tower_movielens_item", {k: v[:2].tolist() for k, v in items.items()},
           root=root)
    return encoder


@pytest.fixture(scope="module")
def toured(tmp_path_factory, monkeypatch_module):
    root = tmp_path_factory.mktemp("tour")
    exports, reports = root / "saved_models", root / "reports"
    encoder = build_exports(exports)
    glove = Path(exports / "glove" / "1")

    def fake_main(argv):
        assert argv == ["--epochs", "1", "--export-dir", str(exports)]
        return {"value": 0.5, "baseline": 0.0, "exports": [str(glove)]}

    ran = types.SimpleNamespace(**{**vars(CATALOGUE["glove"]), "tour_flags": ("--epochs", "1"),
                                   "direction": "higher is better"}, load=lambda: types.SimpleNamespace(main=fake_main))
    skipped = CATALOGUE["sbert_finetune_stsb"]
    monkeypatch_module.setattr(zoo.tour, "tour_recipes", lambda: ([ran], [skipped]))
    monkeypatch_module.setattr(zoo.tour, "compare", lambda export_dir, runs, sizes: compare(
        export_dir, runs, SIZES, contextual=("tiny BERT (frozen)", "a random 1-layer BERT", encoder)))
    started = time.perf_counter()
    rows = zoo.tour.tour(export_dir=str(exports), report_dir=str(reports))
    return rows, reports, time.perf_counter() - started


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def markdown_tables(text):
    """{section title: [row cells]} of comparison.md's tables."""
    tables, title = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:]
            tables[title] = []
        elif line.startswith("| ") and title and not line.startswith("| family") and not line.startswith("| |"):
            tables[title].append([cell.strip() for cell in line.strip("|").split(" | ")])
    return tables


def test_the_tour_runs_its_recipes_and_names_those_it_leaves(toured):
    rows, reports, _ = toured
    assert [row[1] for row in rows] == ["glove"]
    intro = (reports / "comparison.md").read_text().split("\n## ")[0]
    assert "Recipes run by this tour: glove" in intro and "Not run by the tour" in intro
    assert "sbert_finetune_stsb" in intro


def test_every_family_is_in_every_task_it_can_do_with_finite_numbers(toured):
    _, reports, _ = toured
    text = (reports / "comparison.md").read_text()
    tables = markdown_tables(text)
    every_family = ["STS-B test: sentence similarity", "Sentiment: vader-movie-reviews, frozen embeddings + logistic "
                    "regression", "Word similarity: each model's vector of the word alone",
                    "Out of vocabulary: each benchmark's words a model cannot embed",
                    "Context sensitivity: part-of-speech tags of ambiguous words", "Encoding speed", "Export size"]
    for title in every_family:
        assert {row[0] for row in tables[title]} >= set(FAMILIES), title
    for title in every_family[:4] + every_family[5:]:
        assert {row[1] for row in tables[title]} >= {"glove", "text_embedding", "sentence_embeddings"}, title
    pos = {row[1]: row for row in tables["Context sensitivity: part-of-speech tags of ambiguous words"]}
    assert pos["tiny BERT (frozen)"][3] == "in its sentence" and pos["glove"][3] == "the word alone"
    polysemy = {row[1]: row for row in tables["Context sensitivity: one word across sentences"]}
    assert float(polysemy["glove (the word alone)"][2]) == pytest.approx(1.0, abs=1e-3)  # one vector a word
    assert float(polysemy["tiny BERT (frozen) (in its sentence)"][2]) < 0.9999
    assert "- `text_embedding`: its export pools a whole text" in text
    assert [row[1] for row in tables["Training time (this tour)"]] == ["glove"]
    for title, table in tables.items():
        for row in table:
            for cell in row[2:]:
                if re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    assert math.isfinite(float(cell)), (title, row)
                assert cell.lower() not in ("nan", "inf", "-inf"), (title, row)
    assert "The three families, measured" in tables and len(tables["The three families, measured"]) >= 8
    advice = text.split("## When to use each (from this run's numbers)")[1].split("## Pictures")[0]
    assert advice.count("\n- ") >= 5 and "family came first" in advice


def test_the_numbers_are_measured_not_written(toured):
    _, reports, _ = toured
    tables = markdown_tables((reports / "comparison.md").read_text())
    oov = {row[1]: [float(x) for x in row[2:]] for row in tables[
        "Out of vocabulary: each benchmark's words a model cannot embed"]}
    assert oov["glove"][0] == 0.0 and oov["glove"][1] > 10  # knows WordSim-353's words, not all of MEN's
    assert oov["text_embedding"][0] > 0  # its vocabulary: 300 of the words
    sts = {row[1]: float(row[2]) for row in tables["STS-B test: sentence similarity"]}
    assert len(set(sts.values())) == len(sts)  # random models of different kinds do not give one score


def test_every_picture_exists_and_is_a_png(toured):
    _, reports, _ = toured
    page = (reports / "index.html").read_text()
    images = re.findall(r'<img src="([^"]+)"', page)
    expected = {"sts.png", "sentiment.png", "words.png", "oov.png", "pos.png", "polysemy.png", "speed.png",
                "size.png", "training.png", "words_glove.png", "items_two_tower.png"}
    assert set(images) == expected and set(images) == {p.name for p in reports.glob("*.png")}
    for name in images:
        data = (reports / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
        assert "](" + name + ")" in (reports / "comparison.md").read_text()


def chromium():
    """The chromium binary, installed with apt-get when missing (Debian's package); None if it cannot be."""
    found = shutil.which("chromium")
    if found or shutil.which("apt-get") is None:
        return found
    for command in (["apt-get", "install", "-y", "--no-install-recommends", "chromium"], ["apt-get", "update"],
                    ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if command[1] == "install" and done.returncode == 0:
            break
    return shutil.which("chromium")


def test_the_page_shows_every_image_in_headless_chromium(toured, tmp_path):
    _, reports, _ = toured
    binary = chromium()
    if binary is None:
        pytest.skip("chromium is not installed and `apt-get install chromium` could not install it")
    page = (reports / "index.html").read_text()
    probe = reports / "probe.html"  # the page, plus a script that writes each image's natural size into the DOM
    probe.write_text(page.replace("</body>", """<script>
window.addEventListener("load", () => { const out = document.createElement("pre"); out.id = "loaded";
  out.textContent = [...document.images].map(i => i.getAttribute("src") + " " + i.naturalWidth + "x" +
  i.naturalHeight).join("\\n"); document.body.appendChild(out); });
</script></body>"""))
    try:
        dom = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
                              "--virtual-time-budget=10000", f"--user-data-dir={tmp_path}", "--dump-dom",
                              probe.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
    finally:
        probe.unlink()
    loaded = re.search(r'<pre id="loaded">(.*?)</pre>', dom, re.S)
    assert loaded, dom[-2000:]
    sizes = dict(line.split(" ") for line in loaded.group(1).strip().splitlines())
    assert set(sizes) == set(re.findall(r'<img src="([^"]+)"', page))
    for name, size in sizes.items():
        width, height = map(int, size.split("x"))
        assert width > 300 and height > 200, (name, size)  # decoded: a broken image is 0x0 (or its icon, 16x16)
