"""The word2vec family's network (Word2Vec, FastText), and the stacking of its batches into chunks."""

import keras
import numpy as np
import tensorflow as tf

from zoo.shape_buckets import bucketed_length

MAX_EXP = 6.0  # word2vec's sigmoid table range


def _inside(scores):
    return tf.cast(tf.abs(scores) < MAX_EXP, scores.dtype)


# The packed arrays (one row each, a different number a batch): key -> (its group, which shares one padded size;
# the value its padding rows get, None: the last example). FastText's input rows; CBOW's list of the input cells
# that hold pairs (see `_input_cells_to_scatter`).
PACKED = {"input_ids": ("input", 0), "input_examples": ("input", None), "input_weights": ("input", 0.0),
          "input_update_weights": ("input", 0.0), "input_cells": ("cells", 0), "input_cell_weights": ("cells", 0.0)}


def padded_size(length):
    """The size a packed array of `length` rows is padded to, one of few sizes so that the step compiles few shapes.

    Args:
        length: rows.

    Returns:
        `length` rounded up to a multiple of 512, or of 1/16 to 1/8 of it when longer than 8,192.
    """
    return bucketed_length(length, smallest_step=512)


def stack_batches(batches, sizes=None):
    """Batches as one chunk for NegativeSamplingModel.train_step, every array stacked: (batches, ...).

    Packed arrays (PACKED: FastText's input rows, CBOW's input cells; (N,) a batch) are padded first, with rows
    that weigh nothing (and belong to the last example, so that example numbers stay sorted), to their group's
    size in `sizes`, or to `padded_size` of the chunk's longest if that is longer, which raises the size: a run's
    padding never shrinks, so its step compiles few shapes, not one more for every smaller chunk. Every other
    array (the grids) has the same shape in every batch.

    Args:
        batches: a list of batches, dicts of numpy arrays (see NegativeSamplingModel), all with the same keys.
        sizes: {group: padded size so far in this run}, updated in place when a chunk needs more; the trainers
            start it at a size no batch of their run passes (see Word2Vec.padded_sizes). Default None: empty.

    Returns:
        The chunk: a dict of the stacked arrays, plus "batches", int32 (): the number of batches up to the last
        that has pairs (the step skips the empty ones at the end).
    """
    sizes = {} if sizes is None else sizes
    examples = len(batches[0]["noise_weights"])
    packed = {key: group for key, (group, _) in PACKED.items() if key in batches[0] and np.ndim(batches[0][key]) == 1}
    padded = {}
    for group in sorted(set(packed.values())):
        longest = max(len(batch[key]) for batch in batches for key in packed if packed[key] == group)
        if longest > sizes.get(group, 0):
            sizes[group] = padded_size(longest)
    for key, group in packed.items():  # filled in place: np.pad, then np.stack, would copy every array twice
        value = PACKED[key][1]
        padded[key] = np.full((len(batches), sizes[group]), examples - 1 if value is None else value,
                              batches[0][key].dtype)
        for k, batch in enumerate(batches):
            padded[key][k, :len(batch[key])] = batch[key]
    chunk = {key: padded[key] if key in padded else np.stack([batch[key] for batch in batches]) for key in batches[0]}
    # The step runs the batches up to the last that has pairs: an epoch's last chunk is mostly empty batches.
    chunk["batches"] = np.int32(np.max(np.nonzero(chunk["noise_weights"].any(axis=1))[0], initial=-1) + 1)
    return chunk


def _input_cells_to_scatter(batch, updates):
    """The input grid's (ids, update rows) to scatter: every cell, or where the batch lists the cells that hold
    pairs (CBOW's `input_cells`, flat indices into the grid, padded with cells of weight 0 in
    `input_cell_weights`), only those."""
    ids, updates = tf.reshape(batch["input_ids"], [-1]), tf.reshape(updates, [-1, updates.shape[-1]])
    if "input_cells" not in batch:
        return ids, updates
    cells = batch["input_cells"]
    return tf.gather(ids, cells), tf.gather(updates, cells) * batch["input_cell_weights"][:, None]


