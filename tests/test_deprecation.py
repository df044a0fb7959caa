"""zoo.deprecation, the one mechanism for renamed names: old keyword arguments (renamed_arguments), old names in
saved settings and configs (with_current_names), old attributes (renamed_attribute), and the one message format
(warn_deprecated)."""

import inspect
import warnings

import keras
import pytest

from zoo.deprecation import renamed_arguments, renamed_attribute, warn_deprecated, with_current_names

SUFFIX = " is deprecated and will be removed in the next release: use "


class Renamed:
    @renamed_arguments(dim="output_dim", minn="min_n")
    def __init__(self, output_dim=100, min_n=3, **kwargs):
        self.output_dim, self.min_n, self.kwargs = output_dim, min_n, kwargs

    dim = renamed_attribute("dim", "output_dim")
    minn = renamed_attribute("minn", "min_n")


class Subclass(Renamed):
    pass


@renamed_arguments(dim="output_dim")
def function(output_dim=100):
    return output_dim


@keras.saving.register_keras_serializable(package="zoo_test_deprecation")
class RenamedLayer(keras.layers.Layer):
    """A Keras layer as zoo's are: Layer.__new__ reads the signature of __init__ (getfullargspec) to record its
    arguments; its own get_config (Keras' automatic one would record `dim=` as given) and from_config."""

    RENAMED_ARGUMENTS = {"dim": "output_dim"}

    @renamed_arguments(**RENAMED_ARGUMENTS)
    def __init__(self, output_dim=4, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    dim = renamed_attribute("dim", "output_dim")

    def get_config(self):
        return {**super().get_config(), "output_dim": self.output_dim}

    @classmethod
    def from_config(cls, config):
        return cls(**with_current_names(config, cls.RENAMED_ARGUMENTS))


def deprecations(caught):
    return [w for w in caught if issubclass(w.category, DeprecationWarning)]


# === renamed_arguments ===
@pytest.mark.parametrize("make, owner, old, new, attribute", [
    (lambda: Renamed(dim=7), "Renamed", "dim", "output_dim", "output_dim"),
    (lambda: Renamed(minn=7), "Renamed", "minn", "min_n", "min_n"),
    (lambda: Renamed(5, minn=7), "Renamed", "minn", "min_n", "min_n"),
    (lambda: Subclass(dim=7), "Renamed", "dim", "output_dim", "output_dim"),  # the decorated function's owner
    (lambda: RenamedLayer(dim=7), "RenamedLayer", "dim", "output_dim", "output_dim"),
], ids=["dim", "minn", "minn-after-a-positional", "subclass", "keras-layer"])
def test_an_old_argument_is_taken_as_the_new_one_with_a_warning_at_the_callers_line(make, owner, old, new,
                                                                                    attribute):
    with pytest.warns(DeprecationWarning) as caught:
        made = make()
    [warning] = deprecations(caught)
    assert str(warning.message) == f"{owner}({old}=...){SUFFIX}{new}=... instead"
    assert warning.filename == __file__  # stacklevel: the caller's file, not zoo/deprecation.py
    assert getattr(made, attribute) == 7


def test_the_warning_points_at_the_calling_line_for_a_function_too():
    with pytest.warns(DeprecationWarning) as caught:
        value, line = function(dim=3), inspect.currentframe().f_lineno
    [warning] = deprecations(caught)
    assert (value, warning.filename, warning.lineno) == (3, __file__, line)
    assert str(warning.message) == f"function(dim=...){SUFFIX}output_dim=... instead"


@pytest.mark.parametrize("call", [
    lambda: Renamed(output_dim=5, dim=7), lambda: Renamed(5, dim=7), lambda: Renamed(5, 2, minn=7),
    lambda: Renamed(min_n=2, minn=7), lambda: function(5, dim=7), lambda: RenamedLayer(4, dim=7),
], ids=["both-by-name", "new-by-position", "second-by-position", "second-by-name", "function", "keras-layer"])
def test_an_old_name_with_its_new_one_is_a_type_error(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # refused before any warning
        with pytest.raises(TypeError, match=r"^\w+\(\) got both (output_dim= and dim=|min_n= and minn=), its "
                                            r"deprecated alias: pass (output_dim|min_n)= only$"):
            call()


@pytest.mark.parametrize("target, parameters", [
    (Renamed, ["output_dim", "min_n", "kwargs"]), (Renamed.__init__, ["self", "output_dim", "min_n", "kwargs"]),
    (function, ["output_dim"]), (RenamedLayer, ["output_dim", "kwargs"]),
])
def test_the_signature_has_the_new_names_only(target, parameters):
    assert list(inspect.signature(target).parameters) == parameters


def test_getfullargspec_sees_the_functions_own_arguments_as_keras_reads_them():
    spec = inspect.getfullargspec(RenamedLayer.__init__)
    assert (spec.args, spec.varkw) == (["self", "output_dim"], "kwargs")


def test_the_new_names_alone_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        made = Renamed(5, min_n=2, other=1)
        layer = RenamedLayer(output_dim=3, name="renamed")
    assert (made.output_dim, made.min_n, made.kwargs) == (5, 2, {"other": 1})
    assert (layer.output_dim, layer.name) == (3, "renamed")


def test_a_keras_layer_built_with_an_old_name_round_trips_under_the_new_one():
    with pytest.warns(DeprecationWarning):
        layer = RenamedLayer(dim=6, name="renamed")
    config = layer.get_config()
    assert config["output_dim"] == 6 and "dim" not in config
    assert RenamedLayer.from_config(config).output_dim == 6
    config["dim"] = config.pop("output_dim")  # as an older version saved it
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        assert RenamedLayer.from_config(config).output_dim == 6


# === with_current_names ===
@pytest.mark.parametrize("settings, expected", [
    ({"dim": 50, "window": 5}, {"output_dim": 50, "window": 5}),
    ({"output_dim": 50, "window": 5}, {"output_dim": 50, "window": 5}),
    ({"dim": 10, "output_dim": 50}, {"output_dim": 50}),  # the new name wins
    ({"output_dim": 50, "dim": 10}, {"output_dim": 50}),  # whatever the order
    ({"minn": 2, "maxn": 4}, {"min_n": 2, "max_n": 4}),
    ({}, {}),
], ids=["old", "new", "both", "both-new-first", "two-old", "empty"])
def test_saved_settings_are_read_under_the_new_names_silently(settings, expected):
    renames = {"dim": "output_dim", "minn": "min_n", "maxn": "max_n"}
    given = dict(settings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert with_current_names(settings, renames) == expected
    assert settings == given  # a new dict: the caller's is left as it was


def test_an_old_config_loads_silently_through_with_current_names():
    config = {"dim": 2, "min_n": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        made = Renamed(**with_current_names(config, {"dim": "output_dim", "minn": "min_n"}))
    assert (made.output_dim, made.min_n) == (2, 1)


# === renamed_attribute ===
@pytest.mark.parametrize("make, owner, old, new", [
    (lambda: Renamed(output_dim=7), "Renamed", "dim", "output_dim"),
    (lambda: Renamed(min_n=7), "Renamed", "minn", "min_n"),
    (lambda: Subclass(output_dim=7), "Subclass", "dim", "output_dim"),  # the instance's class
    (lambda: RenamedLayer(output_dim=7), "RenamedLayer", "dim", "output_dim"),
], ids=["dim", "minn", "subclass", "keras-layer"])
def test_an_old_attribute_reads_the_new_one_with_a_warning_at_the_callers_line(make, owner, old, new):
    made = make()
    with pytest.warns(DeprecationWarning) as caught:
        value, line = getattr(made, old), inspect.currentframe().f_lineno
    [warning] = deprecations(caught)
    assert value == 7 == getattr(made, new)
    assert str(warning.message) == f"{owner}.{old}{SUFFIX}{owner}.{new} instead"
    assert (warning.filename, warning.lineno) == (__file__, line)


def test_an_old_attribute_is_a_read_only_property():
    assert isinstance(Renamed.__dict__["dim"], property) and "output_dim" in Renamed.__dict__["dim"].__doc__
    with pytest.raises(AttributeError):
        Renamed().dim = 3


# === warn_deprecated: the one format ===
@pytest.mark.parametrize("old, new", [("zoo.custom.MaskedMeanPooling", "zoo.pooling.TokenPooling('mean')"),
                                      ("X(a=...)", "b=..."), ("X.a", "X.b")])
def test_every_message_has_one_format(old, new):
    def deprecated_thing():
        warn_deprecated(old, new)

    with pytest.warns(DeprecationWarning) as caught:
        _, line = deprecated_thing(), inspect.currentframe().f_lineno
    [warning] = deprecations(caught)
    assert str(warning.message) == f"{old} is deprecated and will be removed in the next release: use {new} instead"
    assert (warning.filename, warning.lineno) == (__file__, line)  # stacklevel=2: the caller's caller


def test_the_helpers_are_defined_once():
    from zoo import training

    for name in ("renamed_arguments", "with_current_names"):
        assert not hasattr(training, name)  # moved to zoo.deprecation: one place


@pytest.mark.parametrize("make, old, new", [
    (lambda: __import__("zoo.static.word2vec", fromlist=["Word2Vec"]).Word2Vec(output_dim=7), "dim", "output_dim"),
    (lambda: __import__("zoo.static.glove", fromlist=["GloVe"]).GloVe(output_dim=7), "dim", "output_dim"),
    (lambda: __import__("zoo.static.fasttext", fromlist=["FastText"]).FastText(min_n=2), "minn", "min_n"),
])
def test_the_static_trainers_old_attribute_names_read_the_new_ones_with_a_warning(make, old, new):
    trainer = make()
    with pytest.warns(DeprecationWarning, match=rf"\.{old} is deprecated and will be removed in the next release"):
        assert getattr(trainer, old) == getattr(trainer, new)


def test_an_old_masked_mean_pooling_config_loads_without_a_warning():
    import warnings

    from zoo.custom.masked_mean_pooling import MaskedMeanPooling

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert MaskedMeanPooling.from_config({"name": "pool"}).pooling == "mean"
