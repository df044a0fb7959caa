"""Package attributes imported on first use: a subpackage's `__init__` names its public classes without
importing their modules, so that the `zoo` command (whose process skips the facade's registration imports)
answers `--help` and `list` without TensorFlow."""

import importlib


def lazy_getattr(package, exports):
    """A module `__getattr__` for `package`: `exports` maps each public name to the module that defines it, or
    to itself when the name is a subpackage (`{"static": "zoo.static"}`); it is imported on first access."""

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(exports[name])
        return module if exports[name] == f"{package}.{name}" else getattr(module, name)

    return __getattr__
