"""Package attributes imported on first use, so that `import zoo.static` does not load TensorFlow by itself."""

import importlib


def lazy_getattr(package, exports):
    """A module `__getattr__` for `package` that imports `exports[name]` (a module path) on first access."""

    def __getattr__(name):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
