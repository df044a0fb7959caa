"""Looking at vectors: a TensorBoard projector export, and a PNG of chosen words projected to 2-D by PCA.

Example:
```python
from zoo.views import plot_words, write_projector
write_projector(vectors, "logs/glove", limit=10_000)  # tensorboard --logdir logs/glove, or load the TSVs
plot_words(vectors, {"royalty": ["king", "queen", "prince"], "animals": ["dog", "cat", "horse"]}, "words.png")
```
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from zoo.files import written_aside

if TYPE_CHECKING:
    from zoo.static.vectors import Vectors

CONFIG = "projector_config.pbtxt"  # the file name TensorBoard's projector plugin looks for in the log dir
TENSORS = "tensors.tsv"  # tensors + metadata: what projector.tensorflow.org's "Load" button takes
METADATA = "metadata.tsv"
# Everything an export holds; only a folder holding nothing else may be replaced by a new export.
_EXPORT_FILE = re.compile(
    "|".join(map(re.escape, [CONFIG, "checkpoint", TENSORS, METADATA]))
    + r"|[\w-]+\.ckpt-\d+\.(index|data-\d+-of-\d+)")


def write_projector(vectors: Vectors, folder: str | os.PathLike[str], limit: int | None = None,
                    name: str = "vectors") -> str:
    """Writes the first `limit` keys (all if None) of `vectors` as a TensorBoard projector export in `folder`:

    - `<name>.ckpt-1.*` + `checkpoint`: the matrix as the checkpoint variable `name` (tf.train.Checkpoint, as in
      TensorBoard's projector tutorial), and `projector_config.pbtxt` naming it and its metadata: for
      `tensorboard --logdir folder`;
    - `tensors.tsv` (one row a key, tab-separated) and `metadata.tsv` (one key a line): for the standalone
      projector at projector.tensorflow.org.

    Everything is written to a temporary folder beside `folder`, then renamed into place, so an interrupted
    export leaves nothing behind. An existing `folder` is replaced if it is empty or a previous export, else
    FileExistsError. Returns `folder`.
    """
    import tensorflow as tf  # here, not at the top: plotting needs no TensorFlow
    from tensorboard.plugins import projector

    if not re.fullmatch(r"[\w-]+", name):
        raise ValueError(f"name {name!r}: use letters, digits, '_' and '-' only (it names the checkpoint)")
    folder = Path(folder)
    if folder.exists() and not _replaceable(folder):
        raise FileExistsError(f"{folder} holds files other than a projector export's; not replacing it")
    if limit is not None and limit < 1:
        raise ValueError(f"limit={limit}: export at least one key")
    keys, matrix = vectors.keys[:limit], vectors.matrix[:limit]
    if not keys:
        raise ValueError("nothing to export: no keys")

    with written_aside(folder) as temporary:
        tf.train.Checkpoint(**{name: tf.Variable(matrix, name=name)}).save(str(temporary / f"{name}.ckpt"))
        # No `model_checkpoint_path`: TensorBoard would resolve a relative one against its working directory, so
        # it finds the checkpoint through the `checkpoint` file (relative paths) instead; no `tensor_path`, or it
        # would read tensors.tsv instead of the checkpoint.
        config = projector.ProjectorConfig()
        config.embeddings.add(tensor_name=f"{name}/.ATTRIBUTES/VARIABLE_VALUE", metadata_path=METADATA)
        projector.visualize_embeddings(str(temporary), config)
        np.savetxt(temporary / TENSORS, matrix, fmt="%.9g", delimiter="\t")  # 9 digits: float32 exactly
        with open(temporary / METADATA, "w", encoding="utf-8", newline="\n") as out:
            out.writelines(_metadata_label(key) + "\n" for key in keys)  # one column: no header line
    return str(folder)


def _metadata_label(key: str) -> str:
    """The key on one line of metadata.tsv: tabs and line breaks escaped (a tab would make the first line a header
    of columns); a blank key quoted, as the projector skips blank lines, which would shift every later label."""
    label = key.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return label if label.strip() else repr(key)


def _replaceable(folder: Path) -> bool:
    return folder.is_dir() and all(_EXPORT_FILE.fullmatch(entry.name) for entry in folder.iterdir())


def project_2d(matrix: Any) -> np.ndarray:
    """PCA to 2-D: the rows, centred on their mean, on the first two principal axes (SVD), shape (rows, 2).

    Each axis's sign is fixed so that its largest loading is positive (as scikit-learn's svd_flip), so the same
    words always give the same picture; fewer than two axes (one row, or one column) leave zero columns.
    """
    centred = np.asarray(matrix, dtype=np.float64)
    centred = centred - centred.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)  # rows of `axes`: principal axes, by variance
    axes = axes[:2]
    axes *= np.where(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)] < 0, -1.0, 1.0)[:, None]
    coordinates = np.zeros((len(centred), 2))
    coordinates[:, : len(axes)] = centred @ axes.T
    return coordinates


def plot_words(vectors: Any, words: Sequence[str] | Mapping[str, Sequence[str]], path: str | os.PathLike[str],
               title: str | None = None) -> str:
    """Saves a PNG scatter of `words` projected to 2-D by PCA (`project_2d`, fitted on these words only), each
    point labelled with its word; `words` as {group: [words]} colours each group and adds a legend.

    `vectors[word]` gives each vector, so anything indexable by word works (e.g. vectors that make up a vector
    for unseen words); words it raises KeyError for are named together in one KeyError. Returns `path`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # a Figure on an Agg canvas: no pyplot, no global backend switch

    groups = dict(words) if isinstance(words, Mapping) else {"": list(words)}
    labels = [(group, word) for group, members in groups.items() for word in members]
    if not labels:
        raise ValueError("no words to plot")
    rows, unknown = [], []
    for _, word in labels:
        try:
            rows.append(np.asarray(vectors[word], dtype=np.float64))
        except KeyError:
            unknown.append(word)
    if unknown:
        raise KeyError(f"not in the vocabulary: {', '.join(map(repr, unknown))}")
    coordinates = project_2d(np.stack(rows))

    figure = Figure(figsize=(8, 6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for colour, group in enumerate(groups):
        chosen = [i for i, (member_of, _) in enumerate(labels) if member_of == group]
        axes.scatter(coordinates[chosen, 0], coordinates[chosen, 1], color=f"C{colour}", label=group or None)
        for i in chosen:
            axes.annotate(labels[i][1], coordinates[i], xytext=(4, 4), textcoords="offset points", fontsize=9)
    axes.margins(0.12)  # room for the labels of the outermost points
    if isinstance(words, Mapping):
        axes.legend()
    axes.set_xlabel("principal component 1")
    axes.set_ylabel("principal component 2")
    if title:
        axes.set_title(title)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    return str(path)
