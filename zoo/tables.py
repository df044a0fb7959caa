"""Plain-text tables for the command line, the tour and the evaluations' printouts."""


def print_table(header, rows):
    """Prints `rows` (sequences of values) under `header`, each column as wide as its widest cell."""
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())


def print_markdown_table(header, rows):
    """Prints `rows` under `header` as a Markdown table ('|' inside a cell escaped)."""
    for row in (header, ("---",) * len(header), *rows):
        print("| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |")
