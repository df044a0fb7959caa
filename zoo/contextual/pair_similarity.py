"""The similarities the sentence-pair losses compare, from (batch, 2, dim) pair embeddings."""

import keras


def pair_cosines(pairs):
    """cos(u_i, v_i) of each pair: (batch, 2, dim) -> (batch,)."""
    normalized = keras.ops.normalize(keras.ops.cast(pairs, "float32"), axis=-1)
    return keras.ops.sum(normalized[:, 0] * normalized[:, 1], axis=-1)


def pair_angle_similarities(pairs):
    """AnglE's similarity of each pair: |cos(u, v) + sin(u, v)| after L2 normalisation, dimension i paired with
    i + dim/2 for the sine (an odd width is padded with a zero), as sentence-transformers' `pairwise_angle_sim`:
    (batch, 2, dim) -> (batch,)."""
    normalized = keras.ops.normalize(keras.ops.cast(pairs, "float32"), axis=-1)
    if normalized.shape[-1] % 2:
        normalized = keras.ops.pad(normalized, [(0, 0), (0, 0), (0, 1)])
    u, v = normalized[:, 0], normalized[:, 1]
    half = u.shape[-1] // 2
    cosines = keras.ops.sum(u * v, axis=-1)
    sines = keras.ops.sum(u[:, half:] * v[:, :half] - u[:, :half] * v[:, half:], axis=-1)
    return keras.ops.abs(cosines + sines)


def ranking_loss(similarities, y_true, scale):
    """CoSENT's log(1 + sum over pairs (i, j) with y_i > y_j of exp(scale * (s_j - s_i))): a scalar."""
    scores = similarities * scale
    y_true = keras.ops.reshape(keras.ops.cast(y_true, "float32"), (-1,))
    differences = scores[None, :] - scores[:, None]  # [i, j] = s_j - s_i
    ordered = y_true[:, None] > y_true[None, :]
    differences = keras.ops.where(ordered, differences, keras.ops.full_like(differences, -1e12))
    flat = keras.ops.concatenate([keras.ops.zeros((1,)), keras.ops.reshape(differences, (-1,))])
    return keras.ops.logsumexp(flat)
