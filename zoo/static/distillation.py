"""Static vectors distilled from a contextual encoder: model2vec's method in Keras, and a step after it that
fits the vectors to the teacher's sentence vectors (what model2vec's tokenlearn does).

1. `token_vectors`: each token alone through the teacher, `[CLS] token [SEP]`, its output vectors averaged.
2. PCA to `dim` dimensions; each token's vector scaled by its SIF weight a / (a + p), p its probability under
   Zipf's law by vocabulary rank (WordPiece vocabularies list frequent tokens first), as model2vec does.
3. With `sentences`: `fit_to_teacher` trains the table so that the mean of a sentence's token vectors, through
   a linear map, points where the teacher's sentence vector points (cosine loss); the map is folded into the
   table (a mean of rows times a matrix is the mean of the rows times it), and a truncated SVD brings it back
   to `dim`.

`distill(encoder, sentences=...)` runs the three. The result is a `zoo.Vectors` whose rows are the teacher's
token ids: its `text_encoder()` tokenises as the teacher does (`SubwordTextEncoder`). Measured on STS-B in
BENCHMARKS.md ("Distilled static vectors").

Written here rather than taken from model2vec: model2vec is torch and Hugging Face code; this runs any zoo
TextEncoder (a KerasHub backbone) and keeps the result a Keras layer and a SavedModel.
"""

import re
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from zoo.errors import ZooInputError
from zoo.files import written_aside
from zoo.static.vectors import Vectors
from zoo.training import training_callbacks

REMOVED_TOKENS = r"\[unused\d+\]"  # BERT's placeholder rows: never produced by the tokenizer (model2vec's default)


def distill(encoder, vocabulary=None, dim=256, sif_coefficient=1e-4, sentences=None, **fit_options):
    """Static vectors from a contextual sentence encoder (steps 1-2; with `sentences`, step 3 too).

    Args:
        encoder: a `zoo.contextual.TextEncoder` (any object with its `tokenizer`, `special_ids`, `output_dim`,
            `token_vector_model` and `encode`).
        vocabulary: None (default): every token of the encoder's tokenizer, and the vectors keep that tokenizer
            (their text encoder splits text into the teacher's word pieces); or a list of words, each run through
            the teacher as its word pieces (its text encoder then splits on spaces, as for any word vectors).
        dim: PCA to this many dimensions (None or >= the teacher's width: no reduction). Default 256.
        sif_coefficient: a in the SIF weight a / (a + p); None: no weighting. Default 1e-4 (model2vec's).
        sentences: None, or sentences to fit the vectors on (`fit_to_teacher`, given `fit_options`).

    Returns: a `zoo.Vectors`, keys the vocabulary, (len, dim) float32 rows (zeros for special and placeholder
    tokens); with the teacher's tokenizer when `vocabulary` is None.
    """
    tokens, ids, kept = vocabulary_ids(encoder, vocabulary)
    raw = token_vectors(encoder, ids, verbose=fit_options.get("verbose", 1))
    matrix = _reduced(raw, kept, dim)
    if sif_coefficient is not None:
        matrix[kept] *= zipf_sif_weights(int(kept.sum()), sif_coefficient)[:, None]
    vectors = Vectors(tokens, matrix, tokenizer=encoder.tokenizer if vocabulary is None else None)
    return fit_to_teacher(vectors, encoder, sentences, **fit_options) if sentences else vectors


def _reduced(matrix, kept, dim, centre=True):
    """The kept rows through PCA to `dim`, the others zero: (len(matrix), reduced width) float32."""
    output = np.zeros((len(matrix), _reduced_width(matrix[kept], dim)), np.float32)
    output[kept] = pca(matrix[kept], dim, centre)
    return output


