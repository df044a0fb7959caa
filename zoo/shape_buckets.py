"""Lengths rounded up to a few buckets, so that XLA compiles few shapes (one compilation per distinct shape)."""


def bucketed_length(length, smallest_step=1):
    """`length` rounded up to a multiple of a step that grows with it: 1/16 to 1/8 of the length (exact below 16
    when `smallest_step` is 1), never less than `smallest_step`. So padding costs at most 1/8 and the number of
    buckets grows with the logarithm of the longest length."""
    step = max(int(smallest_step), 1 << max(int(length).bit_length() - 4, 0))
    return max(-(-int(length) // step) * step, step)
