"""The look shared by every HTML report (analyze, compare, weekly): one self-contained page.

Inline CSS and inline SVG; nothing is fetched from anywhere (no scripts, no stylesheets,
no fonts, no images, and a Content-Security-Policy that forbids them), so a report can be
mailed, archived and opened offline. Every text is escaped.
"""

from __future__ import annotations

from html import escape

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color: #1d2430; background: #fff; margin: 0; }
main { max-width: 920px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.5em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid #d9dee7;
     padding-bottom: 4px; }
.headline { font-size: 1.1em; font-weight: 600; background: #f2f6fc; border-left: 4px solid
            #2b5fd9; padding: 10px 14px; margin: 14px 0; }
.meta, .note { color: #566173; font-size: 0.9em; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e6e9ef; text-align: left; }
th { background: #f7f8fa; font-weight: 600; }
td.num, th.num { text-align: right; }
tr.provisional td { color: #7a8496; font-style: italic; }
.good { color: #17733a; font-weight: 600; }
.bad { color: #a3262e; }
svg { max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
           sans-serif; font-size: 11px; fill: #1d2430; }
dl.terms { font-size: 0.9em; color: #3a4454; }
dl.terms dt { font-weight: 600; margin-top: 6px; }
dl.terms dd { margin: 0 0 0 16px; }
footer { margin-top: 32px; color: #566173; font-size: 0.85em; }
"""

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; font-src 'none'; "
        "script-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")


class Html(str):
    """Text that is HTML already (made from escaped parts): ``table`` writes it as it is."""


def table(header: list[str], rows: list, right: set[int],
           row_classes: list[str] | None = None) -> str:
    """A table of text cells, escaped here, and ``Html`` cells (links) written as they
    are."""
    def attr(i: int) -> str:
        return ' class="num"' if i in right else ""

    head = "".join(f'<th{attr(i)} scope="col">{escape(h)}</th>' for i, h in enumerate(header))
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        cells = "".join(f"<td{attr(i)}>{c if isinstance(c, Html) else escape(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def link(text: str, href: str | None) -> Html:
    """``text`` as an escaped link to the relative file ``href`` (plain text without one)."""
    return Html(f'<a href="{escape(href)}">{escape(text)}</a>') if href else Html(escape(text))


def paragraph(text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<p{attr}>{escape(text)}</p>"


def terms(items: list[tuple[str, str]]) -> str:
    """A legend of terms: each (term, what it means)."""
    rows = "".join(f"<dt>{escape(t)}</dt><dd>{escape(d)}</dd>" for t, d in items)
    return f'<dl class="terms">{rows}</dl>'


def page(title: str, body: list[str], footer: str) -> str:
    """One HTML document (UTF-8 text) around ``body``, the parts already escaped HTML."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + f"\n<footer>{escape(footer)}</footer>\n</main>\n</body>\n</html>\n"
    )
