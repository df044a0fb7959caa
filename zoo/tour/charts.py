"""The comparison's pictures, PNG (matplotlib's Agg canvas, no display): a bar chart of each task's table, word
vectors of a few semantic groups projected to 2-D, and the two-tower model's item vectors coloured by genre."""

import collections
from pathlib import Path

import numpy as np

from zoo.serving.layout import SIGNATURE, versions
from zoo.views import plot_words, project_2d

FAMILY_COLOURS = {"static": "#1f77b4", "contextual": "#d62728", "custom": "#2ca02c", "-": "#7f7f7f"}
GROUPS = {
    "numbers": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"],
    "days": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "countries": ["france", "germany", "italy", "spain", "china", "japan", "india", "russia", "canada", "brazil"],
    "animals": ["dog", "cat", "horse", "cow", "bird", "fish", "lion", "mouse", "sheep", "pig"],
}
FONT = 10  # points: ticks and labels; titles 12


def _figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def bar_chart(table, path):
    """Horizontal bars of the table's chart columns, a group of bars a model; one column: coloured by family."""
    from matplotlib.patches import Patch

    columns = list(table.chart)
    rows = [row for row in table.rows if any(isinstance(row[2 + table.columns.index(c)], float) for c in columns)]
    if not rows:
        return None
    height = max(2.6, 0.32 * len(rows) * max(1, len(columns) * 0.75) + 1.4)
    figure = _figure(9.5, height)
    axes = figure.add_subplot()
    width = 0.8 / len(columns)
    positions = np.arange(len(rows))[::-1]
    for j, column in enumerate(columns):
        index = 2 + table.columns.index(column)
        values = [row[index] if isinstance(row[index], float) else np.nan for row in rows]
        offsets = positions + (len(columns) - 1 - 2 * j) * width / 2
        colours = ([FAMILY_COLOURS.get(row[0], "#7f7f7f") for row in rows] if len(columns) == 1 else f"C{j}")
        bars = axes.barh(offsets, values, height=width * 0.92, color=colours, label=column)
        for bar, value in zip(bars, values):
            if np.isfinite(value):
                axes.annotate(table.cell(float(value)), (value, bar.get_y() + bar.get_height() / 2),
                              xytext=(3 if value >= 0 else -3, 0), textcoords="offset points", va="center",
                              ha="left" if value >= 0 else "right", fontsize=9)
    axes.set_yticks(positions, [f"{row[1]} ({row[0]})" if row[0] != "-" else row[1] for row in rows],
                    fontsize=FONT)
    axes.tick_params(axis="x", labelsize=FONT)
    if table.log_scale:
        axes.set_xscale("log")
    else:
        axes.axvline(0, color="black", linewidth=0.8)
    axes.margins(x=0.15)
    axes.set_xlabel(table.axis, fontsize=FONT + 1)
    axes.set_ylabel("model (family)", fontsize=FONT + 1)
    axes.set_title(table.title, fontsize=12)
    if len(columns) > 1:
        axes.legend(fontsize=9, loc="best")
    else:
        families = [f for f in FAMILY_COLOURS if any(row[0] == f for row in rows)]
        axes.legend([Patch(color=FAMILY_COLOURS[f]) for f in families],
                    [f if f != "-" else "baseline" for f in families], fontsize=9, loc="best")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=110)
    return str(path)


def word_map(encoder, path, title):
    """The GROUPS' words the model knows, each sent alone through the export, in 2-D (zoo.views.plot_words);
    None when it knows fewer than 2 words of 2 groups."""
    words = [w for members in GROUPS.values() for w in members]
    known, vectors = encoder.known(words)
    lookup = {w: v for w, k, v in zip(words, known, vectors) if k}
    groups = {g: [w for w in members if w in lookup] for g, members in GROUPS.items()}
    groups = {g: members for g, members in groups.items() if len(members) >= 2}
    if len(groups) < 2:
        return None
    return plot_words(lookup, groups, path, title=title)


def item_export(export_dir, name="two_tower_movielens_item"):
    numbers = versions(Path(export_dir) / name)
    return Path(export_dir) / name / str(numbers[-1]) if numbers else None


def item_map(path, out, genres_shown=6):
    """The item tower's vectors of the MovieLens-100k items that have one genre (of the `genres_shown` commonest
    such genres), projected to 2-D (PCA), coloured by genre."""
    import tensorflow as tf

    from zoo.data import load_movielens
    from zoo.data.movielens_split import ITEM_COLUMNS, feature_table
    from zoo.serving.load import load_saved_model

    items = load_movielens("items")
    single = collections.Counter(i.genres[0] for i in items if len(i.genres) == 1)
    shown = [g for g, _ in single.most_common(genres_shown)]
    chosen = [i for i in items if len(i.genres) == 1 and i.genres[0] in shown]
    if len(shown) < 2 or len(chosen) < 3:
        return None
    function = load_saved_model(path).signatures[SIGNATURE]
    features = feature_table(chosen, ITEM_COLUMNS)
    specs = function.structured_input_signature[1]
    vectors = function(**{k: tf.constant(features[k], specs[k].dtype) for k in specs})["embedding"].numpy()
    points = project_2d(vectors)
    figure = _figure(9, 7)
    axes = figure.add_subplot()
    for j, genre in enumerate(shown):
        mine = [k for k, item in enumerate(chosen) if item.genres[0] == genre]
        axes.scatter(points[mine, 0], points[mine, 1], s=18, color=f"C{j}", alpha=0.8,
                     label=f"{genre} ({len(mine)})")
    axes.set_xlabel("principal component 1", fontsize=FONT + 1)
    axes.set_ylabel("principal component 2", fontsize=FONT + 1)
    axes.tick_params(labelsize=FONT)
    axes.set_title(f"Two-tower item vectors ({path.parent.name}/{path.name}): {len(chosen)} single-genre movies",
                   fontsize=12)
    axes.legend(title="genre (movies)", fontsize=9, title_fontsize=10)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, format="png", dpi=110)
    return str(out)
