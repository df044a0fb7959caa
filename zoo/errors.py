"""The two kinds of failure the `zoo` command tells apart: bad input (exit 2) and a failed check (exit 1)."""


class ZooInputError(Exception):
    """Bad usage or bad input: a missing file, a malformed line, an unknown name. The CLI exits 2."""


class ZooDataError(ZooInputError):
    """A data or vector file that cannot be read; the message names the file and, where known, the line."""

    def __init__(self, path, message, line=None):
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class DataNotPrepared(ZooInputError):
    """A named data set has not been unpacked yet; the message gives the command that does it."""


class CheckFailed(Exception):
    """An export that does not pass the servability check. The CLI exits 1."""
