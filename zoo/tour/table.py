"""A table of the comparison: rows of (family, model, values...), the models left out with a reason each, and how
the numbers were measured; written as Markdown, as HTML, and drawn (zoo/tour/charts.py)."""

import html
import math
from dataclasses import dataclass, field


@dataclass
class Table:
    """One task's table.

    Args:
        key: a short name (the chart's file name, the HTML anchor).
        title: the heading.
        method: one paragraph: what was measured, on what, how.
        columns: the value columns' names (after "family" and "model").
        rows: (family, model, value, ...) tuples; values are floats or short strings.
        absent: {model: one-line reason} for the models that cannot do the task.
        digits: decimals a float is written with.
        chart: the columns drawn as bars (names from `columns`); empty for no chart.
        axis: the chart's value axis label.
        log_scale: draw the bars on a log axis (speeds spanning orders of magnitude).
    """

    key: str
    title: str
    method: str
    columns: tuple
    rows: list = field(default_factory=list)
    absent: dict = field(default_factory=dict)
    digits: int = 1
    chart: tuple = ()
    axis: str = ""
    log_scale: bool = False

    def cell(self, value):
        if isinstance(value, float):
            return f"{value:.{self.digits}f}"
        return str(value)

    def values(self, column):
        """[(family, model, value)] of one column, floats only."""
        index = 2 + self.columns.index(column)
        return [(row[0], row[1], row[index]) for row in self.rows if isinstance(row[index], float)]

    def numbers(self):
        """Every float of the table."""
        return [v for row in self.rows for v in row[2:] if isinstance(v, float)]

    def best(self, column, family=None, higher=True):
        """(family, model, value) with the highest (lowest) value of `column`, among one family's rows if given."""
        candidates = [r for r in self.values(column) if family is None or r[0] == family]
        if not candidates:
            return None
        return (max if higher else min)(candidates, key=lambda r: r[2])

    def check_finite(self):
        bad = [v for v in self.numbers() if not math.isfinite(v)]
        if bad:
            raise ValueError(f"table {self.key}: non-finite values {bad}")

    def markdown(self):
        lines = [f"## {self.title}", "", self.method, ""]
        if self.rows:
            header = ("family", "model", *self.columns)
            lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(self.cell(v).replace("|", "\\|") for v in row) + " |" for row in self.rows]
        else:
            lines.append("No model could do this task in this run.")
        if self.absent:
            lines += ["", "Not in this table:"]
            lines += [f"- `{model}`: {reason}" for model, reason in self.absent.items()]
        return "\n".join(lines) + "\n"

    def html(self):
        escape = html.escape
        parts = [f'<section id="{escape(self.key)}">', f"<h2>{escape(self.title)}</h2>",
                 f"<p>{escape(self.method)}</p>"]
        if self.rows:
            parts.append("<table><thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in
                                                        ("family", "model", *self.columns)) + "</tr></thead><tbody>")
            for row in self.rows:
                cells = "".join(f'<td class="{"number" if isinstance(v, float) else "text"}">{escape(self.cell(v))}'
                                "</td>" for v in row)
                parts.append(f'<tr class="{escape(str(row[0]))}">{cells}</tr>')
            parts.append("</tbody></table>")
        else:
            parts.append("<p>No model could do this task in this run.</p>")
        if self.absent:
            parts.append("<p>Not in this table:</p><ul>" + "".join(
                f"<li><code>{escape(m)}</code>: {escape(r)}</li>" for m, r in self.absent.items()) + "</ul>")
        return "\n".join(parts)