def _sequential_scales(steps, curvatures):
    """The factors that make summed SGD steps on a row cover what the same steps taken one by one would.

    A row whose update in a batch sums n SGD steps, each of curvature a along the update's direction (a = rate x
    the second derivative of the loss there), would, taken one after another on a quadratic loss, cover the
    fraction 1 - (1 - a)^n of the way to that loss' minimum; summed, they cover n a, which overshoots once n a > 1
    and diverges past 2. Scaling the sum by (1 - (1 - a)^n) / (n a) covers what the sequential steps would: a factor
    near 1 while n a is small (exactly 1 for a single step with a < 1), and a Newton step, 1 / (n a), once a >= 1.

    Args:
        steps: n, float (M,): the SGD steps (pairs) summed into each row's update; below 1 counts as 1.
        curvatures: n a, float (M,): their summed curvature along the update's direction.

    Returns:
        float (M,): each row's factor, in (0, 1].
    """
    steps = tf.maximum(steps, 1.0)
    per_step = tf.minimum(curvatures / steps, 1.0 - 1e-6)
    covered = -tf.math.expm1(steps * tf.math.log1p(-per_step))  # 1 - (1 - a)^n, exact for small a
    return tf.where(curvatures > 1e-6, covered / tf.maximum(curvatures, 1e-6), 1.0)


def _scales_by_row(ids, steps, curvatures, rows):
    """`_sequential_scales` of each entry's row, its steps and curvatures summed over the entries of that row."""
    totals = tf.math.unsorted_segment_sum(tf.stack([steps, curvatures], axis=1), ids, rows)
    steps, curvatures = tf.unstack(tf.gather(totals, ids), axis=1)
    return _sequential_scales(steps, curvatures)


def _sum_by_example(rows, examples, count):
    """Rows summed by their example number: (count, output_dim)."""
    return tf.math.unsorted_segment_sum(rows, examples, count)


