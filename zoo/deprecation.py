"""Renamed (deprecated) names, kept working for one more release: old keyword arguments, old names in saved
settings and configs, old attributes. One mechanism for all of zoo, and one message format for every warning:

    "<old> is deprecated and will be removed in the next release: use <new> instead"

with <old>/<new> "TwoTower(dim=...)"/"output_dim=..." for an argument and "TwoTower.dim"/"TwoTower.output_dim"
for an attribute. Each warning is a DeprecationWarning that points at the caller's line. A basic module: it
imports the standard library only."""

import functools
import inspect
import warnings


def warn_deprecated(old, new, stacklevel=2):
    """Emits zoo's DeprecationWarning for `old`, naming `new`: the one message format of every deprecation.

    Args:
        old: what is deprecated, as the caller wrote it, e.g. "TwoTower(dim=...)" or "zoo.custom.MaskedMeanPooling".
        new: what to use instead, e.g. "output_dim=..." or "zoo.pooling.TokenPooling('mean')".
        stacklevel: as `warnings.warn`'s, counted from the caller of `warn_deprecated`: 2 (the default) points
            at the line that called the caller.

    Returns:
        None. The warning reads "<old> is deprecated and will be removed in the next release: use <new> instead".

    Example:
    ```python
    class MaskedMeanPooling(TokenPooling):
        def __init__(self, **kwargs):
            warn_deprecated("zoo.custom.MaskedMeanPooling", "zoo.pooling.TokenPooling('mean')")
            super().__init__(pooling="mean", **kwargs)
    ```
    """
    warnings.warn(f"{old} is deprecated and will be removed in the next release: use {new} instead",
                  DeprecationWarning, stacklevel=stacklevel + 1)


def renamed_arguments(**renames):
    """A decorator that keeps renamed keyword arguments' old names as deprecated aliases for one release.

    Args:
        **renames: old name = new name, e.g. `dim="output_dim"`.

    Returns:
        The decorator. The decorated function takes an old name as its new one and emits a DeprecationWarning at
        the caller's line: "<Class>(<old>=...) is deprecated and will be removed in the next release: use
        <new>=... instead" (<Class> is the function's own name when it is not an `__init__`). An old name given
        together with its new one (by keyword or by position) is a TypeError. Its signature
        (`inspect.signature`, and `inspect.getfullargspec`, which Keras' `Layer.__new__` reads) is the function's
        own, with the new names only. A Keras class so decorated defines its own `get_config` (with the new
        names) and reads configs through `with_current_names` in `from_config`: Keras' automatic config would
        record the arguments as given, old names included.

    Example:
    ```python
    class Word2Vec:
        @renamed_arguments(dim="output_dim")
        def __init__(self, mode="skipgram", output_dim=100): ...

    Word2Vec(dim=50)     # DeprecationWarning: ... use output_dim=...; the same as Word2Vec(output_dim=50)
    ```
    """
    def decorate(function):
        signature = inspect.signature(function)
        owner = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def with_old_names(*args, **kwargs):
            for old, new in renames.items():
                if old not in kwargs:
                    continue
                value = kwargs.pop(old)
                if new in kwargs or new in signature.bind_partial(*args, **kwargs).arguments:
                    raise TypeError(f"{owner}() got both {new}= and {old}=, its deprecated alias: pass {new}= only")
                warn_deprecated(f"{owner}({old}=...)", f"{new}=...", stacklevel=2)
                kwargs[new] = value
            return function(*args, **kwargs)

        # Without it, getfullargspec (which ignores __wrapped__) would see (*args, **kwargs).
        with_old_names.__signature__ = signature
        return with_old_names

    return decorate


def with_current_names(settings, renames):
    """Settings or a config saved by an older version, with each renamed key under its new name, and no warning:
    for `load` and `from_config`, which read what an older version wrote.

    Args:
        settings: a dict of settings or a Keras config (e.g. read from a saved model's JSON file).
        renames: {old name: new name}, as given to `renamed_arguments`.

    Returns:
        A new dict without the old names; where both an old and its new name are present, the new one's value
        wins.

    Example:
    ```python
    @classmethod
    def from_config(cls, config):          # a config saved before `dim` became `output_dim` loads silently
        return cls(**with_current_names(config, {"dim": "output_dim"}))
    ```
    """
    current = {key: value for key, value in settings.items() if key not in renames}
    for old, new in renames.items():
        if old in settings:
            current.setdefault(new, settings[old])
    return current


def renamed_attribute(old, new):
    """A read-only property under an attribute's old name that reads its new one, with a DeprecationWarning.

    Args:
        old: the old name, the one the property is assigned to in the class body (e.g. "dim").
        new: the attribute it reads (e.g. "output_dim").

    Returns:
        A property. Reading it returns `getattr(instance, new)` and warns at the caller's line:
        "<Class>.<old> is deprecated and will be removed in the next release: use <Class>.<new> instead", where
        <Class> is the instance's class.

    Example:
    ```python
    class TwoTower(keras.Model):
        dim = renamed_attribute("dim", "output_dim")

    towers.dim           # DeprecationWarning: TwoTower.dim is deprecated ...; the same as towers.output_dim
    ```
    """
    def read(instance):
        owner = type(instance).__name__
        warn_deprecated(f"{owner}.{old}", f"{owner}.{new}", stacklevel=2)
        return getattr(instance, new)

    return property(read, doc=f"The former name of `{new}` (deprecated).")
