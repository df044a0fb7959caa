"""The comparison: the same tasks measured on every model that can do them, one `Table` a task.

The models are the exports under the export folder that take text (zoo/tour/models.py), whichever recipe made
them and whenever, plus a frozen contextual encoder for token vectors in context. Each task's table names the
models that cannot do it and why.
"""

import time
from dataclasses import dataclass, field

from zoo.tour.context import InContext, polysemy_table, pos_table
from zoo.tour.models import find_exports
from zoo.tour.sentence_tasks import sentiment_and_speed_tables, sts_table
from zoo.tour.table import Table
from zoo.tour.word_tasks import word_tables


@dataclass(frozen=True)
class Sizes:
    """How much of each data set the comparison measures on (None: all of it)."""

    sts_pairs: int | None = None
    sentiment_sentences: int | None = None
    sentiment_training: int | None = None  # the probe's training sentences (MiniLM's accuracy still gains to 8,454)
    tagged_lines: int | None = None
    polysemous_words: int = 4
    sentences_per_word: int = 20


FULL = Sizes()
QUICK = Sizes(sts_pairs=300, sentiment_sentences=1500, tagged_lines=200, polysemous_words=3, sentences_per_word=8)


@dataclass
class Comparison:
    tables: list  # Table, in the report's order
    encoders: list  # the text-taking exports measured (zoo.tour.models.ExportedEncoder)
    left_out: dict  # {export name: why it is not compared}
    seconds: dict = field(default_factory=dict)  # {step: seconds} of the comparison itself

    def table(self, key):
        return next((t for t in self.tables if t.key == key), None)


def models_table(encoders, in_context):
    table = Table("models", "The models compared",
                  "Every export under the export folder that takes text (its latest version), and the frozen "
                  "contextual encoder used for token vectors in context.",
                  ("recipe", "takes -> returns", "export (name/version)"))
    for e in encoders:
        table.rows.append((e.family, e.name, e.recipe, e.what, f"{e.path.parent.name}/{e.path.name}"))
    for source in in_context:
        if not any(source.name == e.name for e in encoders):
            table.rows.append((source.family, source.name, "-", source.what, "- (in this process)"))
    return table


def size_table(encoders):
    table = Table("size", "Export size", "Megabytes (10^6 bytes) of each export folder: graph, variables, assets and "
                  "the warm-up requests.", ("MB",), digits=2, chart=("MB",), axis="MB (log scale)", log_scale=True)
    table.rows = sorted(((e.family, e.name, e.megabytes) for e in encoders), key=lambda row: row[2])
    return table


def training_table(encoders, runs):
    """`runs`: {recipe: (family, seconds, exports)} of the recipes this tour ran."""
    table = Table("training", "Training time (this tour)",
                  "Wall-clock seconds of each recipe's run in this tour, on this machine: data, training, "
                  "evaluation, export and `zoo check` of its exports.", ("seconds", "exports"), digits=0,
                  chart=("seconds",), axis="seconds")
    for recipe, (family, seconds, exports) in runs.items():
        table.rows.append((family, recipe, float(seconds), ", ".join(exports)))
    table.rows.sort(key=lambda row: row[2])
    for recipe in sorted({e.recipe for e in encoders} - set(runs)):
        table.absent[recipe] = "not run by this tour: its exports come from an earlier run"
    return table


def compare(export_dir, runs=None, sizes=FULL, contextual=None):
    """Every task's table over the exports under `export_dir`.

    Args:
        export_dir: the folder the recipes exported to.
        runs: {recipe: (family, seconds, exports)} of the recipes run just before (the training-time table).
        sizes: how much of each data set to measure on (`FULL` or `QUICK`).
        contextual: (name, what, TextEncoder) for token vectors in context; default all-MiniLM-L6-v2, frozen.
    """
    seconds = {}
    started = time.perf_counter()

    def lap(step):
        nonlocal started
        now = time.perf_counter()
        seconds[step] = now - started
        print(f"   {step}: {seconds[step]:.0f} s", flush=True)
        started = now

    encoders, left_out = find_exports(export_dir)
    text = [e for e in encoders if e.output == "embedding"]
    if contextual is None:
        from zoo.contextual import TextEncoder

        contextual = ("all-MiniLM-L6-v2 (frozen)", "all-MiniLM-L6-v2's token vectors, no training",
                      TextEncoder.from_preset())
    in_context = [InContext.from_encoder(contextual[2], *contextual[:2])]
    in_context += [InContext.from_export(e) for e in encoders if e.output == "token_vectors"]
    for e in encoders:
        if e.output == "token_vectors":
            left_out[e.name] = "text -> token vectors: compared on the context tasks only"
    lap("finding the exports, loading the contextual encoder")
    tables = [models_table(encoders, in_context), sts_table(text, sizes.sts_pairs)]
    lap("STS-B")
    tables += sentiment_and_speed_tables(text, sizes.sentiment_sentences, sizes.sentiment_training)
    lap("sentiment and speed")
    similarity, oov, _ = word_tables(text)
    tables += [similarity, oov]
    lap("word similarity")
    tables.append(pos_table(text, in_context, sizes.tagged_lines))
    lap("part-of-speech probe")
    tables.append(polysemy_table(text, in_context, sizes.polysemous_words, sizes.sentences_per_word))
    lap("polysemous words")
    tables += [size_table(encoders), training_table(encoders, runs or {})]
    speed = next(t for t in tables if t.key == "speed")
    tables.remove(speed)
    tables.insert(tables.index(next(t for t in tables if t.key == "size")), speed)
    for table in tables:
        table.check_finite()
    return Comparison(tables, encoders, left_out, seconds)