class NegativeSamplingModel(keras.Model):
    """Word2Vec's and FastText's network: input and output vectors, trained by a hand-written sparse SGD step.

    Each example (one centre word) combines input rows into a hidden vector h = sum_i w_i in[i] (skip-gram: the
    centre word; CBOW: the mean of its context words; FastText: the mean of a word's row and its n-gram rows),
    scores h against its positive output rows (label 1) and against noise rows (label 0), and every touched row
    moves by plain SGD: out[o] += g_o h and in[i] += u_i sum_o g_o out[o], g_o = rate weight_o (label_o -
    sigmoid(h . out[o])). As word2vec (and gensim), a pair whose score is beyond +-MAX_EXP is not updated.

    Its layout suits a CPU (timings: see BENCHMARKS.md, static_training):
    - input rows are a grid (C, K) when each centre word has few (Word2Vec: K = 1 for skip-gram, the 2 x window
      context positions for CBOW, weight 0 where there is no pair), or packed when their number varies a lot
      (FastText's n-gram rows: each carries the number of its example), so that a short word costs little;
    - positives are a grid, K a centre word (skip-gram: its 2 x window context positions, weight 0 where there
      is no pair; CBOW: the centre word), so that the sum over a centre word's pairs is a dense reduction rather
      than a segment sum;
    - packed input rows can be those of the batch's distinct input words only (FastText's skip-gram), each
      example taking its word's slot (`input_slots`): the same update on fewer rows;
    - groups of G consecutive examples share their noise words, so the noise part becomes small matrix products
      instead of one row gather and scatter per pair and noise word (Ji et al. 2016, "Parallelizing Word2Vec in
      Shared and Distributed Memory");
    - the whole step is compiled by XLA (`jit_compile=True`), whose gathers and scatters beat TensorFlow's
      kernels here; the packed rows are padded to a size no batch of the run passes (see `stack_batches`), so
      that it compiles once;
    - a grid's cells are computed in full, but CBOW scatters only the input cells that hold pairs, which it
      lists (`input_cells`): a scatter costs more than a gather a row.

    Sequential scaling (`sequential_scaling`): a batch sums the SGD steps it takes on a row, where word2vec takes
    them one after another, each seeing the row the previous one moved. A frequent word's input row (skip-gram: a
    centre word, its 2 x window pairs at once, and again for each of its occurrences in the batch; FastText: also
    the n-gram rows many words share) sums many steps along much the same direction, and the sum overshoots
    where the steps one by one would have slowed down: from a learning rate of 0.075-0.1 skip-gram and FastText
    collapsed to vectors at chance on the shipped corpus, where gensim's sequential SGD still learns. So each
    input row's summed update is scaled by (1 - (1 - a)^n) / (n a), n the steps (pairs) summed into it and a
    their mean curvature along the row's update (see `_sequential_scales`): what the n steps taken one by one
    would cover on a quadratic loss. It leaves a row of few, flat steps as it was (a single step of a < 1 exactly)
    and turns a row past its curvature into a Newton step. Measured on the shipped corpus (issue 24): skip-gram
    and FastText now learn at every rate from 0.025 to 0.2 and are best at 0.1 (WordSim-353 0.48 and 0.51, where
    the plain step's best was 0.41 and 0.45, at 0.05); at 0.025-0.05 they lose 0.00-0.02. Output rows are left
    unscaled (scaling them too, by the trace of their curvature, lowered quality at every rate), and so is CBOW
    (its trainers turn the scaling off: each of its examples is one step, and it is stable up to 0.2 unscaled).
    The curvature comes from rows the step has already gathered (one more dot with the positive rows and one with
    the noise rows), the totals from one segment sum of two floats a scattered row: about 30% more step time.

    Why by hand (not a Keras optimizer on Embedding layers): word2vec's update is plain SGD with a decaying rate
    on the rows a batch touches; Keras optimizers update dense variables (vocabulary x output_dim each step)
    and autodiff through the gathers costs a second pass.

    Args:
        input_rows: rows of the input table (Word2Vec: the vocabulary; FastText: the used word and n-gram rows).
        output_rows: rows of the output table (the vocabulary).
        output_dim: the width of both tables' vectors.
        seed: seeds the input table's initialisation, uniform in +-0.5/output_dim (the output table starts at
            zero, as in word2vec). Default 1.
        reports_loss: compute the loss per positive pair and report it in the logs. Default True.
        sequential_scaling: scale each input row's summed update as sequential SGD would move it (see above).
            Default True; False gives the plain summed step (the gradient of the batch's loss).
        **kwargs: keras.Model's (e.g. `name`).

    Input/Output: a batch (see word2vec.py) has C examples, C a multiple of the group size G: input_ids /
    input_weights / input_update_weights (C, K) as a grid, or with input_examples (N,) packed; positive_ids /
    positive_weights (C, K), noise_ids (C / G, S), noise_weights (C,), learning_rate (); CBOW also input_cells /
    input_cell_weights (P,); FastText's skip-gram also input_slots (C,), where input_examples then number the
    slots. `train_step` takes a chunk that stacks batches (see `stack_batches`) and returns {"learning_rate",
    and "loss" when `reports_loss`}; `update` takes one batch.

    Example:
    ```python
    model = NegativeSamplingModel(len(words), len(words), output_dim=100, reports_loss=False)
    model.compile(jit_compile=True)
    model.fit(dataset_of_chunks, epochs=5, steps_per_epoch=steps)   # as Word2Vec.fit makes them
    vectors = model.input_vectors.numpy()
    ```
    """

    def __init__(self, input_rows, output_rows, output_dim, seed=1, reports_loss=True, sequential_scaling=True,
                 **kwargs):
        super().__init__(**kwargs)
        self.output_dim, self.reports_loss, self.sequential_scaling = output_dim, reports_loss, sequential_scaling
        # === Weights === (word2vec's initialisation: inputs uniform in +-0.5/output_dim, outputs zero)
        self.input_vectors = self.add_weight(
            shape=(input_rows, output_dim), name="input_vectors", trainable=False,
            initializer=keras.initializers.RandomUniform(-0.5 / output_dim, 0.5 / output_dim, seed=seed))
        self.output_vectors = self.add_weight(shape=(output_rows, output_dim), name="output_vectors", trainable=False,
                                              initializer="zeros")
        self.built = True  # its weights are all it has (BackupAndRestore wants a built model)

    def train_step(self, chunk):
        """Applies a chunk of batches (see `stack_batches`) one after another in the graph.

        One call from Keras and one element from tf.data for many batches keep Python out of the loop.

        Returns:
            {"learning_rate": the chunk's first rate, and "loss": the mean loss per positive pair of its batches
            when `reports_loss`}.
        """
        count = chunk["batches"]  # those with pairs (see stack_batches); skipping the empty ones changes nothing

        def step(k, total, inputs, outputs):
            batch = {name: value[k] for name, value in chunk.items() if name != "batches"}
            loss, inputs, outputs = self.update(batch, inputs, outputs)
            return k + 1, total + loss, inputs, outputs

        # The tables go through the loop as tensors and are assigned once: faster under XLA than updating the
        # variables batch by batch.
        _, total, inputs, outputs = tf.while_loop(
            lambda k, *_: k < count, step,
            (tf.constant(0), tf.constant(0.0), self.input_vectors.value, self.output_vectors.value))
        self.input_vectors.assign(inputs)
        self.output_vectors.assign(outputs)
        logs = {"learning_rate": chunk["learning_rate"][0]}  # as word2vec.c shows its alpha (and Keras needs one)
        if self.reports_loss:
            logs["loss"] = total / tf.cast(tf.maximum(count, 1), tf.float32)
        return logs

    def update(self, batch, inputs, outputs):
        """One batch's SGD step on the tables, as tensors (no variable changes).

        Args:
            batch: a dict of tensors (see the class docstring).
            inputs: (input_rows, output_dim) the input table.
            outputs: (output_rows, output_dim) the output table.

        Returns:
            (the batch's loss per positive pair, 0 unless the model `reports_loss`; the updated inputs; the
            updated outputs).
        """
        rate, noise_ids = batch["learning_rate"], batch["noise_ids"]
        groups = tf.shape(noise_ids)[0]
        examples = tf.shape(batch["noise_weights"])[0]

        # Forward: hidden vectors, then scores against positives and the group's noise words.
        grid = batch["input_ids"].shape.rank == 2  # input rows as a grid (C, K) or packed (N,)
        if grid:
            weighted = tf.gather(inputs, batch["input_ids"]) * batch["input_weights"][..., None]
            hidden = tf.reduce_sum(weighted, axis=1)  # (C, output_dim)
        else:
            weighted = tf.gather(inputs, batch["input_ids"]) * batch["input_weights"][:, None]
            hidden = _sum_by_example(weighted, batch["input_examples"], examples)  # (C, output_dim)
            if "input_slots" in batch:  # the rows are those of the distinct input words: the slots' hidden vectors
                hidden = tf.gather(hidden, batch["input_slots"])
        positive_rows = tf.gather(outputs, batch["positive_ids"])  # (C, K, output_dim)
        positive_scores = tf.reduce_sum(hidden[:, None] * positive_rows, axis=2)  # (C, K)
        noise_rows = tf.gather(outputs, noise_ids)  # (C / G, S, output_dim)
        grouped_hidden = tf.reshape(hidden, [groups, -1, self.output_dim])  # (C / G, G, output_dim)
        noise_scores = tf.matmul(grouped_hidden, noise_rows, transpose_b=True)  # (C / G, G, S)

        # Backward, by hand: g = rate * weight * (label - sigmoid(score)); as word2vec (and gensim), a pair whose
        # score is beyond +-MAX_EXP is not updated: this keeps large batches stable.
        positive_gradient = rate * batch["positive_weights"] * tf.sigmoid(-positive_scores) * _inside(positive_scores)
        noise_weights = tf.reshape(batch["noise_weights"], [groups, -1, 1])
        noise_gradient = -rate * noise_weights * tf.sigmoid(noise_scores) * _inside(noise_scores)
        hidden_gradient = tf.reduce_sum(positive_gradient[..., None] * positive_rows, axis=1)
        hidden_gradient += tf.reshape(tf.matmul(noise_gradient, noise_rows), [examples, self.output_dim])

        # One scatter for the positive and the noise rows: under XLA, faster than two.
        noise_update = tf.matmul(noise_gradient, grouped_hidden, transpose_a=True)  # (C / G, S, output_dim)
        output_ids = tf.concat([tf.reshape(batch["positive_ids"], [-1]), tf.reshape(noise_ids, [-1])], 0)
        output_update = tf.concat(
            [tf.reshape(positive_gradient[..., None] * hidden[:, None], [-1, self.output_dim]),
             tf.reshape(noise_update, [-1, self.output_dim])], 0)
        if self.sequential_scaling:
            steps, curvatures = self._steps_and_curvatures(
                rate, batch, hidden_gradient, positive_rows, positive_scores, noise_rows, noise_scores, noise_weights)
        outputs = tf.tensor_scatter_nd_add(outputs, output_ids[:, None], output_update)
        if grid:
            input_ids, input_update = _input_cells_to_scatter(
                batch, batch["input_update_weights"][..., None] * hidden_gradient[:, None])
            if self.sequential_scaling:  # a cell: its example's steps and curvature, times its update weight
                _, totals = _input_cells_to_scatter(
                    batch, batch["input_update_weights"][..., None] * tf.stack([steps, curvatures], axis=-1)[:, None])
                input_update *= _scales_by_row(input_ids, totals[:, 0], totals[:, 1], tf.shape(inputs)[0])[:, None]
            inputs = tf.tensor_scatter_nd_add(inputs, input_ids[:, None], input_update)
        else:
            if "input_slots" in batch:  # each distinct input word's rows take the sum of its examples' gradients
                hidden_gradient = tf.math.unsorted_segment_sum(hidden_gradient, batch["input_slots"], examples)
                if self.sequential_scaling:
                    steps = tf.math.unsorted_segment_sum(steps, batch["input_slots"], examples)
                    curvatures = tf.math.unsorted_segment_sum(curvatures, batch["input_slots"], examples)
            weights = batch["input_update_weights"]
            input_update = tf.gather(hidden_gradient, batch["input_examples"]) * weights[:, None]
            if self.sequential_scaling:  # a row: its example's (slot's) steps and curvature, times its update weight
                input_update *= _scales_by_row(
                    batch["input_ids"], weights * tf.gather(steps, batch["input_examples"]),
                    weights * tf.gather(curvatures, batch["input_examples"]), tf.shape(inputs)[0])[:, None]
            inputs = tf.tensor_scatter_nd_add(inputs, batch["input_ids"][:, None], input_update)

        if not self.reports_loss:  # its logs and reductions would lengthen the step's compilation
            return tf.constant(0.0), inputs, outputs
        loss = -(tf.reduce_sum(batch["positive_weights"] * tf.math.log_sigmoid(positive_scores))
                 + tf.reduce_sum(noise_weights * tf.math.log_sigmoid(-noise_scores)))
        return loss / tf.maximum(tf.reduce_sum(batch["positive_weights"]), 1.0), inputs, outputs

    def _steps_and_curvatures(self, rate, batch, hidden_gradient, positive_rows, positive_scores, noise_rows,
                              noise_scores, noise_weights):
        """Each example's SGD steps and their curvature along its hidden vector's update (see `_sequential_scales`).

        Steps: its positive pairs' weights (skip-gram: its pairs, each a step of word2vec's sequential SGD; CBOW:
        1). Curvature: rate x the second derivative of its loss along the direction d of its hidden gradient,
        sum_o rate weight_o sigmoid'(score_o) (out[o] . d)^2 over its positive and noise rows (0 for a pair beyond
        +-MAX_EXP, which is not updated). Computed from rows the step has already gathered: no gather or scatter.

        Returns:
            (steps, curvatures): float (C,) each.
        """
        def second_derivative(scores):
            return tf.sigmoid(scores) * tf.sigmoid(-scores) * _inside(scores)

        direction = hidden_gradient * tf.math.rsqrt(
            tf.maximum(tf.reduce_sum(tf.square(hidden_gradient), axis=-1, keepdims=True), 1e-30))
        positive_along = tf.einsum("ckd,cd->ck", positive_rows, direction)  # (C, K); as a dot: faster than a sum
        noise_along = tf.matmul(tf.reshape(direction, [tf.shape(noise_rows)[0], -1, self.output_dim]), noise_rows,
                                transpose_b=True)  # (C / G, G, S)
        positive_weights = batch["positive_weights"]
        curvatures = rate * (
            tf.reduce_sum(positive_weights * second_derivative(positive_scores) * tf.square(positive_along), axis=1)
            + tf.reshape(tf.reduce_sum(noise_weights * second_derivative(noise_scores) * tf.square(noise_along),
                                       axis=2), [-1]))
        return tf.reduce_sum(positive_weights, axis=1), curvatures

    def get_config(self):
        return {"input_rows": self.input_vectors.shape[0], "output_rows": self.output_vectors.shape[0],
                "output_dim": self.output_dim, "reports_loss": self.reports_loss,
                "sequential_scaling": self.sequential_scaling, **super().get_config()}