def vocabulary_ids(encoder, vocabulary=None):
    """(tokens, the teacher's id lists to run, the mask of rows that get a vector): for the tokenizer's own
    vocabulary, `[CLS] id [SEP]` for each token, special and placeholder tokens left at zero; for a word list,
    `[CLS] its pieces [SEP]` for each word."""
    start_id, end_id, _ = encoder.special_ids
    around = ([start_id] if start_id is not None else []), ([end_id] if end_id is not None else [])
    if vocabulary is None:
        tokens = list(encoder.tokenizer.get_vocabulary())
        specials = set(getattr(encoder.tokenizer, "special_tokens", None) or [])
        kept = np.array([t not in specials and not re.fullmatch(REMOVED_TOKENS, t) for t in tokens])
        pieces = [[i] for i in range(len(tokens))]
    else:
        tokens = list(dict.fromkeys(vocabulary))
        if not tokens:
            raise ZooInputError("distill: the vocabulary is empty")
        bad = next((w for w in tokens if not isinstance(w, str) or not w.strip()), None)
        if bad is not None:
            raise ZooInputError(f"distill: vocabulary entry {bad!r} is not a word")
        tokenize = tf.function(encoder.tokenizer, input_signature=[tf.TensorSpec([None], tf.string)])
        pieces = tokenize(tf.constant(tokens)).to_list()
        kept = np.array([len(p) > 0 for p in pieces])
    return tokens, [around[0] + p + around[1] for p in pieces], kept


