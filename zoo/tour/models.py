"""The models the comparison measures: every export under the export folder that a catalogue recipe makes and that
takes text, found by its `serving_default` signature (text -> embedding, or text -> token_vectors), its latest
version each; and the frozen contextual encoder itself, for token vectors in context."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zoo.files import folder_bytes
from zoo.recipes import CATALOGUE
from zoo.serving.check import validate_export_folder
from zoo.serving.layout import SIGNATURE, versions

CONCURRENT = 2  # batches in flight at once
NONSENSE = ("qzxvbk", "vvkqzjw")  # strings no vocabulary holds: what a model gives a word it does not know


def in_batches(run, items, batch_size, concurrent=CONCURRENT):
    """[run(batch) for each batch of `items`], `concurrent` batches at a time (threads: TensorFlow releases the
    GIL, so two requests keep both cores busy, as a model server fed two requests at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    with ThreadPoolExecutor(concurrent) as pool:
        return list(pool.map(run, batches))


def export_owners(catalogue=None):
    """{export name: (recipe, what it takes and returns)}, read from each recipe's RECIPE.exports
    ("name: text -> embedding (...); name2: ...")."""
    owners = {}
    for recipe in (catalogue or CATALOGUE).values():
        for part in top_level_parts(recipe.exports):
            name, _, what = part.strip().partition(":")
            owners[name.strip()] = (recipe, what.strip())
    return owners


def top_level_parts(text, separator=";"):
    """`text` split at each `separator` outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def signature_of(path):
    """({input: dtype name}, {output: dtype name}) of an export's serving_default, read from saved_model.pb."""
    from tensorflow.python.framework import dtypes

    signature = validate_export_folder(path, require_warmup=False).meta_graphs[0].signature_def[SIGNATURE]
    name = lambda info: dtypes.as_dtype(info.dtype).name  # noqa: E731
    return ({k: name(v) for k, v in signature.inputs.items()}, {k: name(v) for k, v in signature.outputs.items()})


def folder_megabytes(path):
    return folder_bytes(path) / 1e6


@dataclass
class ExportedEncoder:
    """One export that takes text: `embed(texts) -> (n, dim)` for text -> embedding, `token_vectors(texts)`
    for text -> tokens, token_vectors. Loaded on first use."""

    name: str
    family: str
    recipe: str
    what: str
    path: Path
    output: str  # "embedding" or "token_vectors"
    megabytes: float = 0.0
    recipe_data: str = ""  # the recipe's declared data sets
    _function: object = field(default=None, repr=False)

    @property
    def function(self):
        if self._function is None:
            from zoo.serving.load import load_saved_model

            self._function = load_saved_model(self.path).signatures[SIGNATURE]
        return self._function

    def run(self, texts):
        import tensorflow as tf

        return self.function(text=tf.constant(list(texts), tf.string))

    def embed(self, texts, batch_size=64):
        """(len(texts), dim) float64 numpy: the export's `embedding` of each text, two batches at a time."""
        blocks = in_batches(lambda batch: self.run(batch)["embedding"].numpy(), list(texts), batch_size)
        return np.concatenate(blocks).astype(np.float64) if blocks else np.zeros((0, 0))

    def known(self, words):
        """Which words the model gives a vector of their own: a non-zero vector that differs from what it gives
        strings no vocabulary holds (zeros, or an OOV bucket's vector, for a word it does not know)."""
        vectors = self.embed(list(words) + list(NONSENSE))
        words_part, nonsense = vectors[: len(words)], vectors[len(words):]
        scale = np.abs(vectors).max() + 1e-12
        nonzero = np.abs(words_part).max(axis=1) > 1e-6 * scale
        same = [np.abs(words_part - v).max(axis=1) <= 1e-5 * scale for v in nonsense]
        return nonzero & ~np.logical_or.reduce(same), vectors[: len(words)]


def find_exports(export_dir, catalogue=None):
    """(encoders, left out): the latest version of every export under `export_dir` that takes text and that a
    catalogue recipe makes; the others with the reason each is left out ({name: reason})."""
    owners = export_owners(catalogue)
    encoders, left_out = [], {}
    root = Path(export_dir)
    for folder in sorted(p for p in root.glob("*") if p.is_dir()) if root.is_dir() else []:
        numbers = versions(folder)
        if not numbers:
            continue
        path = folder / str(numbers[-1])
        if folder.name not in owners:
            left_out[folder.name] = "not made by a recipe of the catalogue"
            continue
        recipe, what = owners[folder.name]
        try:
            inputs, outputs = signature_of(path)
        except Exception as error:  # a broken folder is reported, not fatal to the comparison
            left_out[folder.name] = f"unreadable ({error})"
            continue
        output = next((o for o in ("embedding", "token_vectors") if o in outputs), None)
        if inputs != {"text": "string"} or output is None:
            left_out[folder.name] = (f"{', '.join(sorted(inputs))} -> {', '.join(sorted(outputs))}: not text -> "
                                     "embedding or token_vectors")
            continue
        encoders.append(ExportedEncoder(folder.name, recipe.family, recipe.name, what, path, output,
                                        folder_megabytes(path), recipe.data))
    return encoders, left_out
