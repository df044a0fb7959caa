"""Package attributes imported on first use, so that `import zoo` or `import zoo.static` does not load
TensorFlow by itself (`zoo list` and `zoo --help` start at once)."""

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