def token_vectors(encoder, id_lists, batch_size=512, verbose=1):
    """The teacher's output vectors averaged over each id list's positions (special tokens included, as
    model2vec's mean pooling): (len(id_lists), teacher width) float32."""
    from tqdm import tqdm

    _, _, pad_id = encoder.special_ids
    order = np.argsort([len(ids) for ids in id_lists], kind="stable")  # similar lengths in a batch: less padding
    output = np.zeros((len(id_lists), encoder.output_dim), np.float32)
    run = tf.function(lambda features: encoder.token_vector_model(features, training=False), reduce_retracing=True)
    for start in tqdm(range(0, len(order), batch_size), desc="distil tokens", unit="batch", disable=not verbose,
                      leave=False):
        chosen = order[start:start + batch_size]
        longest = max(len(id_lists[i]) for i in chosen)
        token_ids = np.full((len(chosen), longest), pad_id, np.int32)
        mask = np.zeros((len(chosen), longest), np.int32)
        for row, i in enumerate(chosen):
            token_ids[row, :len(id_lists[i])], mask[row, :len(id_lists[i])] = id_lists[i], 1
        features = {"token_ids": token_ids, "padding_mask": mask}
        if "segment_ids" in encoder.token_vector_model.input:
            features["segment_ids"] = np.zeros_like(token_ids)
        vectors = run(features).numpy()
        output[chosen] = (vectors * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
    return output


def _reduced_width(matrix, dim):
    """PCA's width: `dim` (None: the matrix's), at most the matrix's width and its number of rows."""
    return min(matrix.shape[1] if dim is None else int(dim), matrix.shape[1], len(matrix))


def pca(matrix, dim, centre=True):
    """`matrix` centred and projected on its first `dim` principal axes (numpy SVD; None: centred and rotated,
    every axis kept); `centre=False`: on the first right singular vectors of the matrix as it is (a truncated
    SVD, which keeps the rows' common direction). (n, min(dim, width, n)) float32."""
    matrix = np.asarray(matrix, np.float64)
    centred = matrix - matrix.mean(0) if centre else matrix
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return (centred @ axes[:_reduced_width(matrix, dim)].T).astype(np.float32)


def zipf_sif_weights(count, sif_coefficient=1e-4):
    """SIF weights a / (a + p(rank)) for `count` tokens in rank order, p by Zipf's law (p ~ 1 / (rank + 1))."""
    inverse_rank = 1.0 / np.arange(2, count + 2)
    probability = inverse_rank / inverse_rank.sum()
    return sif_coefficient / (sif_coefficient + probability)


def fit_to_teacher(vectors, encoder, sentences, epochs=4, learning_rate=2e-3, batch_size=256, checkpoint_dir=None,
                   seed=0, verbose=1):
    """Step 3: trains the rows of `vectors` (distilled, with the teacher's tokenizer) so that a linear map of the
    mean of a sentence's token vectors has the direction of the teacher's sentence vector (cosine loss, Adam),
    folds the map into the rows, and brings them back to `vectors`' width by a truncated SVD.

    Args:
        vectors: a `zoo.Vectors` with a tokenizer (from `distill`); its zero rows (tokens the tokenizer never
            gives) stay zero.
        encoder: the teacher (its `encode` gives the targets).
        sentences: the texts to fit on; blank ones are left out.
        epochs, learning_rate, batch_size, seed: Adam's settings. Defaults 4, 2e-3, 256, 0.
        checkpoint_dir: where an interrupted fit resumes from (the teacher's vectors, the finished epochs), or None.
        verbose: Keras verbosity (and the teacher's progress bar).

    Returns: a new `zoo.Vectors`, same keys, tokenizer and width.
    """
    if vectors.tokenizer is None:
        raise ZooInputError("fit_to_teacher needs vectors over the teacher's own vocabulary (distill with "
                            "vocabulary=None): a word list has no tokenizer to split the sentences with")
    sentences = [s for s in sentences if isinstance(s, str) and s.strip()]
    if not sentences:
        raise ZooInputError("fit_to_teacher: no sentences to fit the vectors on")
    targets = teacher_sentence_vectors(encoder, sentences, checkpoint_dir, verbose)
    ids = vectors.text_encoder().get_layer("subword_text_encoder").token_ids(tf.constant(sentences))
    keras.utils.set_random_seed(seed)
    model, table, projection = _regression_model(vectors.matrix, targets.shape[1])
    # The map starts as the least-squares one from the sentences' mean vectors to the teacher's: the fit starts
    # from the distilled geometry (a random map would scramble it in the first steps, and a small corpus would
    # not recover; measured in BENCHMARKS.md).
    projection.kernel.assign(least_squares_map(vectors.encode(sentences), targets))
    model.compile(keras.optimizers.Adam(learning_rate), keras.losses.CosineSimilarity())
    data = (tf.data.Dataset.from_tensor_slices((ids, targets)).shuffle(len(sentences), seed=seed)
            .batch(batch_size).map(_padded_with_mask))
    _, callbacks = training_callbacks(Path(checkpoint_dir) / "fit" if checkpoint_dir else None, [])
    model.fit(data, epochs=epochs, verbose=verbose, callbacks=callbacks, shuffle=False)  # shuffled above
    folded = table.embeddings.numpy() @ projection.kernel.numpy()
    kept = np.any(vectors.matrix != 0, axis=1)
    # Not centred: a sentence vector is a mean of rows, and the shift of every row would move it.
    return Vectors(vectors.keys, _reduced(folded, kept, vectors.vector_size, centre=False),
                   tokenizer=vectors.tokenizer)


def least_squares_map(inputs, targets, ridge=1e-3):
    """The (in width, out width) matrix W minimising |inputs W - targets|^2 + ridge * trace(inputs'inputs)/width
    * |W|^2 (numpy; a little ridge keeps it defined for directions the sentences never use)."""
    inputs, targets = np.asarray(inputs, np.float64), np.asarray(targets, np.float64)
    gram = inputs.T @ inputs
    gram += ridge * np.trace(gram) / len(gram) * np.eye(len(gram))
    return np.linalg.solve(gram, inputs.T @ targets).astype(np.float32)


def _padded_with_mask(ids, targets):
    token_ids = ids.to_tensor(0)
    return (token_ids, tf.sequence_mask(ids.row_lengths(), tf.shape(token_ids)[1], "float32")), targets


def teacher_sentence_vectors(encoder, sentences, checkpoint_dir=None, verbose=1):
    """The teacher's sentence vectors, kept in `checkpoint_dir` (written aside) so that a resumed run does not
    encode them again."""
    saved = Path(checkpoint_dir) / "teacher_vectors.npy" if checkpoint_dir else None
    if saved is not None and saved.exists():
        vectors = np.load(saved)
        if len(vectors) == len(sentences):
            return vectors
    vectors = encoder.encode(list(sentences), batch_size=64, show_progress_bar=bool(verbose))
    if saved is not None:
        with written_aside(saved, folder=False) as temporary:
            with open(temporary, "wb") as file:
                np.save(file, vectors)
    return vectors


def _regression_model(matrix, target_width):
    """(token ids, mask) -> the masked mean of the rows -> a linear map to the teacher's width."""
    token_ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = keras.Input((None,), dtype="float32", name="mask")
    table = keras.layers.Embedding(*matrix.shape, embeddings_initializer=keras.initializers.Constant(matrix),
                                   name="vectors")
    rows = table(token_ids) * keras.ops.expand_dims(mask, -1)
    mean = keras.ops.sum(rows, 1) / keras.ops.maximum(keras.ops.sum(mask, 1, keepdims=True), 1.0)
    projection = keras.layers.Dense(target_width, use_bias=False, name="projection")
    return keras.Model([token_ids, mask], projection(mean)), table, projection
