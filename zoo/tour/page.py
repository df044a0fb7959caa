"""`reports/index.html`: one static page (no script, no network) with the comparison's tables and its pictures,
by relative paths, so the folder can be opened from disk or served as it is."""

import html

STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.95em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f2f2f2; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.static td:first-child { color: #1f77b4; } tr.contextual td:first-child { color: #d62728; }
tr.custom td:first-child { color: #2ca02c; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; }
"""


def _figure(picture, caption):
    return (f'<figure><img src="{html.escape(picture)}" alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def write_page(path, title, intro, tables, charts, family_rows, advice, pictures, notes):
    """Writes the page. `charts`: {table key: relative PNG path}; `pictures`: [(relative PNG path, caption)];
    `family_rows`: (aspect, static, contextual, custom) rows; `advice`, `notes`: sentences."""
    escape = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{escape(title)}</title>",
             f"<style>{STYLE}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    parts += [f"<p>{escape(line)}</p>" for line in intro]
    parts.append("<nav><ul>" + "".join(f'<li><a href="#{escape(t.key)}">{escape(t.title)}</a></li>' for t in tables)
                 + '<li><a href="#families">The three families</a></li><li><a href="#advice">When to use each</a>'
                 '</li><li><a href="#pictures">Pictures</a></li></ul></nav>')
    for table in tables:
        parts.append(table.html())
        if table.key in charts:
            parts.append(_figure(charts[table.key], table.title))
        parts.append("</section>")
    parts.append('<section id="families"><h2>The three families, measured</h2><table><thead><tr>'
                 + "".join(f"<th>{escape(c)}</th>" for c in ("", "static", "contextual", "custom"))
                 + "</tr></thead><tbody>")
    parts += ["<tr>" + "".join(f"<td>{escape(cell.replace('`', ''))}</td>" for cell in row) + "</tr>"
              for row in family_rows]
    parts.append("</tbody></table></section>")
    parts.append('<section id="advice"><h2>When to use each (from this run\'s numbers)</h2><ul>'
                 + "".join(f"<li>{escape(s)}</li>" for s in advice) + "</ul></section>")
    parts.append('<section id="pictures"><h2>Pictures</h2>')
    parts += [_figure(picture, caption) for picture, caption in pictures]
    parts += [f"<p>{escape(line)}</p>" for line in notes]
    parts.append("</section></body></html>")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path
